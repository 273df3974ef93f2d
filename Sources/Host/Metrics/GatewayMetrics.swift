import Prometheus

/// The gateway's Prometheus metrics, served at `/metrics`. Label values are bounded: endpoint paths and
/// provider names come from admin configuration, statuses and error classes from fixed sets.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let openStreams: Gauge
    private let ledgerDepth: Gauge
    private let ledgerDropped: Gauge
    private let adapterLoadFailures: Gauge

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
    ]
    static let overheadBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(50),
    ]

    public init() {
        inFlight = registry.makeGauge(descriptor: Self.name("in_flight_requests", "", "Proxied requests being served now."))
        openStreams = registry.makeGauge(descriptor: Self.name("open_streams", "", "SSE streams open to clients now."))
        ledgerDepth = registry.makeGauge(descriptor: Self.name("ledger_queue_depth", "rows", "Usage rows waiting to be written."))
        ledgerDropped = registry.makeGauge(descriptor: Self.name("ledger_dropped", "rows", "Usage rows dropped because the queue was full, since start."))
        adapterLoadFailures = registry.makeGauge(descriptor: Self.name("adapter_load_failures", "", "Adapter files refused since start."))
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gateway", metricName: metric, unitName: unit, helpText: help)
    }

    /// Records one finished proxied request.
    func requestFinished(_ row: UsageRecord) {
        let endpoint = row.endpointPath
        let provider = row.providerName
        registry.makeCounter(
            descriptor: Self.name("requests", "total", "Proxied requests by endpoint, provider and HTTP status."),
            labels: [("endpoint", endpoint), ("provider", provider), ("status", String(row.status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("request_duration", "seconds", "Proxied request latency, arrival to last byte."),
            labels: [("endpoint", endpoint), ("provider", provider)], buckets: Self.latencyBuckets
        ).recordNanoseconds(Int64(row.latencyMs * 1_000_000))
        if let overhead = row.overheadMs {
            registry.makeDurationHistogram(
                descriptor: Self.name("overhead", "seconds", "Time the gateway added: latency minus upstream time."),
                labels: [("endpoint", endpoint)], buckets: Self.overheadBuckets
            ).recordNanoseconds(Int64(max(0, overhead) * 1_000_000))
        }
        let model = row.modelAnswered.isEmpty ? row.modelRequested : row.modelAnswered
        for (kind, count) in [("prompt", row.promptTokens), ("completion", row.completionTokens),
                              ("reasoning", row.reasoningTokens), ("cached", row.cachedTokens)] where count > 0 {
            registry.makeCounter(
                descriptor: Self.name("tokens", "total", "Tokens by kind, provider and model (source: reported or estimated)."),
                labels: [("kind", kind), ("provider", provider), ("model", model), ("source", row.tokenSource)]
            ).increment(by: count)
        }
        if let errorClass = row.errorClass {
            registry.makeCounter(
                descriptor: Self.name("errors", "total", "Failed proxied requests by error class."),
                labels: [("class", errorClass), ("provider", provider)]
            ).increment()
        }
    }

    func cacheLookup(hit: Bool, endpoint: String) {
        registry.makeCounter(
            descriptor: Self.name(hit ? "cache_hits" : "cache_misses", "total", hit ? "Response cache hits." : "Response cache misses."),
            labels: [("endpoint", endpoint)]
        ).increment()
    }

    /// Copies point-in-time values into gauges just before an export.
    func refreshGauges(live: LiveCounters, ledger: UsageLedger, adapterFailures: Int) {
        inFlight.set(Int64(live.inFlightRequests))
        openStreams.set(Int64(live.openStreams))
        ledgerDepth.set(Int64(ledger.depth))
        ledgerDropped.set(ledger.droppedCount)
        adapterLoadFailures.set(Int64(adapterFailures))
    }
}
