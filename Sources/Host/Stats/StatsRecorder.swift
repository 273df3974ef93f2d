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
        var metadata: Logger.Metadata = [
            "request_id": "\(row.requestId)", "endpoint": "\(row.endpointPath)", "status": "\(row.status)",
            "latency_ms": "\(Int(row.latencyMs.rounded()))", "stream": "\(row.stream)",
            "tokens": "\(row.promptTokens)+\(row.completionTokens) \(row.tokenSource)",
        ]
        if let errorClass { metadata["error"] = "\(errorClass)" }
        logger.info("request", metadata: metadata)
    }
}
