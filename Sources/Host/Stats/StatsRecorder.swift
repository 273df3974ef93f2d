import Logging

/// Where finished requests go: the ledger (database, off the request path), the metrics and one
/// structured log line each.
public struct StatsRecorder: Sendable {
    public let ledger: UsageLedger
    public let metrics: GatewayMetrics
    public let live: LiveCounters
    let logger: Logger

    /// Records a finished chat request; pairs with the `live.requestStarted()` made when it arrived.
    func finish(_ accounting: RequestAccounting, status: Int, errorClass: String?) {
        live.requestEnded()
        let row = accounting.row(status: status, errorClass: errorClass)
        ledger.record(row)
        metrics.requestFinished(row)
        guard errorClass != nil || logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = [
            "request_id": "\(row.requestId)", "endpoint": "\(row.endpointPath)", "status": "\(row.status)",
            "latency_ms": "\(Int(row.latencyMs.rounded()))", "stream": "\(row.stream)",
            "tokens": "\(row.promptTokens)+\(row.completionTokens) \(row.tokenSource)",
        ]
        // Failures are logged for operators; successes at debug, since the ledger already holds every
        // request and an access line costs ~10 % of a request's CPU (docs/performance.md).
        if let errorClass {
            metadata["error"] = "\(errorClass)"
            logger.notice("request failed", metadata: metadata)
        } else {
            logger.debug("request", metadata: metadata)
        }
    }
}
