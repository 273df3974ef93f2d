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
                // GRDB's async write runs the transaction (and its fsync) on the database's own writer queue and
                // suspends this task meanwhile: a blocking write here would hold one of the cooperative pool's
                // threads (two on a 2-core machine), which run every request task.
                await writePendingSuspending()
                if Date().timeIntervalSince(lastRetention) > 3600 {
                    lastRetention = Date()
                    await applyRetention()
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
        // The server has stopped by now (it shuts down first): write everything that is left. Synchronously, so
        // the flush completes even if the service group has cancelled this task (GRDB's async accesses throw
        // when cancelled); nothing else needs the cooperative pool any more.
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
    /// Blocks the calling thread while writing; ``run()`` uses ``writePendingSuspending()`` instead.
    func writePending() {
        while true {
            let taken = TakenBatch()
            do {
                // The batch is taken inside the transaction: a flush (the stats API) that runs while the
                // writer task is writing waits for that batch on GRDB's writer queue instead of missing it.
                let count = try database.pool.write { db in try self.writeNextBatch(db, taken: taken) }
                guard count > 0 else { return }
                written.add(Int64(count), ordering: .relaxed)
            } catch {
                if let batch = taken.rows { requeue(batch, error: error) }
                return
            }
        }
    }

    /// Writes every queued row like ``writePending()``, but suspends instead of blocking: the transactions run
    /// on GRDB's writer queue, off Swift's cooperative pool.
    func writePendingSuspending() async {
        while true {
            let taken = TakenBatch()
            do {
                let count = try await database.pool.write { db in try self.writeNextBatch(db, taken: taken) }
                guard count > 0 else { return }
                written.add(Int64(count), ordering: .relaxed)
            } catch {
                if let batch = taken.rows { requeue(batch, error: error) }
                return
            }
        }
    }

    /// Inside a write transaction: takes the next batch off the queue and writes it. Returns its size
    /// (0 when the queue was empty); `taken` keeps the rows so a failed transaction can requeue them.
    private func writeNextBatch(_ db: Database, taken: TakenBatch) throws -> Int {
        guard let batch = takeBatch() else { return 0 }
        taken.rows = batch
        try Self.write(batch, db: db)
        return batch.count
    }

    /// Takes up to `batchSize` rows off the queue (logging any drops since the last batch); nil when it is empty.
    private func takeBatch() -> [UsageRecord]? {
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
        return batch.isEmpty ? nil : batch
    }

    /// Keeps the rows of a failed batch for the next attempt rather than losing them (the database may be busy).
    private func requeue(_ batch: [UsageRecord], error: any Error) {
        logger.error("cannot write usage rows; will retry", metadata: ["rows": "\(batch.count)", "error": "\(error)"])
        queue.withLock { $0.rows.insert(contentsOf: batch, at: 0) }
    }

    /// One batch in the current transaction: the raw rows, their daily aggregates and the keys' last use.
    private static func write(_ batch: [UsageRecord], db: Database) throws {
        var lastUse: [Int64: Date] = [:]
        // One upsert per aggregate group and batch, not per row: under load a batch holds hundreds
        // of rows of a handful of groups.
        var daily: [DailyKey: UsageDailyRecord] = [:]
        // One cached prepared statement with positional values: GRDB's Codable record encoding
        // cost about 3 % of request CPU under load (docs/performance.md).
        let insert = try db.cachedStatement(sql: insertSQL)
        for row in batch {
            // Unchecked: the 25 values always match the statement's 25 parameters.
            insert.setUncheckedArguments(arguments(of: row))
            try insert.execute()
            accumulate(row, into: &daily)
            if let key = row.keyId { lastUse[key] = max(lastUse[key] ?? row.time, row.time) }
        }
        for aggregate in daily.values { try addToDaily(aggregate, db: db) }
        // Keys' "last used" is kept here, off the request path, in the same transaction.
        for (key, time) in lastUse {
            try db.execute(sql: "UPDATE apiKey SET lastUsedAt = ? WHERE id = ? AND (lastUsedAt IS NULL OR lastUsedAt < ?)",
                           arguments: [time, key, time])
        }
    }

    /// The UTC calendar day of `date` as `yyyy-MM-dd`. Computed arithmetically (civil-from-days), since
    /// DateFormatter is neither cheap nor safe to share between threads.
    static func day(of date: Date) -> String {
        String(timestamp(of: date).prefix(10))
    }

    /// `date` as GRDB stores dates, `yyyy-MM-dd HH:mm:ss.SSS` in UTC (milliseconds rounded), without
    /// GRDB's DateFormatter: formatting the `time` of every row that way was 12 % of the ledger's CPU.
    static func timestamp(of date: Date) -> String {
        // Foundation's formatter rounds (reference-date seconds + 978,307,200) × 1000 to the nearest
        // millisecond; computed from seconds since 1970 directly, half-millisecond ties can differ.
        let milliseconds = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000).rounded())
        let (dayNumber, millisecondOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let days = (millisecondOfDay < 0 ? dayNumber - 1 : dayNumber) + 719_468
        let ofDay = millisecondOfDay < 0 ? millisecondOfDay + 86_400_000 : millisecondOfDay
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let fields = [year, month, day, ofDay / 3_600_000, ofDay / 60_000 % 60, ofDay / 1000 % 60, ofDay % 1000]
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var index = 0
            func put(_ value: Int64, digits: Int, then separator: UInt8?) {
                var value = value
                for position in stride(from: index + digits - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += digits
                if let separator { buffer[index] = separator; index += 1 }
            }
            put(fields[0], digits: 4, then: UInt8(ascii: "-"))
            put(fields[1], digits: 2, then: UInt8(ascii: "-"))
            put(fields[2], digits: 2, then: UInt8(ascii: " "))
            put(fields[3], digits: 2, then: UInt8(ascii: ":"))
            put(fields[4], digits: 2, then: UInt8(ascii: ":"))
            put(fields[5], digits: 2, then: UInt8(ascii: "."))
            put(fields[6], digits: 3, then: nil)
            return index
        }
    }

    static let insertSQL = """
        INSERT INTO usage (time, requestId, endpointId, endpointPath, providerId, providerName, adapter, modelRequested,
            modelAnswered, keyId, keyName, userId, stream, status, errorClass, latencyMs, ttftMs, upstreamMs, overheadMs,
            promptTokens, completionTokens, reasoningTokens, cachedTokens, tokenSource, cacheHit)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func arguments(of row: UsageRecord) -> StatementArguments {
        [
            timestamp(of: row.time), row.requestId, row.endpointId, row.endpointPath, row.providerId, row.providerName, row.adapter,
            row.modelRequested, row.modelAnswered, row.keyId, row.keyName, row.userId, row.stream, row.status,
            row.errorClass, row.latencyMs, row.ttftMs, row.upstreamMs, row.overheadMs, row.promptTokens,
            row.completionTokens, row.reasoningTokens, row.cachedTokens, row.tokenSource, row.cacheHit,
        ]
    }

    /// The identity of a daily aggregate row.
    struct DailyKey: Hashable {
        var day: String
        var endpointId: Int64
        var providerId: Int64
        var model: String
        var keyId: Int64
        var userId: Int64
    }

    static func accumulate(_ row: UsageRecord, into daily: inout [DailyKey: UsageDailyRecord]) {
        let key = DailyKey(
            day: day(of: row.time), endpointId: row.endpointId ?? 0, providerId: row.providerId ?? 0,
            model: row.modelAnswered.isEmpty ? row.modelRequested : row.modelAnswered, keyId: row.keyId ?? 0, userId: row.userId ?? 0)
        var aggregate = daily[key] ?? UsageDailyRecord(
            day: key.day, endpointId: key.endpointId, providerId: key.providerId, model: key.model, keyId: key.keyId,
            userId: key.userId, calls: 0, errors: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, cachedTokens: 0,
            latencyMsSum: 0, ttftMsSum: 0, ttftCount: 0)
        aggregate.calls += 1
        aggregate.errors += (row.status >= 400 || row.errorClass != nil) ? 1 : 0
        aggregate.promptTokens += row.promptTokens
        aggregate.completionTokens += row.completionTokens
        aggregate.reasoningTokens += row.reasoningTokens
        aggregate.cachedTokens += row.cachedTokens
        aggregate.latencyMsSum += row.latencyMs
        if let ttft = row.ttftMs {
            aggregate.ttftMsSum += ttft
            aggregate.ttftCount += 1
        }
        daily[key] = aggregate
    }

    private static func addToDaily(_ aggregate: UsageDailyRecord, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO usageDaily (day, endpointId, providerId, model, keyId, userId, calls, errors,
                    promptTokens, completionTokens, reasoningTokens, cachedTokens, latencyMsSum, ttftMsSum, ttftCount)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(day, endpointId, providerId, model, keyId, userId) DO UPDATE SET
                    calls = calls + excluded.calls, errors = errors + excluded.errors,
                    promptTokens = promptTokens + excluded.promptTokens,
                    completionTokens = completionTokens + excluded.completionTokens,
                    reasoningTokens = reasoningTokens + excluded.reasoningTokens,
                    cachedTokens = cachedTokens + excluded.cachedTokens,
                    latencyMsSum = latencyMsSum + excluded.latencyMsSum,
                    ttftMsSum = ttftMsSum + excluded.ttftMsSum, ttftCount = ttftCount + excluded.ttftCount
                """,
            arguments: [
                aggregate.day, aggregate.endpointId, aggregate.providerId, aggregate.model, aggregate.keyId, aggregate.userId,
                aggregate.calls, aggregate.errors, aggregate.promptTokens, aggregate.completionTokens, aggregate.reasoningTokens,
                aggregate.cachedTokens, aggregate.latencyMsSum, aggregate.ttftMsSum, aggregate.ttftCount,
            ])
    }

    /// Deletes raw rows older than the retention period; the daily aggregates stay.
    private func applyRetention() async {
        let cutoff = Date().addingTimeInterval(-Double(retentionDays) * 86400)
        do {
            let deleted = try await database.pool.write { db -> Int in
                try UsageRecord.filter(Column("time") < cutoff).deleteAll(db)
            }
            if deleted > 0 { logger.info("usage retention", metadata: ["deleted_rows": "\(deleted)", "days": "\(retentionDays)"]) }
        } catch {
            logger.error("usage retention failed: \(error)")
        }
    }
}

/// The rows a write transaction took off the queue, for requeueing when it fails. Used by one
/// transaction at a time (GRDB's writer queue).
private final class TakenBatch: @unchecked Sendable {
    var rows: [UsageRecord]?
}
