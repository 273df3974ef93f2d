import Foundation
import GRDB
import Hummingbird
import Logging

/// The admin API under `/admin`: login and logout, the personal centre, users, providers, endpoints,
/// keys, adapters and the audit log.
/// Every write rebuilds the routing snapshot before answering, so changes apply to the next request.
struct AdminController: Sendable {
    let database: GatewayDatabase
    let snapshots: SnapshotStore
    let registry: AdapterRegistry
    let secrets: SecretBox
    let signer: AdminTokenSigner
    let tokenTTL: TimeInterval
    let security: SecurityServices
    let logger: Logger

    /// Registers the admin routes and returns the group behind the session check, where other
    /// controllers (statistics, console helpers) add their authenticated routes.
    @discardableResult
    func addRoutes(to router: Router<GatewayRequestContext>) -> RouterGroup<GatewayRequestContext> {
        let admin = router.group("admin")
        admin.post("login", use: login)
        admin.get("openapi.json", use: openAPIDocument)

        let session = admin.group().add(middleware: AdminAuthMiddleware(signer: signer, database: database, sessions: security.sessions))
        // Roles are checked in each handler (requireUser / requireAdmin); docs/security.md has the table.
        session.post("logout", use: logout)
        session.get("user/info", use: userInfo)
        session.put("user/info", use: updateUserInfo)
        session.put("user/password", use: changePassword)
        session.get("user/endpoints", use: callableEndpoints)

        session.get("users", use: listUsers)
        session.post("users", use: createUser)
        session.get("users/:id", use: getUser)
        session.put("users/:id", use: updateUser)
        session.delete("users/:id", use: deleteUser)

        session.get("providers", use: listProviders)
        session.post("providers", use: createProvider)
        session.get("providers/:id", use: getProvider)
        session.put("providers/:id", use: updateProvider)
        session.delete("providers/:id", use: deleteProvider)
        session.post("providers/:id/test", use: testProvider)

        session.get("endpoints", use: listEndpoints)
        session.post("endpoints", use: createEndpoint)
        session.get("endpoints/:id", use: getEndpoint)
        session.put("endpoints/:id", use: updateEndpoint)
        session.delete("endpoints/:id", use: deleteEndpoint)

        session.get("keys", use: listKeys)
        session.post("keys", use: createKey)
        session.get("keys/:id", use: getKey)
        session.put("keys/:id", use: updateKey)
        session.delete("keys/:id", use: deleteKey)

        session.get("plugins", use: listPlugins)
        session.post("plugins/reload", use: reloadPlugins)
        session.get("audit", use: listAudit)
        return session
    }

    /// Applies a committed write to the routing snapshot.
    func refreshSnapshot() throws {
        do {
            try snapshots.rebuild()
        } catch {
            logger.error("cannot rebuild the routing snapshot after an admin write: \(error)")
            throw AdminError(status: .internalServerError, code: "internal_error", message: "The change was saved but could not be applied; see the gateway log.")
        }
    }

    static func id(_ context: GatewayRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw AdminError.notFound("Item")
        }
        return id
    }

    /// Turns SQLite constraint failures into the admin error shape.
    static func mapDatabaseError(_ error: any Error, conflictMessage: String, field: String) -> any Error {
        if let dbError = error as? DatabaseError, dbError.resultCode == .SQLITE_CONSTRAINT {
            return AdminError.conflict(conflictMessage, field: field)
        }
        return error
    }
}

/// JSON `{"data":[...]}` wrapper of list answers.
struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let data: [Item]
}
