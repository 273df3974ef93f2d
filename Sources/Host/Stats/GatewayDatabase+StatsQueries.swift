import Foundation
import GRDB

/// Read-side queries of the usage ledger for the admin API. `userID` limits every figure to one user's
/// keys (what ordinary users see); nil means everything (admins).
extension GatewayDatabase {
    struct Totals: Codable, Sendable, Equatable {
        var calls: Int64 = 0
        var errors: Int64 = 0
        var promptTokens: Int64 = 0
        var completionTokens: Int64 = 0
        var reasoningTokens: Int64 = 0
        var cachedTokens: Int64 = 0
        var avgLatencyMs: Double = 0
        var avgTTFTMs: Double?

        enum CodingKeys: String, CodingKey {
            case calls, errors
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", reasoningTokens = "reasoning_tokens"
            case cachedTokens = "cached_tokens", avgLatencyMs = "avg_latency_ms", avgTTFTMs = "avg_ttft_ms"
        }
    }

    /// Totals from the daily aggregates: `day` nil for all time.
    func totals(day: String?, userID: Int64?) throws -> Totals {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let day { conditions.append("day = ?"); arguments.append(day) }
            if let userID { conditions.append("userId = ?"); arguments.append(userID) }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let row = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(calls),0) AS calls, COALESCE(SUM(errors),0) AS errors,
                    COALESCE(SUM(promptTokens),0) AS p, COALESCE(SUM(completionTokens),0) AS c,
                    COALESCE(SUM(reasoningTokens),0) AS r, COALESCE(SUM(cachedTokens),0) AS k,
                    COALESCE(SUM(latencyMsSum),0) AS l, COALESCE(SUM(ttftMsSum),0) AS t, COALESCE(SUM(ttftCount),0) AS tc
                FROM usageDaily \(whereClause)
                """, arguments: StatementArguments(arguments))
            guard let row else { return Totals() }
            let calls: Int64 = row["calls"]
            let ttftCount: Int64 = row["tc"]
            return Totals(
                calls: calls, errors: row["errors"], promptTokens: row["p"], completionTokens: row["c"],
                reasoningTokens: row["r"], cachedTokens: row["k"],
                avgLatencyMs: calls > 0 ? (row["l"] as Double) / Double(calls) : 0,
                avgTTFTMs: ttftCount > 0 ? (row["t"] as Double) / Double(ttftCount) : nil)
        }
    }

    struct BreakdownItem: Codable, Sendable {
        var key: String
        var label: String
        var calls: Int64
        var promptTokens: Int64
        var completionTokens: Int64
        enum CodingKeys: String, CodingKey {
            case key, label, calls
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        }
    }

    /// Calls and tokens since `since`, grouped by endpoint, provider or model, most calls first.
    func breakdown(by dimension: StatsDimension, since: Date, userID: Int64?) throws -> [BreakdownItem] {
        try pool.read { db in
            let (keyColumn, labelColumn) = dimension.rawColumns
            var sql = """
                SELECT \(keyColumn) AS k, MAX(\(labelColumn)) AS label, COUNT(*) AS calls,
                    SUM(promptTokens) AS p, SUM(completionTokens) AS c
                FROM usage WHERE time >= ?
                """
            var arguments: [any DatabaseValueConvertible] = [since]
            if let userID { sql += " AND userId = ?"; arguments.append(userID) }
            sql += " GROUP BY k ORDER BY calls DESC LIMIT 50"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                let key: DatabaseValue = row["k"]
                let label: String? = row["label"]
                let keyText = key.isNull ? "none" : String(describing: key.storage.value ?? "none")
                return BreakdownItem(key: keyText, label: (label?.isEmpty == false ? label : nil) ?? keyText,
                                     calls: row["calls"], promptTokens: row["p"] ?? 0, completionTokens: row["c"] ?? 0)
            }
        }
    }

    struct SeriesPoint: Codable, Sendable {
        var t: String
        var calls: Int64
        var errors: Int64
        var promptTokens: Int64
        var completionTokens: Int64
        var reasoningTokens: Int64
        enum CodingKeys: String, CodingKey {
            case t, calls, errors
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", reasoningTokens = "reasoning_tokens"
        }
    }

    struct Series: Codable, Sendable {
        var key: String
        var label: String
        var points: [SeriesPoint]
    }

    /// Time series in `bucket`s between `from` and `to`, one series per group (or one named `all`).
    /// Minute and hour buckets come from ledger rows; day buckets from the daily aggregates, so they
    /// reach back beyond the retention period.
    func timeseries(from: Date, to: Date, bucket: StatsBucket, groupBy: StatsDimension?, userID: Int64?) throws -> [Series] {
        try pool.read { db in
            let rows: [Row]
            let groupKey = groupBy.map { bucket == .day ? $0.dailyColumn : $0.rawColumns.key } ?? "'all'"
            if bucket == .day {
                var sql = """
                    SELECT day || 'T00:00:00Z' AS t, \(groupKey) AS g, SUM(calls) AS calls, SUM(errors) AS errors,
                        SUM(promptTokens) AS p, SUM(completionTokens) AS c, SUM(reasoningTokens) AS r
                    FROM usageDaily WHERE day >= ? AND day <= ?
                    """
                var arguments: [any DatabaseValueConvertible] = [UsageLedger.day(of: from), UsageLedger.day(of: to)]
                if let userID { sql += " AND userId = ?"; arguments.append(userID) }
                sql += " GROUP BY t, g ORDER BY t"
                rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            } else {
                let format = bucket == .minute ? "%Y-%m-%dT%H:%M:00Z" : "%Y-%m-%dT%H:00:00Z"
                var sql = """
                    SELECT strftime('\(format)', time) AS t, \(groupKey) AS g, COUNT(*) AS calls,
                        SUM(CASE WHEN status >= 400 OR errorClass IS NOT NULL THEN 1 ELSE 0 END) AS errors,
                        SUM(promptTokens) AS p, SUM(completionTokens) AS c, SUM(reasoningTokens) AS r
                    FROM usage WHERE time >= ? AND time < ?
                    """
                var arguments: [any DatabaseValueConvertible] = [from, to]
                if let userID { sql += " AND userId = ?"; arguments.append(userID) }
                sql += " GROUP BY t, g ORDER BY t"
                rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            }
            var order: [String] = []
            var byGroup: [String: [SeriesPoint]] = [:]
            for row in rows {
                let group: DatabaseValue = row["g"]
                let key = group.isNull ? "none" : String(describing: group.storage.value ?? "none")
                if byGroup[key] == nil { order.append(key) }
                byGroup[key, default: []].append(SeriesPoint(
                    t: row["t"], calls: row["calls"], errors: row["errors"] ?? 0, promptTokens: row["p"] ?? 0,
                    completionTokens: row["c"] ?? 0, reasoningTokens: row["r"] ?? 0))
            }
            let labels = try groupBy.map { try Self.labels(for: $0, keys: order, db: db) } ?? [:]
            return order.map { Series(key: $0, label: labels[$0] ?? $0, points: byGroup[$0] ?? []) }
        }
    }

    /// Current names of the ids in a series, so charts show paths and names rather than numbers.
    private static func labels(for dimension: StatsDimension, keys: [String], db: Database) throws -> [String: String] {
        let sql: String
        switch dimension {
        case .endpoint: sql = "SELECT id, path FROM endpoint"
        case .provider: sql = "SELECT id, name FROM provider"
        case .key: sql = "SELECT id, name || ' (' || prefix || '…)' FROM apiKey"
        case .user: sql = "SELECT id, username FROM user"
        case .model: return [:]
        }
        var labels: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: sql) {
            let id: Int64 = row[0]
            labels[String(id)] = row[1]
        }
        for key in keys where labels[key] == nil && key != "none" && dimension != .model {
            labels[key] = key == "0" ? "none" : "#\(key) (deleted)"
        }
        return labels
    }

    struct LogFilter: Sendable {
        var from: Date?
        var to: Date?
        var endpointID: Int64?
        var providerID: Int64?
        var status: Int?
        var keyID: Int64?
        var userID: Int64?
    }

    struct LogEntry: Codable, Sendable {
        var row: UsageRecord
        var username: String?
    }

    /// One page of ledger rows, newest first, with the total count for paging.
    func logs(_ filter: LogFilter, page: Int, pageSize: Int) throws -> (entries: [LogEntry], total: Int) {
        try pool.read { db in
            var request = UsageRecord.all()
            if let from = filter.from { request = request.filter(Column("time") >= from) }
            if let to = filter.to { request = request.filter(Column("time") < to) }
            if let id = filter.endpointID { request = request.filter(Column("endpointId") == id) }
            if let id = filter.providerID { request = request.filter(Column("providerId") == id) }
            if let status = filter.status {
                // 2, 4, 5 filter a class (2xx, 4xx, 5xx); three digits an exact status.
                if status < 10 {
                    request = request.filter(Column("status") >= status * 100 && Column("status") < (status + 1) * 100)
                } else {
                    request = request.filter(Column("status") == status)
                }
            }
            if let id = filter.keyID { request = request.filter(Column("keyId") == id) }
            if let id = filter.userID { request = request.filter(Column("userId") == id) }
            let total = try request.fetchCount(db)
            let rows = try request.order(Column("id").desc).limit(pageSize, offset: (page - 1) * pageSize).fetchAll(db)
            let userIDs = Set(rows.compactMap(\.userId))
            var names: [Int64: String] = [:]
            if !userIDs.isEmpty {
                for row in try Row.fetchAll(db, sql: "SELECT id, username FROM user WHERE id IN (\(userIDs.map { _ in "?" }.joined(separator: ",")))",
                                            arguments: StatementArguments(Array(userIDs))) {
                    names[row[0]] = row[1]
                }
            }
            return (rows.map { LogEntry(row: $0, username: $0.userId.flatMap { names[$0] }) }, total)
        }
    }
}

/// What statistics can be grouped by.
enum StatsDimension: String, Sendable, CaseIterable {
    case endpoint, provider, model, key, user

    /// Key and label columns in the ledger table.
    var rawColumns: (key: String, label: String) {
        switch self {
        case .endpoint: ("endpointId", "endpointPath")
        case .provider: ("providerId", "providerName")
        case .model: ("CASE WHEN modelAnswered = '' THEN modelRequested ELSE modelAnswered END", "CASE WHEN modelAnswered = '' THEN modelRequested ELSE modelAnswered END")
        case .key: ("keyId", "keyName")
        case .user: ("userId", "CAST(userId AS TEXT)")
        }
    }

    var dailyColumn: String {
        switch self {
        case .endpoint: "endpointId"
        case .provider: "providerId"
        case .model: "model"
        case .key: "keyId"
        case .user: "userId"
        }
    }
}

enum StatsBucket: String, Sendable {
    case minute, hour, day

    var seconds: Double {
        switch self {
        case .minute: 60
        case .hour: 3600
        case .day: 86400
        }
    }
}
