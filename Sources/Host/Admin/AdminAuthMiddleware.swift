import Foundation
import GRDB
import Hummingbird

/// Verifies the admin session token on every admin route except login, and loads the account so a
/// disabled or deleted user is refused at once.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let signer: AdminTokenSigner
    let database: GatewayDatabase

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw AdminError.unauthorized
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let claims: AdminTokenClaims
        do {
            claims = try signer.verify(token)
        } catch {
            throw AdminError(status: .unauthorized, code: "unauthorized", message: error == .expired ? "Your session expired; log in again." : "Invalid session token; log in again.")
        }
        guard let userID = claims.userID,
            let user = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: userID) }),
            user.enabled
        else {
            throw AdminError(status: .unauthorized, code: "unauthorized", message: "This account no longer exists or is disabled.")
        }
        var context = context
        context.user = SessionUser(id: userID, username: user.username, role: user.role,
                                   mustChangePassword: user.mustChangePassword, tokenID: claims.jti)
        return try await next(request, context)
    }
}
