import Foundation
@testable import Host
import Hummingbird
import MockProvider
import NIOHTTP1
import Testing

/// Role separation on every admin route, generated from the OpenAPI document: each operation
/// declares who may call it (`x-access`: public, user, admin) and whether an account that must
/// change its password may (`x-allowed-before-password-change`). Every operation is called as
/// every kind of caller, and the answer must match the declaration.
@Suite("Security: route x role matrix", .serialized)
struct RoleMatrixTests {
    enum Caller: String, CaseIterable {
        case anonymous, user, admin
        /// An administrator that must still change its password: refused almost everywhere.
        case pendingAdmin = "admin (password change pending)"
    }

    struct Operation {
        let method: String
        let path: String
        let access: String?
        let beforePasswordChange: Bool
    }

    static func operations(_ document: [String: Any]) -> [Operation] {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return paths.keys.sorted().flatMap { path in
            (paths[path] ?? [:]).compactMap { method, value -> Operation? in
                guard let operation = value as? [String: Any], ["get", "post", "put", "delete", "patch"].contains(method) else { return nil }
                return Operation(method: method.uppercased(), path: path, access: operation["x-access"] as? String,
                                 beforePasswordChange: operation["x-allowed-before-password-change"] as? Bool ?? false)
            }.sorted { $0.method < $1.method }
        }
    }

    /// What `caller` must get on `operation`: an exact status and error code, or "not refused".
    enum Expectation: CustomStringConvertible {
        case refused(Int, String)
        case allowed
        var description: String {
            switch self {
            case .refused(let status, let code): "\(status) \(code)"
            case .allowed: "allowed"
            }
        }
    }

    static func expectation(_ operation: Operation, _ caller: Caller) -> Expectation {
        guard let access = operation.access, access != "public" else { return .allowed }
        switch caller {
        case .anonymous: return .refused(401, "unauthorized")
        case .pendingAdmin: return operation.beforePasswordChange ? .allowed : .refused(403, "password_change_required")
        case .user: return access == "admin" ? .refused(403, "forbidden") : .allowed
        case .admin: return .allowed
        }
    }

    @Test("every documented admin operation answers each role as declared")
    func matrix() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        try await harness.createUser("matrix_user", password: "matrix-user-pass", token: admin)
        try await harness.createUser("matrix_root", password: "matrix-root-pass", role: "admin", token: admin,
                                     extra: ["must_change_password": true])
        let document = try #require(try await harness.send(.GET, "/admin/openapi.json").json)
        let operations = Self.operations(document)
        #expect(operations.count >= 30, "the document lists the admin API")

        var tokens: [Caller: String] = [
            .admin: admin,
            .user: try await harness.login("matrix_user", "matrix-user-pass").token,
            .pendingAdmin: try await harness.login("matrix_root", "matrix-root-pass").token,
        ]
        var table = ["| Operation | " + Caller.allCases.map(\.rawValue).joined(separator: " | ") + " |",
                     "|---|" + Caller.allCases.map { _ in "---" }.joined(separator: "|") + "|"]
        for operation in operations {
            #expect(operation.access != nil, "\(operation.method) \(operation.path) must declare x-access in scripts/gen_openapi.py")
            var row = "| \(operation.method) \(operation.path) |"
            for caller in Caller.allCases {
                let expected = Self.expectation(operation, caller)
                // Ids that do not exist: nothing is changed, and the role check must come before the lookup.
                let path = operation.path.replacingOccurrences(of: "{id}", with: "987654")
                let body: [String: Any]? = ["POST", "PUT"].contains(operation.method) ? [:] : nil
                let reply = try await harness.send(HTTPMethod(rawValue: operation.method), path, json: body, token: tokens[caller])
                switch expected {
                case .refused(let status, let code):
                    #expect(reply.status == status && reply.errorCode == code,
                            "\(caller.rawValue) on \(operation.method) \(operation.path): expected \(expected), got \(reply.status) \(reply.text.prefix(160))")
                case .allowed:
                    #expect(![401, 403].contains(reply.status),
                            "\(caller.rawValue) on \(operation.method) \(operation.path) must be allowed, got \(reply.status) \(reply.text.prefix(160))")
                }
                row += " \(expected) (\(reply.status)) |"
                // Logging out ends the session used: the next row needs a fresh one.
                if operation.path == "/admin/logout", caller != .anonymous, reply.status == 204 {
                    let (name, password) = switch caller {
                    case .admin: ("admin", GatewayHarness.adminPassword)
                    case .user: ("matrix_user", "matrix-user-pass")
                    default: ("matrix_root", "matrix-root-pass")
                    }
                    tokens[caller] = try await harness.login(name, password).token
                }
            }
            table.append(row)
        }
        print("Route x role matrix (expected, observed status):\n" + table.joined(separator: "\n"))
    }

    @Test("every route the admin controller registers is documented")
    func everyRouteIsDocumented() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let gateway = harness.gateway
        let router = Router(context: GatewayRequestContext.self)
        AdminController(
            database: gateway.database, snapshots: gateway.snapshots, registry: gateway.registry, secrets: gateway.secrets,
            signer: gateway.signer, tokenTTL: 3600, security: gateway.security, logger: gateway.logger
        ).addRoutes(to: router)
        let document = try #require(try await harness.send(.GET, "/admin/openapi.json").json)
        let documented = Set(Self.operations(document).map { "\($0.method) \($0.path)" })
        for route in router.routes {
            // Router paths use `:id`; the document uses `{id}`.
            let path = "/" + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .joined(separator: "/")
            #expect(documented.contains("\(route.method) \(path)"), "\(route.method) \(path) is served but not in docs/openapi.json")
        }
    }
}
