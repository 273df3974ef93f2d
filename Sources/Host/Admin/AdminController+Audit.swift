import Foundation
import GRDB
import Hummingbird
import JSONCore

/// `GET /admin/audit`: the audit log, newest first, for administrators.
extension AdminController {
    struct AuditEventView: Encodable, Sendable {
        let id: Int64
        let at: Date
        let userID: Int64?
        let username: String
        let action: String
        let targetType: String
        let targetID: String
        let detail: JSONValue
        let remoteAddress: String

        init(_ record: AuditEventRecord) {
            id = record.id ?? 0
            at = record.at
            userID = record.actorId
            username = record.actorName
            action = record.action
            targetType = record.targetType
            targetID = record.targetId
            detail = (try? JSONValue.parse(Array(record.detailJSON.utf8))) ?? .object(JSONObject())
            remoteAddress = record.remoteAddress
        }

        enum CodingKeys: String, CodingKey {
            case id, at, username, action, detail
            case userID = "user_id", targetType = "target_type", targetID = "target_id", remoteAddress = "remote_address"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(at, forKey: .at)
            try container.encode(userID, forKey: .userID)
            try container.encode(username, forKey: .username)
            try container.encode(action, forKey: .action)
            try container.encode(targetType, forKey: .targetType)
            try container.encode(targetID, forKey: .targetID)
            try container.encode(detail, forKey: .detail)
            try container.encode(remoteAddress, forKey: .remoteAddress)
        }
    }

    struct AuditPage: ResponseEncodable, Sendable {
        let data: [AuditEventView]
        /// Pass as `before` to read the next (older) page; null on the last page.
        let nextBefore: Int64?
        enum CodingKeys: String, CodingKey { case data, nextBefore = "next_before" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(data, forKey: .data)
            try container.encode(nextBefore, forKey: .nextBefore)
        }
    }

    /// Query: `limit` (1-500, default 100), `before` (an event id: older events only), `action`
    /// (exact, or a prefix when it ends with `.`, e.g. `login.`), `user_id` (who acted).
    @Sendable func listAudit(_ request: Request, context: GatewayRequestContext) async throws -> AuditPage {
        _ = try context.requireAdmin()
        let query = request.uri.queryParameters
        var fields: [String: String] = [:]
        func number(_ name: String, _ range: ClosedRange<Int64>) -> Int64? {
            guard let text = query.get(name) else { return nil }
            guard let value = Int64(text), range.contains(value) else {
                fields[name] = "must be a whole number from \(range.lowerBound) to \(range.upperBound)"
                return nil
            }
            return value
        }
        let limit = number("limit", 1...500) ?? 100
        let before = number("before", 1...Int64.max)
        let userID = number("user_id", 1...Int64.max)
        let action = query.get("action")
        if let action, action.isEmpty || action.count > 64 || !action.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }) {
            fields["action"] = "must be an action name such as user.create, or a prefix ending in . such as login."
        }
        if !fields.isEmpty { throw AdminError.validation(fields) }
        let events = try await database.pool.read { db in
            var request = AuditEventRecord.order(Column("id").desc).limit(Int(limit) + 1)
            if let before { request = request.filter(Column("id") < before) }
            if let userID { request = request.filter(Column("actorId") == userID) }
            if let action {
                request = action.hasSuffix(".")
                    ? request.filter(Column("action").like(action.replacingOccurrences(of: "_", with: "\\_") + "%", escape: "\\"))
                    : request.filter(Column("action") == action)
            }
            return try request.fetchAll(db)
        }
        let page = events.prefix(Int(limit))
        return AuditPage(data: page.map(AuditEventView.init), nextBefore: events.count > Int(limit) ? page.last?.id : nil)
    }

    // MARK: Endpoints a user may call

    struct CallableEndpointView: Encodable, Sendable {
        let id: Int64
        let path: String
        let name: String
        let description: String
        let model: String
        let models: [String]
        let stream: String
    }

    /// `GET /admin/user/endpoints`: the enabled endpoints with the models a client may ask for, for
    /// any signed-in user (the API tester and key scoping need them). Provider details, system
    /// prompts and disabled endpoints stay with administrators.
    @Sendable func callableEndpoints(_ request: Request, context: GatewayRequestContext) async throws -> ListResponse<CallableEndpointView> {
        _ = try context.requireUser()
        let endpoints = snapshots.snapshot.endpointsByPath.values.filter { $0.record.enabled }.sorted { $0.path < $1.path }
        return ListResponse(data: endpoints.map { endpoint in
            let record = endpoint.record
            let models = [record.model] + (record.allowModelOverride ? endpoint.provider.models.filter { $0 != record.model } : [])
            return CallableEndpointView(
                id: endpoint.id, path: record.path, name: record.name, description: record.description, model: record.model,
                models: models, stream: record.streamPolicy)
        })
    }
}
