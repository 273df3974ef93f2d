import Foundation
import GRDB
import Hummingbird
import JSONCore

extension AdminController {
    struct EndpointView: ResponseEncodable, Sendable {
        let id: Int64
        let path: String
        let name: String
        let description: String
        let providerID: Int64
        let model: String
        let allowModelOverride: Bool
        let systemPrompt: String
        let systemPromptMode: String
        let stream: String
        let cacheTTL: Int
        let cacheNondeterministic: Bool
        let enabled: Bool
        let createdAt: Date
        let updatedAt: Date

        init(_ record: EndpointRecord) {
            id = record.id ?? 0
            path = record.path
            name = record.name
            description = record.description
            providerID = record.providerId
            model = record.model
            allowModelOverride = record.allowModelOverride
            systemPrompt = record.systemPrompt
            systemPromptMode = record.systemPromptMode
            stream = record.streamPolicy
            cacheTTL = record.cacheTTL
            cacheNondeterministic = record.cacheNondeterministic
            enabled = record.enabled
            createdAt = record.createdAt
            updatedAt = record.updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, path, name, description, model, stream, enabled
            case providerID = "provider_id", allowModelOverride = "allow_model_override", systemPrompt = "system_prompt"
            case systemPromptMode = "system_prompt_mode", createdAt = "created_at", updatedAt = "updated_at"
            case cacheTTL = "cache_ttl", cacheNondeterministic = "cache_nondeterministic"
        }
    }

    struct EndpointBody: Decodable {
        var path: String?
        var name: String?
        var description: String?
        var providerID: Int64?
        var model: String?
        var allowModelOverride: Bool?
        var systemPrompt: String?
        var systemPromptMode: String?
        var stream: String?
        var cacheTTL: Int?
        var cacheNondeterministic: Bool?
        var enabled: Bool?

        enum CodingKeys: String, CodingKey {
            case path, name, description, model, stream, enabled
            case providerID = "provider_id", allowModelOverride = "allow_model_override", systemPrompt = "system_prompt"
            case systemPromptMode = "system_prompt_mode"
            case cacheTTL = "cache_ttl", cacheNondeterministic = "cache_nondeterministic"
        }
        static let fields: Set<String> = [
            "path", "name", "description", "provider_id", "model", "allow_model_override", "system_prompt",
            "system_prompt_mode", "stream", "enabled", "cache_ttl", "cache_nondeterministic",
        ]
    }

    @Sendable func listEndpoints(_ request: Request, context: GatewayRequestContext) async throws -> ListResponse<EndpointView> {
        _ = try context.requireAdmin()
        let records = try await database.pool.read { db in try EndpointRecord.order(Column("path")).fetchAll(db) }
        return ListResponse(data: records.map(EndpointView.init))
    }

    @Sendable func getEndpoint(_ request: Request, context: GatewayRequestContext) async throws -> EndpointView {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        guard let record = try await database.pool.read({ db in try EndpointRecord.fetchOne(db, key: id) }) else {
            throw AdminError.notFound("Endpoint \(id)")
        }
        return EndpointView(record)
    }

