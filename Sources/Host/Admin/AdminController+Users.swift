import Foundation
import GRDB
import Hummingbird
import JSONCore

/// `/admin/users`: account management for administrators. The last enabled administrator can be
/// neither deleted, disabled nor demoted; deleting or disabling an account ends its sessions and
/// stops its API keys at once.
extension AdminController {
    struct UserView: ResponseEncodable, Sendable {
        let id: Int64
        let username: String
        let displayName: String
        let email: String
        let role: String
        let mustChangePassword: Bool
        let enabled: Bool
        let createdAt: Date
        let updatedAt: Date
        let lastLoginAt: Date?
        let passwordChangedAt: Date?

        init(_ user: UserRecord) {
            id = user.id ?? 0
            username = user.username
            displayName = user.displayName
            email = user.email
            role = user.role
            mustChangePassword = user.mustChangePassword
            enabled = user.enabled
            createdAt = user.createdAt
            updatedAt = user.updatedAt
            lastLoginAt = user.lastLoginAt
            passwordChangedAt = user.passwordChangedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, username, role, email, enabled
            case displayName = "display_name", mustChangePassword = "must_change_password", createdAt = "created_at"
            case updatedAt = "updated_at", lastLoginAt = "last_login_at", passwordChangedAt = "password_changed_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(username, forKey: .username)
            try container.encode(displayName, forKey: .displayName)
            try container.encode(email, forKey: .email)
            try container.encode(role, forKey: .role)
            try container.encode(mustChangePassword, forKey: .mustChangePassword)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(updatedAt, forKey: .updatedAt)
            try container.encode(lastLoginAt, forKey: .lastLoginAt)  // explicit null: never logged in
            try container.encode(passwordChangedAt, forKey: .passwordChangedAt)
        }
    }

    struct UserBody: Decodable {
        var username: String?
        var password: String?
        var displayName: String?
        var email: String?
        var role: String?
        var enabled: Bool?
        var mustChangePassword: Bool?
        enum CodingKeys: String, CodingKey {
            case username, password, email, role, enabled
            case displayName = "display_name", mustChangePassword = "must_change_password"
        }
        static let fields: Set<String> = ["username", "password", "display_name", "email", "role", "enabled", "must_change_password"]
    }

    @Sendable func listUsers(_ request: Request, context: GatewayRequestContext) async throws -> ListResponse<UserView> {
        _ = try context.requireAdmin()
        let users = try await database.pool.read { db in try UserRecord.order(Column("id")).fetchAll(db) }
        return ListResponse(data: users.map(UserView.init))
    }

