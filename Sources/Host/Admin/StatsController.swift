import Foundation
import Hummingbird

/// `/admin/stats`, `/admin/stats/timeseries` and `/admin/logs`: the dashboard's numbers. Admins see
/// everything; other users see only requests made with their own keys.
struct StatsController: Sendable {
    let database: GatewayDatabase
    let stats: StatsRecorder
    let registry: AdapterRegistry
    let startedAt: Date

    func addRoutes(to session: RouterGroup<GatewayRequestContext>) {
        session.get("stats", use: overview)
        session.get("stats/timeseries", use: timeseries)
        session.get("logs", use: logs)
    }

    /// Rows still queued are written first, so the figures include every finished request.
    private func flushLedger() { stats.ledger.writePending() }

    struct Overview: ResponseEncodable, Sendable {
        struct Live: Codable, Sendable {
            let inFlightRequests: Int
            let openStreams: Int
            enum CodingKeys: String, CodingKey { case inFlightRequests = "in_flight_requests", openStreams = "open_streams" }
        }
        struct System: Codable, Sendable {
            let uptimeSeconds: Int
            let memoryRSSBytes: Int
            let adaptersLoaded: Int
            let databaseBytes: Int64
            let version: String
            let startedAt: Date
            let ledgerQueueDepth: Int
            let ledgerDropped: Int64
            enum CodingKeys: String, CodingKey {
                case version
                case uptimeSeconds = "uptime_seconds", memoryRSSBytes = "memory_rss_bytes", adaptersLoaded = "adapters_loaded"
                case databaseBytes = "database_bytes", startedAt = "started_at", ledgerQueueDepth = "ledger_queue_depth"
                case ledgerDropped = "ledger_dropped"
            }
        }
        struct Breakdown: Codable, Sendable {
            let endpoints: [GatewayDatabase.BreakdownItem]
            let providers: [GatewayDatabase.BreakdownItem]
            let models: [GatewayDatabase.BreakdownItem]
        }
        let today: GatewayDatabase.Totals
        let allTime: GatewayDatabase.Totals
        let live: Live
        let system: System
        let breakdown: Breakdown
        let scope: String
        enum CodingKeys: String, CodingKey { case today, live, system, breakdown, scope, allTime = "all_time" }
    }

    @Sendable func overview(_ request: Request, context: GatewayRequestContext) async throws -> Overview {
        let user = try context.requireUser()
        let userID = user.isAdmin ? nil : user.id
        flushLedger()
        let today = UsageLedger.day(of: Date())
        let since = Date().addingTimeInterval(-86400)
        return Overview(
            today: try database.totals(day: today, userID: userID),
            allTime: try database.totals(day: nil, userID: userID),
            live: .init(inFlightRequests: stats.live.inFlightRequests, openStreams: stats.live.openStreams),
            system: .init(
                uptimeSeconds: Int(Date().timeIntervalSince(startedAt)), memoryRSSBytes: ProcessMemory.residentBytes(),
                adaptersLoaded: registry.loadedNames.count, databaseBytes: database.sizeInBytes, version: GatewayVersion.current,
                startedAt: startedAt, ledgerQueueDepth: stats.ledger.depth, ledgerDropped: stats.ledger.droppedCount),
            breakdown: .init(
                endpoints: try database.breakdown(by: .endpoint, since: since, userID: userID),
                providers: try database.breakdown(by: .provider, since: since, userID: userID),
                models: try database.breakdown(by: .model, since: since, userID: userID)),
            scope: userID == nil ? "all" : "own")
    }

    struct TimeseriesResponse: ResponseEncodable, Sendable {
        let bucket: String
        let from: Date
        let to: Date
        let groupBy: String?
        let series: [GatewayDatabase.Series]
        enum CodingKeys: String, CodingKey { case bucket, from, to, series, groupBy = "group_by" }
    }

