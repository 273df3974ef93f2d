import Foundation
import GRDB
import HummingbirdBcrypt
import Hummingbird

extension AdminController {
    struct LoginBody: Decodable { let username: String; let password: String }

    struct UserView: ResponseEncodable, Sendable {
        let id: Int64
        let username: String
        let displayName: String
        let email: String
        let role: String
        let mustChangePassword: Bool
        let enabled: Bool
        let createdAt: Date

        init(_ user: UserRecord) {
            id = user.id ?? 0
            username = user.username
            displayName = user.displayName
            email = user.email
            role = user.role
            mustChangePassword = user.mustChangePassword
            enabled = user.enabled
            createdAt = user.createdAt
        }

        enum CodingKeys: String, CodingKey {
            case id, username, role, email, enabled
            case displayName = "display_name", mustChangePassword = "must_change_password", createdAt = "created_at"
        }
    }

    struct LoginResponse: ResponseEncodable, Sendable {
        let token: String
        let expiresAt: Date
        let user: UserView
        enum CodingKeys: String, CodingKey { case token, user, expiresAt = "expires_at" }
    }

    @Sendable func login(_ request: Request, context: GatewayRequestContext) async throws -> LoginResponse {
        var request = request
        let body = try await request.decodeAdminBody(LoginBody.self, allowedFields: ["username", "password"], context: context)
        let user = try await database.pool.read { db in
            try UserRecord.filter(Column("username") == body.username).fetchOne(db)
        }
        // Verify against a fixed hash when the user does not exist, so timing does not reveal which usernames exist.
        let hash = user?.passwordHash ?? Self.dummyHash
        let valid = body.password.utf8.count <= 72 && Bcrypt.verify(body.password, hash: hash)
        guard let user, valid, user.enabled else {
            logger.notice("admin login failed", metadata: ["username": "\(body.username.prefix(64))"])
            throw AdminError(status: .unauthorized, code: "invalid_credentials", message: "Wrong username or password.")
        }
        let now = Date()
        let expires = now.addingTimeInterval(tokenTTL)
        let claims = AdminTokenClaims(
            sub: String(user.id ?? 0), name: user.username, role: user.role,
            iat: Int64(now.timeIntervalSince1970), exp: Int64(expires.timeIntervalSince1970),
            jti: UUID().uuidString, iss: AdminTokenSigner.issuer, aud: AdminTokenSigner.audience)
        logger.info("admin login", metadata: ["username": "\(user.username)"])
        return LoginResponse(token: try signer.sign(claims), expiresAt: expires, user: UserView(user))
    }

    /// A bcrypt hash of a random string, used to spend the same time on unknown usernames.
    static let dummyHash = Bcrypt.hash(UUID().uuidString, cost: PasswordPolicy.bcryptCost)

    @Sendable func userInfo(_ request: Request, context: GatewayRequestContext) async throws -> UserView {
        let session = try context.requireUser()
        guard let user = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: session.id) }) else {
            throw AdminError.unauthorized
        }
        return UserView(user)
    }

    struct PasswordBody: Decodable {
        let currentPassword: String
        let newPassword: String
        enum CodingKeys: String, CodingKey { case currentPassword = "current_password", newPassword = "new_password" }
    }

    @Sendable func changePassword(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let session = try context.requireUser()
        var request = request
        let body = try await request.decodeAdminBody(PasswordBody.self, allowedFields: ["current_password", "new_password"], context: context)
        guard var user = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: session.id) }) else {
            throw AdminError.unauthorized
        }
        guard Bcrypt.verify(body.currentPassword, hash: user.passwordHash) else {
            throw AdminError.field("current_password", "is not your current password")
        }
        if let problem = PasswordPolicy.problem(with: body.newPassword, username: user.username) {
            throw AdminError.field("new_password", problem)
        }
        user.passwordHash = Bcrypt.hash(body.newPassword, cost: PasswordPolicy.bcryptCost)
        user.mustChangePassword = false
        user.updatedAt = Date()
        let updated = user
        try await database.pool.write { db in try updated.update(db) }
        logger.info("password changed", metadata: ["username": "\(user.username)"])
        return Response(status: .noContent)
    }

    @Sendable func openAPIDocument(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
}

/// Password rules, stated in the error message when broken.
enum PasswordPolicy {
    /// Cost 10 keeps a login well under 100 ms on the 2-core reference machine.
    static let bcryptCost: UInt8 = 10

    static func problem(with password: String, username: String) -> String? {
        let rule = "must be 8 to 72 bytes long, not the username, and not the default password"
        if password.utf8.count < 8 || password.utf8.count > 72 { return rule }
        if password == username || password == "admin123" { return rule }
        return nil
    }
}