    @Sendable func createEndpoint(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<EndpointView> {
        _ = try context.requireAdmin()
        var request = request
        let body = try await request.decodeAdminBody(EndpointBody.self, allowedFields: EndpointBody.fields, context: context)
        var missing: [String: String] = [:]
        for (field, value) in [("path", body.path as Any?), ("provider_id", body.providerID), ("model", body.model)] where value == nil {
            missing[field] = "is required"
        }
        if !missing.isEmpty { throw AdminError.validation(missing) }
        let now = Date()
        var record = EndpointRecord(
            id: nil, path: "", name: "", description: "", providerId: 0, model: "", allowModelOverride: false,
            systemPrompt: "", systemPromptMode: "prepend", streamPolicy: "client", enabled: true, createdAt: now, updatedAt: now)
        try await apply(body, to: &record)
        let inserted = record
        let saved = try await saveEndpoint { db in
            var copy = inserted
            try copy.insert(db)
            return copy
        }
        await security.audit.record("endpoint.create", by: context.auditActor, target: ("endpoint", String(saved.id ?? 0)), detail: [
            "path": .string(saved.path), "provider_id": .int(saved.providerId), "model": .string(saved.model),
        ])
        logger.info("endpoint created", metadata: ["path": "\(saved.path)"])
        return EditedResponse(status: .created, response: EndpointView(saved))
    }

    @Sendable func updateEndpoint(_ request: Request, context: GatewayRequestContext) async throws -> EndpointView {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        var request = request
        let (body, keys) = try await request.decodeAdminBodyAndKeys(EndpointBody.self, allowedFields: EndpointBody.fields, context: context)
        guard var record = try await database.pool.read({ db in try EndpointRecord.fetchOne(db, key: id) }) else {
            throw AdminError.notFound("Endpoint \(id)")
        }
        try await apply(body, to: &record)
        record.updatedAt = Date()
        let changed = record
        let saved = try await saveEndpoint { db in
            try changed.update(db)
            return changed
        }
        await security.audit.record("endpoint.update", by: context.auditActor, target: ("endpoint", String(id)), detail: [
            "path": .string(saved.path), "fields": .array(keys.sorted().map(JSONValue.string)),
        ])
        logger.info("endpoint updated", metadata: ["path": "\(saved.path)"])
        return EndpointView(saved)
    }

    @Sendable func deleteEndpoint(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        let deleted = try await database.pool.write { db in try EndpointRecord.deleteOne(db, key: id) }
        guard deleted else { throw AdminError.notFound("Endpoint \(id)") }
        try refreshSnapshot()
        await security.audit.record("endpoint.delete", by: context.auditActor, target: ("endpoint", String(id)))
        logger.info("endpoint deleted", metadata: ["endpoint_id": "\(id)"])
        return Response(status: .noContent)
    }

    private func saveEndpoint(_ write: @escaping @Sendable (Database) throws -> EndpointRecord) async throws -> EndpointRecord {
        let saved: EndpointRecord
        do {
            saved = try await database.pool.write(write)
        } catch {
            throw Self.mapDatabaseError(error, conflictMessage: "Another endpoint already uses this path.", field: "path")
        }
        try refreshSnapshot()
        return saved
    }

    private func apply(_ body: EndpointBody, to record: inout EndpointRecord) async throws {
        var fields: [String: String] = [:]
        if let path = body.path {
            if let problem = Validation.endpointPathProblem(path) { fields["path"] = problem } else { record.path = path }
        }
        if let name = body.name {
            if Validation.oneLine(name, max: 100) { record.name = name } else { fields["name"] = "must be at most 100 characters on one line" }
        }
        if let description = body.description {
            if description.count <= 2000 { record.description = description } else { fields["description"] = "must be at most 2000 characters" }
        }
        if let providerID = body.providerID {
            let exists = try await database.pool.read { db in try ProviderRecord.exists(db, key: providerID) }
            if exists { record.providerId = providerID } else { fields["provider_id"] = "no provider has id \(providerID)" }
        }
        if let model = body.model {
            let trimmed = model.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || !Validation.oneLine(trimmed, max: 128) {
                fields["model"] = "must be 1 to 128 characters on one line"
            } else {
                record.model = trimmed
            }
        }
        if let allow = body.allowModelOverride { record.allowModelOverride = allow }
        if let prompt = body.systemPrompt {
            if prompt.utf8.count <= 65536 { record.systemPrompt = prompt } else { fields["system_prompt"] = "must be at most 64 KiB" }
        }
        if let mode = body.systemPromptMode {
            if ["prepend", "override"].contains(mode) { record.systemPromptMode = mode } else { fields["system_prompt_mode"] = "must be prepend or override" }
        }
        if let stream = body.stream {
            if ["client", "always", "never"].contains(stream) { record.streamPolicy = stream } else { fields["stream"] = "must be client, always or never" }
        }
        if let ttl = body.cacheTTL {
            if (0...30 * 86400).contains(ttl) { record.cacheTTL = ttl } else { fields["cache_ttl"] = "must be 0 (off) to 2592000 seconds" }
        }
        if let nondeterministic = body.cacheNondeterministic { record.cacheNondeterministic = nondeterministic }
        if let enabled = body.enabled { record.enabled = enabled }
        if !fields.isEmpty { throw AdminError.validation(fields) }
    }
}
