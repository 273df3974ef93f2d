import Foundation
import GRDB

/// One row of the usage ledger: everything the gateway knows about one proxied request.
/// `docs/stats.md` defines every figure.
public struct UsageRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "usage"

    public var id: Int64?
    /// When the request arrived.
    public var time: Date
    public var requestId: String
    public var endpointId: Int64?
    public var endpointPath: String
    public var providerId: Int64?
    public var providerName: String
    public var adapter: String
    public var modelRequested: String
    public var modelAnswered: String
    public var keyId: Int64?
    public var keyName: String
    public var userId: Int64?
    public var stream: Bool
    /// HTTP status the client got (200 for a stream that failed after it began; see errorClass).
    public var status: Int
    /// nil on success; otherwise a bounded class such as `upstream_timeout`, `client_disconnected`.
    public var errorClass: String?
    /// Arrival to last byte sent, milliseconds.
    public var latencyMs: Double
    /// Arrival to first content chunk written to the client (streams only).
    public var ttftMs: Double?
    /// Upstream request sent to upstream answer complete (nil when no upstream call was made).
    public var upstreamMs: Double?
    /// latencyMs - upstreamMs: the time the gateway itself added.
    public var overheadMs: Double?
    public var promptTokens: Int64
    public var completionTokens: Int64
    public var reasoningTokens: Int64
    public var cachedTokens: Int64
    /// `reported` (by the provider), `estimated` (by the gateway from delivered text), `cache` (served from
    /// the response cache: no upstream tokens spent) or `none` (no tokens: rejected before the provider).
    public var tokenSource: String
    public var cacheHit: Bool

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Per-day aggregates, kept after raw rows expire (retention), so all-time figures survive.
struct UsageDailyRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "usageDaily"
    var day: String
    var endpointId: Int64
    var providerId: Int64
    var model: String
    var keyId: Int64
    var userId: Int64
    var calls: Int64
    var errors: Int64
    var promptTokens: Int64
    var completionTokens: Int64
    var reasoningTokens: Int64
    var cachedTokens: Int64
    var latencyMsSum: Double
    var ttftMsSum: Double
    var ttftCount: Int64
}
