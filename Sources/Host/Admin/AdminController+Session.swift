import Foundation
import GRDB
import Hummingbird
import HummingbirdBcrypt
import JSONCore

/// Login, logout and the personal centre (the signed-in user's own profile and password).
extension AdminController {
    struct LoginBody: Decodable { let username: String; let password: String }

    struct LoginResponse: ResponseEncodable, Sendable {
        let token: String
        let expiresAt: Date
        let user: UserView
        enum CodingKeys: String, CodingKey { case token, user, expiresAt = "expires_at" }
    }

    /// `POST /admin/login`. Throttled per username and per client address; every outcome is audited.
    @Sendable func login(_ request: Request, context: GatewayRequestContext) async throws -> LoginResponse {
        var request = request
        let body = try await request.decodeAdminBody(LoginBody.self, allowedFields: ["username", "password"], context: context)
        let address = context.clientAddress
        let keys = [LoginThrottleState.userKey(body.username), LoginThrottleState.addressKey(address)]
        switch security.throttle.begin(keys) {
        case .locked(let retryAfter):
            throw AdminError.tooManyAttempts(retryAfter: retryAfter)
        case .allowed(let delay):
            if delay > 0 { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
        }
        let name = body.username
        let user = Validation.usernameProblem(name) != nil ? nil : try await database.pool.read { db in
            try UserRecord.filter(Column("username").collating(.nocase) == name).fetchOne(db)
        }
        // Verify against a fixed hash when the user does not exist, so timing does not reveal which usernames exist.
        let valid = try await PasswordHasher.verify(body.password, hash: user?.passwordHash ?? Self.dummyHash)
        guard let user, let userID = user.id, valid, user.enabled else {
            let locked = security.throttle.failed(keys)
            let reason = user == nil ? "unknown_user" : (valid ? "account_disabled" : "wrong_password")
            // The attempted name is recorded only when it is an account: people type passwords into the name field.
            let actor = AuditLog.Actor(id: user?.id, name: user?.username ?? "", address: address)
            await security.audit.record("login.failure", by: actor, detail: ["reason": .string(reason)])
            for key in locked {
                await security.audit.record("login.locked", by: actor, detail: [
                    "scope": .string(key.hasPrefix("u:") ? "username" : "address"),
                    "lockout_seconds": .int(Int64(security.configuration.loginLockoutSeconds)),
                ])
            }
            logger.notice("admin login failed", metadata: ["user": "\(user?.username ?? "(no such account)")", "address": "\(address)"])
            throw AdminError(status: .unauthorized, code: "invalid_credentials", message: "Wrong username or password.")
        }
        security.throttle.succeeded(keys)

        let now = Date()
        let expires = now.addingTimeInterval(tokenTTL)
        let sessionID = try await security.sessions.open(
            userID: userID, expiresAt: expires, remoteAddress: address, userAgent: request.headers[.userAgent] ?? "", now: now)
        var updated = user
        updated.lastLoginAt = now
        let saved = updated
        try await database.pool.write { db in try saved.update(db) }
        let claims = AdminTokenClaims(
            sub: String(userID), name: user.username, role: user.role,
            iat: Int64(now.timeIntervalSince1970), exp: Int64(expires.timeIntervalSince1970),
            jti: sessionID, iss: AdminTokenSigner.issuer, aud: AdminTokenSigner.audience)
        await security.audit.record("login.success", by: .init(id: userID, name: user.username, address: address))
        logger.info("admin login", metadata: ["user": "\(user.username)"])
        return LoginResponse(token: try signer.sign(claims), expiresAt: expires, user: UserView(saved))
    }

    /// A bcrypt hash of a random string, used to spend the same time on unknown usernames.
    static let dummyHash = Bcrypt.hash(UUID().uuidString, cost: PasswordPolicy.bcryptCost)

    /// `POST /admin/logout`: ends the session of the token used; other sessions stay.
    @Sendable func logout(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let session = try context.requireUser()
        try await security.sessions.revoke(session.tokenID, reason: "logout")
        await security.audit.record("logout", by: context.auditActor)
        return Response(status: .noContent)
    }

    @Sendable func userInfo(_ request: Request, context: GatewayRequestContext) async throws -> UserView {
        let session = try context.requireUser()
        guard let user = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: session.id) }) else {
            throw AdminError.unauthorized
        }
        return UserView(user)
    }

    struct ProfileBody: Decodable {
        var displayName: String?
        var email: String?
        enum CodingKeys: String, CodingKey { case displayName = "display_name", email }
        /// Fields of the account that only an administrator changes (PUT /admin/users/{id}).
        static let adminOnly = ["username", "role", "enabled", "password", "must_change_password"]
    }

    /// `PUT /admin/user/info`: the signed-in user edits their display name and e-mail.
    @Sendable func updateUserInfo(_ request: Request, context: GatewayRequestContext) async throws -> UserView {
        let session = try context.requireUser()
        var request = request
        let (body, keys) = try await request.decodeAdminBodyAndKeys(
            ProfileBody.self, allowedFields: Set(["display_name", "email"] + ProfileBody.adminOnly), context: context)
        let refused = ProfileBody.adminOnly.filter(keys.contains)
        if !refused.isEmpty {
            throw AdminError.validation(Dictionary(uniqueKeysWithValues: refused.map { ($0, "can only be changed by an administrator") }))
        }
        var fields: [String: String] = [:]
        if let name = body.displayName, let problem = Validation.displayNameProblem(name) { fields["display_name"] = problem }
        if let email = body.email, let problem = Validation.emailProblem(email) { fields["email"] = problem }
        if !fields.isEmpty { throw AdminError.validation(fields) }
        let saved = try await database.pool.write { db -> UserRecord in
            guard var user = try UserRecord.fetchOne(db, key: session.id) else { throw AdminError.unauthorized }
            if let name = body.displayName { user.displayName = name }
            if let email = body.email { user.email = email }
            user.updatedAt = Date()
            try user.update(db)
            return user
        }
        let changed = [("display_name", body.displayName), ("email", body.email)].filter { $0.1 != nil }.map { JSONValue.string($0.0) }
        await security.audit.record("user.profile_update", by: context.auditActor, target: ("user", String(session.id)),
                                    detail: ["fields": .array(changed)])
        return UserView(saved)
    }

    struct PasswordBody: Decodable {
        let currentPassword: String
        let newPassword: String
        enum CodingKeys: String, CodingKey { case currentPassword = "current_password", newPassword = "new_password" }
    }

    /// `PUT /admin/user/password`: needs the current password; ends the user's other sessions. Wrong
    /// current passwords count towards the login throttle, so a stolen session cannot guess it.
    @Sendable func changePassword(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let session = try context.requireUser()
        var request = request
        let body = try await request.decodeAdminBody(PasswordBody.self, allowedFields: ["current_password", "new_password"], context: context)
        guard let user = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: session.id) }) else {
            throw AdminError.unauthorized
        }
        let keys = [LoginThrottleState.userKey(user.username), LoginThrottleState.addressKey(context.clientAddress)]
        switch security.throttle.begin(keys) {
        case .locked(let retryAfter): throw AdminError.tooManyAttempts(retryAfter: retryAfter)
        case .allowed(let delay): if delay > 0 { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
        }
        guard try await PasswordHasher.verify(body.currentPassword, hash: user.passwordHash) else {
            _ = security.throttle.failed(keys)
            await security.audit.record("user.password_change_failed", by: context.auditActor, target: ("user", String(session.id)))
            throw AdminError.field("current_password", "is not your current password")
        }
        security.throttle.succeeded(keys)
        if let problem = PasswordPolicy.problem(with: body.newPassword, username: user.username, current: body.currentPassword) {
            throw AdminError.field("new_password", problem)
        }
        let hash = try await PasswordHasher.hash(body.newPassword)
        let now = Date()
        try await database.pool.write { db in
            guard var current = try UserRecord.fetchOne(db, key: session.id) else { throw AdminError.unauthorized }
            current.passwordHash = hash
            current.mustChangePassword = false
            current.passwordChangedAt = now
            current.updatedAt = now
            try current.update(db)
        }
        let ended = try await security.sessions.revokeAll(userID: session.id, except: session.tokenID, reason: "password_changed")
        await security.audit.record("user.password_change", by: context.auditActor, target: ("user", String(session.id)),
                                    detail: ["other_sessions_ended": .int(Int64(ended))])
        logger.info("password changed", metadata: ["user": "\(user.username)", "other_sessions_ended": "\(ended)"])
        return Response(status: .noContent)
    }

    @Sendable func openAPIDocument(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
}
