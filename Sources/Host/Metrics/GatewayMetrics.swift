import Prometheus
import Synchronization

/// The gateway's Prometheus metrics, served at `/metrics`. Label values are bounded: endpoint paths and
/// provider names come from admin configuration, statuses and error classes from fixed sets.
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let openStreams: Gauge
    private let ledgerDepth: Gauge
    private let ledgerDropped: Gauge
    private let adapterLoadFailures: Gauge
    /// Labelled series are looked up in the registry once and kept here: asking the registry per request
    /// builds its key strings and takes its lock every time.
    private let counters = Mutex<[String: Counter]>([:])
    private let histograms = Mutex<[String: DurationHistogram]>([:])

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
        counter("requests", "Proxied requests by endpoint, provider and HTTP status.",
                [("endpoint", endpoint), ("provider", provider), ("status", String(row.status))]).increment()
        histogram("request_duration", "Proxied request latency, arrival to last byte.",
                  [("endpoint", endpoint), ("provider", provider)], Self.latencyBuckets)
            .recordNanoseconds(Int64(row.latencyMs * 1_000_000))
        if let overhead = row.overheadMs {
            histogram("overhead", "Time the gateway added: latency minus upstream time.", [("endpoint", endpoint)], Self.overheadBuckets)
                .recordNanoseconds(Int64(max(0, overhead) * 1_000_000))
        }
        let model = row.modelAnswered.isEmpty ? row.modelRequested : row.modelAnswered
        for (kind, count) in [("prompt", row.promptTokens), ("completion", row.completionTokens),
                              ("reasoning", row.reasoningTokens), ("cached", row.cachedTokens)] where count > 0 {
            counter("tokens", "Tokens by kind, provider and model (source: reported or estimated).",
                    [("kind", kind), ("provider", provider), ("model", model), ("source", row.tokenSource)]).increment(by: count)
        }
        if let errorClass = row.errorClass {
            counter("errors", "Failed proxied requests by error class.", [("class", errorClass), ("provider", provider)]).increment()
        }
    }

    /// The `gateway_<metric>_total` counter with these labels, created on first use.
    private func counter(_ metric: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        let key = metric + labels.map { "\u{0}\($0.1)" }.joined()
        if let existing = counters.withLock({ $0[key] }) { return existing }
        let created = registry.makeCounter(descriptor: Self.name(metric, "total", help), labels: labels)
        counters.withLock { $0[key] = created }
        return created
    }

    /// The `gateway_<metric>_seconds` histogram with these labels, created on first use.
    private func histogram(_ metric: String, _ help: String, _ labels: [(String, String)], _ buckets: [Duration]) -> DurationHistogram {
        let key = metric + labels.map { "\u{0}\($0.1)" }.joined()
        if let existing = histograms.withLock({ $0[key] }) { return existing }
        let created = registry.makeDurationHistogram(descriptor: Self.name(metric, "seconds", help), labels: labels, buckets: buckets)
        histograms.withLock { $0[key] = created }
        return created
    }

    func cacheLookup(hit: Bool, endpoint: String) {
        counter(hit ? "cache_hits" : "cache_misses", hit ? "Response cache hits." : "Response cache misses.", [("endpoint", endpoint)])
            .increment()
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
