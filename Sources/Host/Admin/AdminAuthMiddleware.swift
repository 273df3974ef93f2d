import Foundation
import GRDB
import Hummingbird

/// Guards every admin route except login and the OpenAPI document: verifies the session token,
/// checks that its session is still open (not logged out or revoked), loads the account so a
/// disabled or deleted user is refused at once, and holds back accounts that must change their
/// password first.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let signer: AdminTokenSigner
    let database: GatewayDatabase
    let sessions: SessionRegistry

    /// What an account that must change its password may still do.
    static let allowedBeforePasswordChange: Set<String> = [
        "GET /admin/user/info", "PUT /admin/user/password", "POST /admin/logout",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw AdminError.unauthorized
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let claims: AdminTokenClaims
        do {
            claims = try signer.verify(token)
        } catch {
            throw AdminError(status: .unauthorized, code: "unauthorized",
                             message: error == .expired ? "Your session expired; log in again." : "Invalid session token; log in again.")
        }
        guard let userID = claims.userID else { throw AdminError.unauthorized }
        guard try await sessions.isActive(claims.jti, userID: userID) else {
            throw AdminError(status: .unauthorized, code: "session_revoked",
                             message: "This session has ended (logout, password change or an administrator's change); log in again.")
        }
        guard let user = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: userID) }), user.enabled else {
            throw AdminError(status: .unauthorized, code: "unauthorized", message: "This account no longer exists or is disabled.")
        }
        if user.mustChangePassword, !Self.allowedBeforePasswordChange.contains("\(request.method) \(request.uri.path)") {
            throw AdminError.passwordChangeRequired
        }
        var context = context
        context.user = SessionUser(id: userID, username: user.username, role: user.role,
                                   mustChangePassword: user.mustChangePassword, tokenID: claims.jti)
        return try await next(request, context)
    }
}
