import Foundation
import GRDB
import Hummingbird
import JSONCore

/// `/admin/keys`: client API keys. Every signed-in user manages their own keys; administrators see
/// and manage everyone's. Someone else's key answers 404, as if it did not exist.
extension AdminController {
    struct KeyView: ResponseEncodable, Sendable {
        let id: Int64
        let name: String
        let prefix: String
        let enabled: Bool
        let userID: Int64?
        let username: String?
        /// nil: every endpoint.
        let endpointIDs: [Int64]?
        let expiresAt: Date?
        let status: String
        let createdAt: Date
        let lastUsedAt: Date?
        /// The plaintext key: only in the answer that creates it.
        let key: String?

        init(_ record: APIKeyRecord, owner: UserRecord?, endpointIDs: [Int64]?, plaintext: String? = nil, now: Date = Date()) {
            id = record.id ?? 0
            name = record.name
            prefix = record.prefix
            enabled = record.enabled
            userID = record.userId
            username = owner?.username
            self.endpointIDs = record.allEndpoints ? nil : (endpointIDs ?? [])
            expiresAt = record.expiresAt
            createdAt = record.createdAt
            lastUsedAt = record.lastUsedAt
            key = plaintext
            status = !record.enabled ? "disabled"
                : record.expiresAt.map { $0 <= now } == true ? "expired"
                : owner.map { !$0.enabled } == true ? "owner_disabled" : "active"
        }

        enum CodingKeys: String, CodingKey {
            case id, name, prefix, enabled, key, username, status
            case userID = "user_id", endpointIDs = "endpoint_ids", expiresAt = "expires_at"
            case createdAt = "created_at", lastUsedAt = "last_used_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(prefix, forKey: .prefix)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(status, forKey: .status)
            try container.encode(userID, forKey: .userID)
            try container.encode(username, forKey: .username)
            try container.encode(endpointIDs, forKey: .endpointIDs)
            try container.encode(expiresAt, forKey: .expiresAt)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(lastUsedAt, forKey: .lastUsedAt)
            try container.encodeIfPresent(key, forKey: .key)
        }
    }

    /// Create and update share one body. On update absent fields are kept; `endpoint_ids: null`
    /// means every endpoint and `expires_at: null` means never.
    struct KeyBody: Decodable {
        var name: String?
        var enabled: Bool?
        var userID: Int64?
        var endpointIDs: [Int64]?
        var expiresAt: String?
        enum CodingKeys: String, CodingKey {
            case name, enabled, userID = "user_id", endpointIDs = "endpoint_ids", expiresAt = "expires_at"
        }
        static let fields: Set<String> = ["name", "enabled", "user_id", "endpoint_ids", "expires_at"]
    }

    @Sendable func listKeys(_ request: Request, context: GatewayRequestContext) async throws -> ListResponse<KeyView> {
        let session = try context.requireUser()
        var owner: Int64? = session.isAdmin ? nil : session.id
        if session.isAdmin, let text = request.uri.queryParameters.get("user_id") {
            guard let id = Int64(text) else { throw AdminError.field("user_id", "must be a whole number") }
            owner = id
        }
        let filter = owner
        let views = try await database.pool.read { db -> [KeyView] in
            var query = APIKeyRecord.order(Column("id"))
            if let filter { query = query.filter(Column("userId") == filter) }
            let keys = try query.fetchAll(db)
            return try Self.views(of: keys, db)
        }
        return ListResponse(data: views)
    }

    @Sendable func getKey(_ request: Request, context: GatewayRequestContext) async throws -> KeyView {
        let session = try context.requireUser()
        let id = try Self.id(context)
        return try await database.pool.read { db in
            let key = try Self.ownedKey(id, by: session, db)
            return try Self.views(of: [key], db)[0]
        }
    }

