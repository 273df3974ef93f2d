import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Synchronization

/// Takes usage rows off the request path and writes them in batches from one writer task.
///
/// `record` never blocks and never touches the database. The queue is bounded: when the writer falls
/// behind by more than `capacity` rows, new rows are dropped, counted (`droppedCount`, a metric) and
/// logged — never silently. On shutdown the queue is flushed before the service returns, and the
/// service stops only after the HTTP server has finished its in-flight requests.
public final class UsageLedger: Service, Sendable {
    private struct Queue {
        var rows: [UsageRecord] = []
        var waiter: CheckedContinuation<Void, Never>?
        var dropped: Int64 = 0
        var droppedSinceLog: Int64 = 0
    }

    private let queue = Mutex(Queue())
    private let written = Atomic<Int64>(0)
    private let database: GatewayDatabase
    private let logger: Logger
    let capacity: Int
    let batchSize = 512
    let retentionDays: Int

    public init(database: GatewayDatabase, logger: Logger, capacity: Int = 100_000, retentionDays: Int = 90) {
        self.database = database
        self.logger = logger
        self.capacity = capacity
        self.retentionDays = retentionDays
    }

    /// Queues a row. O(1), no I/O.
    public func record(_ row: UsageRecord) {
        let waiter: CheckedContinuation<Void, Never>? = queue.withLock { queue in
            guard queue.rows.count < capacity else {
                queue.dropped += 1
                queue.droppedSinceLog += 1
                return nil
            }
            queue.rows.append(row)
            let waiter = queue.waiter
            queue.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Rows waiting to be written.
    public var depth: Int { queue.withLock { $0.rows.count } }
    /// Rows dropped because the queue was full, since start.
    public var droppedCount: Int64 { queue.withLock { $0.dropped } }
    /// Rows written since start.
    public var writtenCount: Int64 { written.load(ordering: .relaxed) }

    public func run() async throws {
        var lastRetention = Date.distantPast
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully {
                await waitForRows()
                // Let a burst accumulate into one transaction.
                try? await Task.sleep(for: .milliseconds(50))
                writePending()
                if Date().timeIntervalSince(lastRetention) > 3600 {
                    lastRetention = Date()
                    applyRetention()
                }
            }
        } onGracefulShutdown: { [self] in
            // Wake the writer so it sees the shutdown.
            let waiter = queue.withLock { queue in
                let waiter = queue.waiter
                queue.waiter = nil
                return waiter
            }
            waiter?.resume()
        }
        // The server has stopped by now (it shuts down first): write everything that is left.
        writePending()
        logger.info("usage ledger flushed", metadata: ["written": "\(writtenCount)", "dropped": "\(droppedCount)"])
    }

    private func waitForRows() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = queue.withLock { queue -> Bool in
                if !queue.rows.isEmpty || Task.isShuttingDownGracefully { return true }
                queue.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Writes every queued row, in batches, each batch in one transaction together with its daily aggregates.
    func writePending() {
        while true {
            let (batch, droppedSinceLog): ([UsageRecord], Int64) = queue.withLock { queue in
                let count = min(batchSize, queue.rows.count)
                let batch = Array(queue.rows.prefix(count))
                queue.rows.removeFirst(count)
                let dropped = queue.droppedSinceLog
                queue.droppedSinceLog = 0
                return (batch, dropped)
            }
            if droppedSinceLog > 0 {
                logger.error("usage ledger queue full: dropped rows", metadata: ["dropped": "\(droppedSinceLog)", "capacity": "\(capacity)"])
            }
            guard !batch.isEmpty else { return }
            do {
                try database.pool.write { db in
                    var lastUse: [Int64: Date] = [:]
                    for var row in batch {
                        try row.insert(db)
                        try Self.addToDaily(row, db: db)
                        if let key = row.keyId { lastUse[key] = max(lastUse[key] ?? row.time, row.time) }
                    }
                    // Keys' "last used" is kept here, off the request path, in the same transaction.
                    for (key, time) in lastUse {
                        try db.execute(sql: "UPDATE apiKey SET lastUsedAt = ? WHERE id = ? AND (lastUsedAt IS NULL OR lastUsedAt < ?)",
                                       arguments: [time, key, time])
                    }
                }
                written.add(Int64(batch.count), ordering: .relaxed)
            } catch {
                // Keep the rows for the next attempt rather than losing them (the database may be busy).
                logger.error("cannot write usage rows; will retry", metadata: ["rows": "\(batch.count)", "error": "\(error)"])
                queue.withLock { $0.rows.insert(contentsOf: batch, at: 0) }
                return
            }
        }
    }

    static let dayFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }()

    private static func addToDaily(_ row: UsageRecord, db: Database) throws {
        let isError = row.status >= 400 || row.errorClass != nil
        try db.execute(
            sql: """
                INSERT INTO usageDaily (day, endpointId, providerId, model, keyId, userId, calls, errors,
                    promptTokens, completionTokens, reasoningTokens, cachedTokens, latencyMsSum, ttftMsSum, ttftCount)
                VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(day, endpointId, providerId, model, keyId, userId) DO UPDATE SET
                    calls = calls + 1, errors = errors + excluded.errors,
                    promptTokens = promptTokens + excluded.promptTokens,
                    completionTokens = completionTokens + excluded.completionTokens,
                    reasoningTokens = reasoningTokens + excluded.reasoningTokens,
                    cachedTokens = cachedTokens + excluded.cachedTokens,
                    latencyMsSum = latencyMsSum + excluded.latencyMsSum,
                    ttftMsSum = ttftMsSum + excluded.ttftMsSum, ttftCount = ttftCount + excluded.ttftCount
                """,
            arguments: [
                dayFormatter.string(from: row.time), row.endpointId ?? 0, row.providerId ?? 0,
                row.modelAnswered.isEmpty ? row.modelRequested : row.modelAnswered, row.keyId ?? 0, row.userId ?? 0,
                isError ? 1 : 0, row.promptTokens, row.completionTokens, row.reasoningTokens, row.cachedTokens,
                row.latencyMs, row.ttftMs ?? 0, row.ttftMs == nil ? 0 : 1,
            ])
    }

    /// Deletes raw rows older than the retention period; the daily aggregates stay.
    private func applyRetention() {
        let cutoff = Date().addingTimeInterval(-Double(retentionDays) * 86400)
        do {
            let deleted = try database.pool.write { db -> Int in
                try UsageRecord.filter(Column("time") < cutoff).deleteAll(db)
            }
            if deleted > 0 { logger.info("usage retention", metadata: ["deleted_rows": "\(deleted)", "days": "\(retentionDays)"]) }
        } catch {
            logger.error("usage retention failed: \(error)")
        }
    }
}