    @Sendable func getUser(_ request: Request, context: GatewayRequestContext) async throws -> UserView {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        guard let user = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: id) }) else {
            throw AdminError.notFound("User \(id)")
        }
        return UserView(user)
    }

    @Sendable func createUser(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<UserView> {
        _ = try context.requireAdmin()
        var request = request
        let body = try await request.decodeAdminBody(UserBody.self, allowedFields: UserBody.fields, context: context)
        var fields: [String: String] = [:]
        if body.username == nil { fields["username"] = "is required" }
        if body.password == nil { fields["password"] = "is required" }
        if !fields.isEmpty { throw AdminError.validation(fields) }
        let now = Date()
        var record = UserRecord(
            id: nil, username: "", displayName: "", email: "", role: UserRecord.userRole, passwordHash: "",
            mustChangePassword: body.mustChangePassword ?? true, enabled: true, createdAt: now, updatedAt: now)
        try await apply(body, to: &record)
        let inserted = record
        let saved = try await saveUser { db in
            var copy = inserted
            try copy.insert(db)
            return copy
        }
        await security.audit.record("user.create", by: context.auditActor, target: ("user", String(saved.id ?? 0)), detail: [
            "username": .string(saved.username), "role": .string(saved.role), "enabled": .bool(saved.enabled),
        ])
        logger.info("user created", metadata: ["user": "\(saved.username)", "role": "\(saved.role)"])
        return EditedResponse(status: .created, response: UserView(saved))
    }

    @Sendable func updateUser(_ request: Request, context: GatewayRequestContext) async throws -> UserView {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        var request = request
        let (body, keys) = try await request.decodeAdminBodyAndKeys(UserBody.self, allowedFields: UserBody.fields, context: context)
        guard let old = try await database.pool.read({ db in try UserRecord.fetchOne(db, key: id) }) else {
            throw AdminError.notFound("User \(id)")
        }
        var record = old
        try await apply(body, to: &record)
        if body.password != nil {
            // An administrator set this password: the owner must replace it at the next login,
            // unless the administrator says otherwise.
            record.mustChangePassword = body.mustChangePassword ?? true
            record.passwordChangedAt = Date()
        }
        record.updatedAt = Date()
        let changed = record
        let saved = try await saveUser { db in
            try Self.keepAnAdmin(db, changing: old, to: changed)
            try changed.update(db)
            return changed
        }
        var ended = 0
        if old.enabled && !saved.enabled {
            ended = try await security.sessions.revokeAll(userID: id, reason: "user_disabled")
        } else if body.password != nil {
            ended = try await security.sessions.revokeAll(userID: id, reason: "password_reset")
        }
        // Keys follow their owner's state: a disabled owner's keys stop working on the next request.
        if old.enabled != saved.enabled { try refreshSnapshot() }
        var detail: JSONObject = ["fields": .array(keys.sorted().map(JSONValue.string))]
        if old.role != saved.role { detail["role"] = .string(saved.role) }
        if old.enabled != saved.enabled { detail["enabled"] = .bool(saved.enabled) }
        if ended > 0 { detail["sessions_ended"] = .int(Int64(ended)) }
        await security.audit.record("user.update", by: context.auditActor, target: ("user", String(id)), detail: detail)
        logger.info("user updated", metadata: ["user": "\(saved.username)"])
        return UserView(saved)
    }

    @Sendable func deleteUser(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        let deleted = try await database.pool.write { db -> UserRecord? in
            guard let user = try UserRecord.fetchOne(db, key: id) else { return nil }
            try Self.keepAnAdmin(db, changing: user, to: nil)
            // Keys and sessions go with the account (foreign keys cascade).
            _ = try UserRecord.deleteOne(db, key: id)
            return user
        }
        guard let deleted else { throw AdminError.notFound("User \(id)") }
        try await security.sessions.revokeAll(userID: id, reason: "user_deleted")
        try refreshSnapshot()
        await security.audit.record("user.delete", by: context.auditActor, target: ("user", String(id)),
                                    detail: ["username": .string(deleted.username)])
        logger.info("user deleted", metadata: ["user": "\(deleted.username)"])
        return Response(status: .noContent)
    }

    /// Refuses a change that would leave no enabled administrator. Runs inside the write
    /// transaction, so two administrators demoting each other at once cannot both succeed.
    static func keepAnAdmin(_ db: Database, changing old: UserRecord, to new: UserRecord?) throws {
        guard old.isAdmin, old.enabled else { return }
        if let new, new.isAdmin, new.enabled { return }
        let others = try UserRecord.filter(Column("role") == UserRecord.adminRole && Column("enabled") == true && Column("id") != old.id)
            .fetchCount(db)
        if others == 0 {
            throw AdminError.conflict("This is the last enabled administrator; make another account an administrator first.")
        }
    }

    private func saveUser(_ write: @escaping @Sendable (Database) throws -> UserRecord) async throws -> UserRecord {
        do {
            return try await database.pool.write(write)
        } catch let error as AdminError {
            throw error
        } catch {
            throw Self.mapDatabaseError(error, conflictMessage: "Another account already has this username.", field: "username")
        }
    }

    /// Validates `body` and copies it into `record`; absent fields keep their value.
    private func apply(_ body: UserBody, to record: inout UserRecord) async throws {
        var fields: [String: String] = [:]
        if let username = body.username {
            if let problem = Validation.usernameProblem(username) { fields["username"] = problem } else { record.username = username }
        }
        if let name = body.displayName {
            if let problem = Validation.displayNameProblem(name) { fields["display_name"] = problem } else { record.displayName = name }
        }
        if let email = body.email {
            if let problem = Validation.emailProblem(email) { fields["email"] = problem } else { record.email = email }
        }
        if let role = body.role {
            if [UserRecord.adminRole, UserRecord.userRole].contains(role) { record.role = role } else { fields["role"] = "must be admin or user" }
        }
        if let enabled = body.enabled { record.enabled = enabled }
        if let mustChange = body.mustChangePassword { record.mustChangePassword = mustChange }
        if let password = body.password {
            if let problem = PasswordPolicy.problem(with: password, username: body.username ?? record.username) {
                fields["password"] = problem
            }
        }
        if !fields.isEmpty { throw AdminError.validation(fields) }
        if let password = body.password { record.passwordHash = try await PasswordHasher.hash(password) }
    }
}
