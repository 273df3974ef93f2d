import Synchronization

/// Requests in flight and open streams right now, for the dashboard and metrics.
public final class LiveCounters: Sendable {
    private let inFlight = Atomic<Int>(0)
    private let streams = Atomic<Int>(0)

    public init() {}

    public var inFlightRequests: Int { inFlight.load(ordering: .relaxed) }
    public var openStreams: Int { streams.load(ordering: .relaxed) }

    func requestStarted() { inFlight.add(1, ordering: .relaxed) }
    func requestEnded() { inFlight.subtract(1, ordering: .relaxed) }
    func streamOpened() { streams.add(1, ordering: .relaxed) }
    func streamClosed() { streams.subtract(1, ordering: .relaxed) }
}
