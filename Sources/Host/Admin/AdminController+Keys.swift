import Foundation
import GRDB
import Hummingbird

extension AdminController {
    struct KeyView: ResponseEncodable, Sendable {
        let id: Int64
        let name: String
        let prefix: String
        let enabled: Bool
        let createdAt: Date
        let lastUsedAt: Date?
        /// The plaintext key: only in the answer that creates it.
        let key: String?

        init(_ record: APIKeyRecord, plaintext: String? = nil) {
            id = record.id ?? 0
            name = record.name
            prefix = record.prefix
            enabled = record.enabled
            createdAt = record.createdAt
            lastUsedAt = record.lastUsedAt
            key = plaintext
        }

        enum CodingKeys: String, CodingKey {
            case id, name, prefix, enabled, key
            case createdAt = "created_at", lastUsedAt = "last_used_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(prefix, forKey: .prefix)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(lastUsedAt, forKey: .lastUsedAt)
            try container.encodeIfPresent(key, forKey: .key)
        }
    }

    struct KeyBody: Decodable { var name: String? }

    @Sendable func listKeys(_ request: Request, context: GatewayRequestContext) async throws -> ListResponse<KeyView> {
        _ = try context.requireAdmin()
        let records = try await database.pool.read { db in try APIKeyRecord.order(Column("id")).fetchAll(db) }
        return ListResponse(data: records.map { KeyView($0) })
    }

    @Sendable func createKey(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<KeyView> {
        let user = try context.requireAdmin()
        var request = request
        let body = try await request.decodeAdminBody(KeyBody.self, allowedFields: ["name"], context: context)
        let name = (body.name ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, Validation.oneLine(name, max: 100) else {
            throw AdminError.field("name", "must be 1 to 100 characters on one line")
        }
        let plaintext = ClientKey.generate()
        let record = APIKeyRecord(
            id: nil, name: name, keyHash: ClientKey.hash(plaintext), prefix: ClientKey.displayPrefix(plaintext),
            userId: user.id, enabled: true, createdAt: Date(), lastUsedAt: nil)
        let saved = try await database.pool.write { db in
            var copy = record
            try copy.insert(db)
            return copy
        }
        try refreshSnapshot()
        logger.info("client key created", metadata: ["key_id": "\(saved.id ?? 0)", "prefix": "\(saved.prefix)"])
        return EditedResponse(status: .created, response: KeyView(saved, plaintext: plaintext))
    }

    @Sendable func deleteKey(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        let deleted = try await database.pool.write { db in try APIKeyRecord.deleteOne(db, key: id) }
        guard deleted else { throw AdminError.notFound("Key \(id)") }
        try refreshSnapshot()
        logger.info("client key deleted", metadata: ["key_id": "\(id)"])
        return Response(status: .noContent)
    }
}