    @Sendable func timeseries(_ request: Request, context: GatewayRequestContext) async throws -> TimeseriesResponse {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let bucketText = query["bucket"].map(String.init) ?? "hour"
        guard let bucket = StatsBucket(rawValue: bucketText) else { throw AdminError.field("bucket", "must be minute, hour or day") }
        var groupBy: StatsDimension?
        if let text = query["group_by"].map(String.init), !text.isEmpty {
            guard let dimension = StatsDimension(rawValue: text) else {
                throw AdminError.field("group_by", "must be one of \(StatsDimension.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if dimension == .user && !user.isAdmin { throw AdminError.forbidden }
            groupBy = dimension
        }
        let to = try Self.date(query["to"].map(String.init), field: "to") ?? Date()
        let from = try Self.date(query["from"].map(String.init), field: "from") ?? to.addingTimeInterval(-bucket.seconds * (bucket == .day ? 30 : 24 * (bucket == .minute ? 60 : 1)))
        guard from < to else { throw AdminError.field("from", "must be before to") }
        guard to.timeIntervalSince(from) / bucket.seconds <= 5000 else {
            throw AdminError.field("from", "the range holds more than 5000 \(bucket.rawValue) buckets; choose a larger bucket")
        }
        flushLedger()
        let series = try database.timeseries(from: from, to: to, bucket: bucket, groupBy: groupBy, userID: user.isAdmin ? nil : user.id)
        return TimeseriesResponse(bucket: bucket.rawValue, from: from, to: to, groupBy: groupBy?.rawValue, series: series)
    }

    struct LogsResponse: ResponseEncodable, Sendable {
        let data: [LogView]
        let page: Int
        let pageSize: Int
        let total: Int
        enum CodingKeys: String, CodingKey { case data, page, total, pageSize = "page_size" }
    }

    struct LogView: Codable, Sendable {
        let entry: GatewayDatabase.LogEntry
        enum CodingKeys: String, CodingKey {
            case id, time, stream, status, adapter, username
            case requestID = "request_id", endpointID = "endpoint_id", endpointPath = "endpoint_path", providerID = "provider_id"
            case providerName = "provider_name", modelRequested = "model_requested", modelAnswered = "model_answered"
            case keyID = "key_id", keyName = "key_name", userID = "user_id", errorClass = "error_class", latencyMs = "latency_ms"
            case ttftMs = "ttft_ms", upstreamMs = "upstream_ms", overheadMs = "overhead_ms", promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens", reasoningTokens = "reasoning_tokens", cachedTokens = "cached_tokens"
            case tokenSource = "token_source", cacheHit = "cache_hit"
        }
        init(_ entry: GatewayDatabase.LogEntry) { self.entry = entry }
        init(from decoder: any Decoder) throws { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "encode only")) }

        func encode(to encoder: any Encoder) throws {
            let row = entry.row
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(row.id ?? 0, forKey: .id)
            try c.encode(row.requestId, forKey: .requestID)
            try c.encode(row.time, forKey: .time)
            try c.encode(row.endpointId, forKey: .endpointID)
            try c.encode(row.endpointPath, forKey: .endpointPath)
            try c.encode(row.providerId, forKey: .providerID)
            try c.encode(row.providerName, forKey: .providerName)
            try c.encode(row.adapter, forKey: .adapter)
            try c.encode(row.modelRequested, forKey: .modelRequested)
            try c.encode(row.modelAnswered, forKey: .modelAnswered)
            try c.encode(row.keyId, forKey: .keyID)
            try c.encode(row.keyName, forKey: .keyName)
            try c.encode(row.userId, forKey: .userID)
            try c.encode(entry.username, forKey: .username)
            try c.encode(row.stream, forKey: .stream)
            try c.encode(row.status, forKey: .status)
            try c.encode(row.errorClass, forKey: .errorClass)
            try c.encode(Self.rounded(row.latencyMs), forKey: .latencyMs)
            try c.encode(row.ttftMs.map(Self.rounded), forKey: .ttftMs)
            try c.encode(row.upstreamMs.map(Self.rounded), forKey: .upstreamMs)
            try c.encode(row.overheadMs.map(Self.rounded), forKey: .overheadMs)
            try c.encode(row.promptTokens, forKey: .promptTokens)
            try c.encode(row.completionTokens, forKey: .completionTokens)
            try c.encode(row.reasoningTokens, forKey: .reasoningTokens)
            try c.encode(row.cachedTokens, forKey: .cachedTokens)
            try c.encode(row.tokenSource, forKey: .tokenSource)
            try c.encode(row.cacheHit, forKey: .cacheHit)
        }

        static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
    }

    @Sendable func logs(_ request: Request, context: GatewayRequestContext) async throws -> LogsResponse {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        var filter = GatewayDatabase.LogFilter()
        filter.from = try Self.date(query["from"].map(String.init), field: "from")
        filter.to = try Self.date(query["to"].map(String.init), field: "to")
        filter.endpointID = try Self.id(query["endpoint_id"].map(String.init), field: "endpoint_id")
        filter.providerID = try Self.id(query["provider_id"].map(String.init), field: "provider_id")
        filter.keyID = try Self.id(query["key_id"].map(String.init), field: "key_id")
        filter.userID = try Self.id(query["user_id"].map(String.init), field: "user_id")
        if let status = query["status"].map(String.init), !status.isEmpty {
            let text = status.lowercased().replacingOccurrences(of: "xx", with: "")
            guard let value = Int(text), (1...5).contains(value) || (100...599).contains(value) else {
                throw AdminError.field("status", "must be an HTTP status (e.g. 429) or a class (2xx, 4xx, 5xx)")
            }
            filter.status = value
        }
        if !user.isAdmin {
            if let requested = filter.userID, requested != user.id { throw AdminError.forbidden }
            filter.userID = user.id
        }
        let page = try Self.id(query["page"].map(String.init), field: "page").map(Int.init) ?? 1
        let pageSize = min(200, try Self.id(query["page_size"].map(String.init), field: "page_size").map(Int.init) ?? 50)
        flushLedger()
        let (entries, total) = try database.logs(filter, page: page, pageSize: pageSize)
        return LogsResponse(data: entries.map(LogView.init), page: page, pageSize: pageSize, total: total)
    }

    /// ISO 8601 (`2026-11-27T10:00:00Z`) or Unix seconds.
    static func date(_ text: String?, field: String) throws -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        throw AdminError.field(field, "must be an ISO 8601 time (2026-11-27T10:00:00Z) or Unix seconds")
    }

    static func id(_ text: String?, field: String) throws -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Int64(text), value > 0 else { throw AdminError.field(field, "must be a positive whole number") }
        return value
    }
}