    @Sendable func createKey(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<KeyView> {
        let session = try context.requireUser()
        var request = request
        let (body, keys) = try await request.decodeAdminBodyAndKeys(KeyBody.self, allowedFields: KeyBody.fields, context: context)
        var fields: [String: String] = [:]
        if body.name == nil { fields["name"] = "is required" }
        if let owner = body.userID, owner != session.id, !session.isAdmin {
            fields["user_id"] = "only an administrator may create keys for another user; leave it out"
        }
        if !fields.isEmpty { throw AdminError.validation(fields) }
        let plaintext = ClientKey.generate()
        var record = APIKeyRecord(
            id: nil, name: "", keyHash: ClientKey.hash(plaintext), prefix: ClientKey.displayPrefix(plaintext),
            userId: body.userID ?? session.id, enabled: true, createdAt: Date(), lastUsedAt: nil)
        let scope = try await apply(body, keys: keys, to: &record)
        let inserted = record
        let view = try await database.pool.write { db -> KeyView in
            guard let ownerID = inserted.userId, let owner = try UserRecord.fetchOne(db, key: ownerID) else {
                throw AdminError.field("user_id", "no user has this id")
            }
            var copy = inserted
            try copy.insert(db)
            try Self.replaceScope(of: copy, with: scope, db)
            return KeyView(copy, owner: owner, endpointIDs: scope.map { $0.sorted() }, plaintext: plaintext)
        }
        try refreshSnapshot()
        await security.audit.record("key.create", by: context.auditActor, target: ("key", String(view.id)), detail: Self.auditDetail(view))
        logger.info("client key created", metadata: ["key_id": "\(view.id)", "prefix": "\(view.prefix)"])
        return EditedResponse(status: .created, response: view)
    }

    @Sendable func updateKey(_ request: Request, context: GatewayRequestContext) async throws -> KeyView {
        let session = try context.requireUser()
        let id = try Self.id(context)
        var request = request
        let (body, keys) = try await request.decodeAdminBodyAndKeys(KeyBody.self, allowedFields: KeyBody.fields, context: context)
        if keys.contains("user_id") { throw AdminError.field("user_id", "cannot be changed; create a key for the other user instead") }
        var record = try await database.pool.read { db in try Self.ownedKey(id, by: session, db) }
        let scope = try await apply(body, keys: keys, to: &record)
        let changed = record
        let view = try await database.pool.write { db -> KeyView in
            _ = try Self.ownedKey(id, by: session, db)  // still there and still theirs
            try changed.update(db)
            if keys.contains("endpoint_ids") { try Self.replaceScope(of: changed, with: scope, db) }
            return try Self.views(of: [changed], db)[0]
        }
        try refreshSnapshot()
        var detail = Self.auditDetail(view)
        detail["fields"] = .array(keys.sorted().map(JSONValue.string))
        await security.audit.record("key.update", by: context.auditActor, target: ("key", String(id)), detail: detail)
        return view
    }

    @Sendable func deleteKey(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let session = try context.requireUser()
        let id = try Self.id(context)
        let deleted = try await database.pool.write { db -> APIKeyRecord in
            let key = try Self.ownedKey(id, by: session, db)
            _ = try APIKeyRecord.deleteOne(db, key: id)
            return key
        }
        try refreshSnapshot()
        await security.audit.record("key.delete", by: context.auditActor, target: ("key", String(id)), detail: [
            "name": .string(deleted.name), "prefix": .string(deleted.prefix), "user_id": deleted.userId.map { .int($0) } ?? .null,
        ])
        logger.info("client key deleted", metadata: ["key_id": "\(id)"])
        return Response(status: .noContent)
    }

    /// The key `id` when `session` may see it (its owner, or an administrator); 404 otherwise.
    static func ownedKey(_ id: Int64, by session: SessionUser, _ db: Database) throws -> APIKeyRecord {
        guard let key = try APIKeyRecord.fetchOne(db, key: id), session.isAdmin || key.userId == session.id else {
            throw AdminError.notFound("Key \(id)")
        }
        return key
    }

    static func views(of keys: [APIKeyRecord], _ db: Database) throws -> [KeyView] {
        let ownerIDs = Set(keys.compactMap(\.userId))
        let owners = Dictionary(uniqueKeysWithValues: try UserRecord.filter(keys: ownerIDs).fetchAll(db).map { ($0.id ?? 0, $0) })
        let scoped = keys.filter { !$0.allEndpoints }.compactMap(\.id)
        var scopes: [Int64: [Int64]] = [:]
        for row in try APIKeyEndpointRecord.filter(scoped.contains(Column("apiKeyId"))).order(Column("endpointId")).fetchAll(db) {
            scopes[row.apiKeyId, default: []].append(row.endpointId)
        }
        let now = Date()
        return keys.map { key in
            KeyView(key, owner: key.userId.flatMap { owners[$0] }, endpointIDs: scopes[key.id ?? 0], now: now)
        }
    }

    static func replaceScope(of key: APIKeyRecord, with scope: Set<Int64>?, _ db: Database) throws {
        guard let keyID = key.id else { return }
        try APIKeyEndpointRecord.filter(Column("apiKeyId") == keyID).deleteAll(db)
        for endpointID in scope ?? [] {
            try APIKeyEndpointRecord(apiKeyId: keyID, endpointId: endpointID).insert(db)
        }
    }

    /// What the audit log keeps about a key: never the key itself, only its name and display prefix.
    static func auditDetail(_ view: KeyView) -> JSONObject {
        [
            "name": .string(view.name), "prefix": .string(view.prefix), "enabled": .bool(view.enabled),
            "user_id": view.userID.map { .int($0) } ?? .null,
            "endpoint_ids": view.endpointIDs.map { .array($0.map { .int($0) }) } ?? .null,
            "expires_at": view.expiresAt.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null,
        ]
    }

    /// Validates `body` into `record`; returns the endpoint scope to store (nil: every endpoint).
    private func apply(_ body: KeyBody, keys: Set<String>, to record: inout APIKeyRecord) async throws -> Set<Int64>? {
        var fields: [String: String] = [:]
        if let name = body.name {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || !Validation.oneLine(trimmed, max: 100) {
                fields["name"] = "must be 1 to 100 characters on one line"
            } else {
                record.name = trimmed
            }
        }
        if let enabled = body.enabled { record.enabled = enabled }
        if keys.contains("expires_at") {
            if let text = body.expiresAt {
                if let date = Validation.timestamp(text), date > Date() {
                    record.expiresAt = date
                } else {
                    fields["expires_at"] = "must be a future ISO 8601 time such as 2030-01-31T00:00:00Z, or null for never"
                }
            } else {
                record.expiresAt = nil
            }
        }
        var scope: Set<Int64>? = nil
        if keys.contains("endpoint_ids") {
            if let ids = body.endpointIDs {
                let unique = Set(ids)
                let known = try await database.pool.read { db in
                    Set(try Int64.fetchAll(db, EndpointRecord.select(Column("id")).filter(unique.contains(Column("id")))))
                }
                let unknown = unique.subtracting(known).sorted()
                if ids.isEmpty {
                    fields["endpoint_ids"] = "must list at least one endpoint id, or be null for every endpoint"
                } else if ids.count > 1000 {
                    fields["endpoint_ids"] = "must list at most 1000 endpoints"
                } else if !unknown.isEmpty {
                    fields["endpoint_ids"] = "no endpoint has id \(unknown.prefix(5).map(String.init).joined(separator: ", "))"
                } else {
                    scope = unique
                    record.allEndpoints = false
                }
            } else {
                record.allEndpoints = true
            }
        }
        if !fields.isEmpty { throw AdminError.validation(fields) }
        return scope
    }
}
