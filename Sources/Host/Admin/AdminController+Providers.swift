import Foundation
import GRDB
import Hummingbird
import JSONCore

extension AdminController {
    struct ProviderView: ResponseEncodable, Sendable {
        let id: Int64
        let name: String
        let adapter: String
        let baseURL: String
        let apiKey: String
        let hasAPIKey: Bool
        let models: [String]
        let options: JSONValue
        let enabled: Bool
        let status: String
        let statusMessage: String?
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, name, adapter, models, options, enabled, status
            case baseURL = "base_url", apiKey = "api_key", hasAPIKey = "has_api_key", statusMessage = "status_message"
            case createdAt = "created_at", updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(adapter, forKey: .adapter)
            try container.encode(baseURL, forKey: .baseURL)
            try container.encode(apiKey, forKey: .apiKey)
            try container.encode(hasAPIKey, forKey: .hasAPIKey)
            try container.encode(models, forKey: .models)
            try container.encode(options, forKey: .options)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(status, forKey: .status)
            try container.encode(statusMessage, forKey: .statusMessage)  // explicit null when absent
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(updatedAt, forKey: .updatedAt)
        }
    }

    /// Create and update share one body; on update every field is optional and absent means "keep".
    struct ProviderBody: Decodable {
        var name: String?
        var adapter: String?
        var baseURL: String?
        var apiKey: String?
        var models: [String]?
        var options: JSONValue?
        var enabled: Bool?
        enum CodingKeys: String, CodingKey {
            case name, adapter, models, options, enabled
            case baseURL = "base_url", apiKey = "api_key"
        }
        static let fields: Set<String> = ["name", "adapter", "base_url", "api_key", "models", "options", "enabled"]
    }

    func providerView(_ record: ProviderRecord) -> ProviderView {
        let resolved = snapshots.snapshot.providersByID[record.id ?? 0]
        let options = (try? JSONValue.parse(Array(record.optionsJSON.utf8))) ?? .object(JSONObject())
        return ProviderView(
            id: record.id ?? 0, name: record.name, adapter: record.adapter, baseURL: record.baseURL,
            apiKey: record.apiKeyHint, hasAPIKey: record.apiKeySealed != nil, models: record.models, options: options,
            enabled: record.enabled, status: (resolved?.status ?? .adapterMissing).rawValue,
            statusMessage: resolved?.statusMessage, createdAt: record.createdAt, updatedAt: record.updatedAt)
    }

    @Sendable func listProviders(_ request: Request, context: GatewayRequestContext) async throws -> ListResponse<ProviderView> {
        _ = try context.requireAdmin()
        let records = try await database.pool.read { db in try ProviderRecord.order(Column("id")).fetchAll(db) }
        return ListResponse(data: records.map(providerView))
    }

    @Sendable func getProvider(_ request: Request, context: GatewayRequestContext) async throws -> ProviderView {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        guard let record = try await database.pool.read({ db in try ProviderRecord.fetchOne(db, key: id) }) else {
            throw AdminError.notFound("Provider \(id)")
        }
        return providerView(record)
    }

    @Sendable func createProvider(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<ProviderView> {
        _ = try context.requireAdmin()
        var request = request
        let body = try await request.decodeAdminBody(ProviderBody.self, allowedFields: ProviderBody.fields, context: context)
        var fields: [String: String] = [:]
        if body.name == nil { fields["name"] = "is required" }
        if body.adapter == nil { fields["adapter"] = "is required" }
        if !fields.isEmpty { throw AdminError.validation(fields) }
        let now = Date()
        var record = ProviderRecord(
            id: nil, name: "", adapter: "", baseURL: "", apiKeySealed: nil, apiKeyHint: "", modelsJSON: "[]",
            optionsJSON: "{}", enabled: true, createdAt: now, updatedAt: now)
        try apply(body, to: &record, creating: true)
        let inserted = record
        let saved = try await saveProvider { db in
            var copy = inserted
            try copy.insert(db)
            return copy
        }
        await security.audit.record("provider.create", by: context.auditActor, target: ("provider", String(saved.id ?? 0)), detail: [
            "name": .string(saved.name), "adapter": .string(saved.adapter), "base_url": .string(saved.baseURL),
            "api_key_set": .bool(saved.apiKeySealed != nil),
        ])
        logger.info("provider created", metadata: ["provider": "\(saved.name)", "adapter": "\(saved.adapter)"])
        return EditedResponse(status: .created, response: providerView(saved))
    }

    @Sendable func updateProvider(_ request: Request, context: GatewayRequestContext) async throws -> ProviderView {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        var request = request
        let (body, keys) = try await request.decodeAdminBodyAndKeys(ProviderBody.self, allowedFields: ProviderBody.fields, context: context)
        guard var record = try await database.pool.read({ db in try ProviderRecord.fetchOne(db, key: id) }) else {
            throw AdminError.notFound("Provider \(id)")
        }
        try apply(body, to: &record, creating: false)
        record.updatedAt = Date()
        let changed = record
        let saved = try await saveProvider { db in
            try changed.update(db)
            return changed
        }
        // Field names only: the new api_key value must never reach the log.
        await security.audit.record("provider.update", by: context.auditActor, target: ("provider", String(id)), detail: [
            "name": .string(saved.name), "fields": .array(keys.sorted().map(JSONValue.string)),
        ])
        logger.info("provider updated", metadata: ["provider": "\(saved.name)"])
        return providerView(saved)
    }

    @Sendable func deleteProvider(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        let deleted = try await database.pool.write { db -> Bool in
            let users = try EndpointRecord.filter(Column("providerId") == id).fetchCount(db)
            if users > 0 {
                throw AdminError.conflict("The provider is used by \(users) endpoint(s); change or delete them first.")
            }
            return try ProviderRecord.deleteOne(db, key: id)
        }
        guard deleted else { throw AdminError.notFound("Provider \(id)") }
        try refreshSnapshot()
        await security.audit.record("provider.delete", by: context.auditActor, target: ("provider", String(id)))
        logger.info("provider deleted", metadata: ["provider_id": "\(id)"])
        return Response(status: .noContent)
    }

    private func saveProvider(_ write: @escaping @Sendable (Database) throws -> ProviderRecord) async throws -> ProviderRecord {
        let saved: ProviderRecord
        do {
            saved = try await database.pool.write(write)
        } catch {
            throw Self.mapDatabaseError(error, conflictMessage: "A provider with this name already exists.", field: "name")
        }
        try refreshSnapshot()
        return saved
    }

    /// Validates `body` and copies it into `record`; on update only the fields present change.
    private func apply(_ body: ProviderBody, to record: inout ProviderRecord, creating: Bool) throws {
        var fields: [String: String] = [:]
        if let name = body.name {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || !Validation.oneLine(trimmed, max: 64) {
                fields["name"] = "must be 1 to 64 characters on one line"
            } else {
                record.name = trimmed
            }
        }
        if let adapterName = body.adapter {
            if let adapter = registry.adapter(named: adapterName) {
                record.adapter = adapter.name
                if creating, body.baseURL?.isEmpty ?? true { record.baseURL = adapter.defaultBaseURL ?? "" }
            } else {
                let loaded = registry.loadedNames
                fields["adapter"] = loaded.isEmpty
                    ? "no adapter is loaded; install one into the plugins directory"
                    : "must be one of the loaded adapters: \(loaded.joined(separator: ", "))"
            }
        }
        if let baseURL = body.baseURL, !baseURL.isEmpty {
            if let problem = Validation.baseURLProblem(baseURL) {
                fields["base_url"] = problem
            } else {
                record.baseURL = String(baseURL.trimmingCharacters(in: .whitespaces).trimmingSuffix("/"))
            }
        }
        if creating, record.baseURL.isEmpty, fields["adapter"] == nil {
            fields["base_url"] = "is required: the adapter has no default base URL"
        }
        if let apiKey = body.apiKey {
            if apiKey.utf8.count > 4096 || apiKey.contains(where: { $0.isNewline }) {
                fields["api_key"] = "must be at most 4096 bytes on one line"
            } else if apiKey.isEmpty {
                record.apiKeySealed = nil
                record.apiKeyHint = ""
            } else {
                record.apiKeySealed = try secrets.seal(apiKey)
                record.apiKeyHint = SecretBox.mask(apiKey)
            }
        }
        if let models = body.models {
            let cleaned = models.map { $0.trimmingCharacters(in: .whitespaces) }
            if cleaned.contains(where: { $0.isEmpty || $0.count > 128 }) || cleaned.count > 500 {
                fields["models"] = "must be at most 500 model names of 1 to 128 characters"
            } else {
                record.modelsJSON = String(decoding: try JSONEncoder().encode(cleaned), as: UTF8.self)
            }
        }
        if let options = body.options {
            if case .object = options {
                let text = options.jsonText
                if text.utf8.count > 65536 { fields["options"] = "must be at most 64 KiB" } else { record.optionsJSON = text }
            } else {
                fields["options"] = "must be a JSON object"
            }
        }
        if let enabled = body.enabled { record.enabled = enabled }
        if !fields.isEmpty { throw AdminError.validation(fields) }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> Substring {
        var text = Substring(self)
        while text.hasSuffix(suffix) { text = text.dropLast(suffix.count) }
        return text
    }
}
