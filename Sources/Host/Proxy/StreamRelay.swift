import AdapterHost
import AsyncHTTPClient
import HTTPTypes
import NIOCore
import NIOHTTP1

/// Relays one streamed answer: each upstream read is translated by the adapter, framed as SSE and
/// written to the client in the same event-loop turn. Every callback runs on the client connection's
/// event loop (`@unchecked Sendable` for AsyncHTTPClient's protocol; the relay is never shared; see
/// `UpstreamClient.eventLoopPreference`). A slow client slows the upstream read: the future returned
/// for a body part completes when its bytes are handed to the client's socket.
///
/// The HTTP status is decided late: a provider error that arrives before the keep-alive interval keeps
/// its real status; after that the stream is committed as 200 and any error becomes a final
/// `data: {"error":...}` event. One scheduled timer per stream sends keep-alive comments while the
/// provider is silent and enforces the first-byte and idle limits.
final class StreamRelay: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    static let keepAliveComment = ByteBuffer(string: ": keep-alive\n\n")
    static let done = ByteBuffer(string: "data: [DONE]\n\n")
    static let responseHead: HTTPResponse = {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("x-accel-buffering")!] = "no"
        return HTTPResponse(status: .ok, headerFields: headers)
    }()

    private let exchange: ProxyExchange
    private let instance: AdapterInstance
    private let request: UnifiedRequest
    private let timeouts: GatewayConfiguration.Upstream
    /// Set when this stream fetches an answer for the response cache.
    private let cacheFill: CacheFill?
    private var assembler: CompletionAssembler?
    private var task: HTTPClient.Task<Void>?
    private var timer: Scheduled<Void>?
    private var stream: AdapterStream?
    private var events: [StreamEvent] = []
    private var outcome = StreamOutcome()
    /// A provider error answer being collected (non-2xx status).
    private var errorBody: ByteBuffer?
    private var errorStatus = 0
    private var errorContentType = ""
    /// The stream's last event was written, or the client left.
    private var ended = false
    private var streamOpened = false

    private let started = RequestAccounting.now()
    private var lastUpstream: Int64
    private var lastClient: Int64
    private var sawFirstChunk = false

    init(exchange: ProxyExchange, instance: AdapterInstance, request: UnifiedRequest, cacheFill: CacheFill?) {
        self.exchange = exchange
        self.instance = instance
        self.request = request
        self.cacheFill = cacheFill
        timeouts = exchange.proxy.upstream.timeouts
        assembler = cacheFill == nil ? nil : CompletionAssembler()
        lastUpstream = started
        lastClient = started
    }

    func start(_ httpRequest: HTTPClient.Request) {
        let upstream = exchange.proxy.upstream
        exchange.accounting.upstreamBegins()
        exchange.onClientGone = { [self] in clientLeft() }
        armTimer()
        task = upstream.http.execute(
            request: httpRequest, delegate: self, eventLoop: UpstreamClient.eventLoopPreference(exchange.eventLoop),
            deadline: .now() + .milliseconds(Int64(timeouts.totalTimeoutMs)))
    }

    // MARK: Upstream callbacks

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let ready = task.eventLoop.makeSucceededVoidFuture()
        guard !ended else { return ready }
        let status = Int(head.status.code)
        guard (200..<300).contains(status) else {
            errorStatus = status
            errorContentType = head.headers.first(name: "content-type") ?? ""
            errorBody = ByteBuffer()
            return ready
        }
        outcome.upstreamAccepted = true
        commit()
        do {
            stream = try instance.makeStream(request)
        } catch {
            outcome.errorClass = "adapter_error"
            end(with: Self.errorEvent(ProxyError.internal("The adapter could not start a stream: \(error.message)").body))
        }
        return ready
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let ready = task.eventLoop.makeSucceededVoidFuture()
        guard !ended else { return ready }
        if errorBody != nil {
            if errorBody!.readableBytes + buffer.readableBytes <= UpstreamClient.maximumBodyBytes { errorBody!.writeImmutableBuffer(buffer) }
            return ready
        }
        guard let stream else { return ready }
        events.removeAll(keepingCapacity: true)
        do {
            try stream.feed(buffer, into: &events)
        } catch {
            // Send what the adapter produced before it failed, then report the failure.
            if let framed = frame(events) {
                if framed.final {
                    end(with: framed.bytes)
                    return ready
                }
                _ = write(framed.bytes, chunks: true)
            }
            outcome.errorClass = "upstream_format"
            end(with: Self.errorEvent(ProxyError.upstream("The provider's stream could not be read: \(error.message)").body))
            return ready
        }
        // Only translated events count as activity: provider keep-alive comments (DeepSeek sends them
        // for minutes while queued) must not stretch the idle timeout forever.
        if !events.isEmpty { lastUpstream = RequestAccounting.now() }
        guard let framed = frame(events) else { return ready }
        if framed.final {
            end(with: framed.bytes)  // the provider reported an error inside the stream
            return ready
        }
        return write(framed.bytes, chunks: true)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        guard !ended else { return }
        outcome.upstreamEnded = RequestAccounting.now()
        if let errorBody {
            let translated = instance.translateError(request, status: errorStatus, contentType: errorContentType, body: errorBody)
            // Still time to answer with the provider's real status?
            guard exchange.headCommitted else { return answerInstead { $0.failFromProvider(translated) } }
            outcome.errorClass = "provider_\(translated.status)"
            return end(with: Self.errorEvent(translated.body))
        }
        guard let stream else { return }
        events.removeAll(keepingCapacity: true)
        var finishError: AdapterCallError?
        do {
            try stream.finish(into: &events)
        } catch {
            finishError = error
        }
        let framed = frame(events)
        var tail = framed?.bytes ?? ByteBuffer()
        if outcome.ended { return end(with: tail) }
        if let finishError {
            if tail.readableBytes > 0 { _ = write(tail, chunks: true) }
            outcome.errorClass = "upstream_truncated"
            let message = "The provider's stream ended before the answer was complete (\(finishError.message))."
            return end(with: Self.errorEvent(ProxyError.upstream(message).body))
        }
        if tail.readableBytes > 0 { _ = write(tail, chunks: true) }
        tail = Self.done
        if let cacheFill, let answer = assembler?.completion() {
            cacheFill.complete(with: ResponseCache.Entry(body: answer, usage: outcome.usage, model: outcome.model))
        }
        end(with: tail)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        guard !ended else { return }
        // A write to the client failed (the future of a body part), before the connection reported
        // its close: the client left, the provider did nothing wrong.
        guard exchange.clientConnected else { return exchange.clientGone() }
        if outcome.upstreamEnded == nil { outcome.upstreamEnded = RequestAccounting.now() }
        guard exchange.headCommitted else {
            let phase = errorBody == nil ? "before answering" : "while sending an error"
            return answerInstead { $0.fail(UpstreamClient.classify(error, phase: phase)) }
        }
        let proxyError = UpstreamClient.classify(error, phase: "in the middle of the stream")
        outcome.errorClass = proxyError.code
        end(with: Self.errorEvent(proxyError.body))
    }

    // MARK: Writing

    /// Sends the 200 head once; from here the stream owns the request's status.
    private func commit() {
        guard !exchange.headCommitted else { return }
        exchange.commitStream(Self.responseHead)
        exchange.proxy.stats.live.streamOpened()
        streamOpened = true
    }

    private func write(_ bytes: ByteBuffer, chunks: Bool) -> EventLoopFuture<Void> {
        lastClient = RequestAccounting.now()
        if chunks {
            if exchange.accounting.firstChunkWritten == nil { exchange.accounting.firstChunkWritten = lastClient }
            bytes.withUnsafeReadableBytes { exchange.accounting.delivered.add(chunk: $0) }
        }
        return exchange.writeBody(bytes)
    }

    /// Writes the stream's last bytes, records it and ends the answer; stops the provider call when
    /// it is still running.
    private func end(with last: ByteBuffer) {
        guard !ended else { return }
        ended = true
        stopTimer()
        if last.readableBytes > 0 { _ = write(last, chunks: false) }
        copyOutcome()
        exchange.finish(status: 200, errorClass: outcome.errorClass)
        if streamOpened { exchange.proxy.stats.live.streamClosed() }
        exchange.endStream()
        task?.cancel()
    }

    /// Ends the relay before any byte of the stream was sent: `answer` gives the client a whole error
    /// answer with its real status instead (and records it).
    private func answerInstead(_ answer: (ProxyExchange) -> Void) {
        ended = true
        stopTimer()
        copyOutcome()
        task?.cancel()
        answer(exchange)
    }

    /// The client went away: stop reading upstream (cancelling the provider request). The exchange
    /// records the request.
    private func clientLeft() {
        guard !ended else { return }
        ended = true
        stopTimer()
        if outcome.upstreamEnded == nil, outcome.upstreamAccepted { outcome.upstreamEnded = RequestAccounting.now() }
        copyOutcome()
        if streamOpened { exchange.proxy.stats.live.streamClosed() }
        task?.cancel()
    }

    private func copyOutcome() {
        exchange.accounting.usage = outcome.usage
        exchange.accounting.modelAnswered = outcome.model
        exchange.accounting.upstreamAccepted = outcome.upstreamAccepted
        exchange.accounting.upstreamEnded = outcome.upstreamEnded
    }

    /// Turns adapter events into SSE bytes. Usage-only chunks reach the client only when it asked.
    /// `final` when the provider reported an error: the stream ends with it.
    private func frame(_ events: [StreamEvent]) -> (bytes: ByteBuffer, final: Bool)? {
        var out: ByteBuffer?
        for event in events {
            switch event {
            case .chunk(let chunk, let usageOnly):
                assembler?.add(chunk: chunk)
                if usageOnly && !request.includeUsage { continue }
                if out == nil { out = ByteBuffer() }
                out!.writeStaticString("data: ")
                out!.writeImmutableBuffer(chunk)
                out!.writeStaticString("\n\n")
                if !sawFirstChunk {
                    sawFirstChunk = true
                    lastUpstream = RequestAccounting.now()
                }
            case .usage(let usage): outcome.usage = usage
            case .model(let model): outcome.model = model
            case .finish: break
            case .error(let error):
                if out == nil { out = ByteBuffer() }
                out!.writeImmutableBuffer(Self.errorEvent(error.body))
                outcome.ended = true
                outcome.errorClass = "provider_stream_error"
                return (out!, true)
            }
        }
        return out.map { ($0, false) }
    }

    static func errorEvent(_ body: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeStaticString("data: ")
        out.writeImmutableBuffer(body)
        out.writeStaticString("\n\n")
        return out
    }

    // MARK: The timer

    private func armTimer() {
        let now = RequestAccounting.now()
        let wake = min(timeoutAt, pingAt)
        let this = NIOLoopBound(self, eventLoop: exchange.eventLoop)
        timer = exchange.eventLoop.scheduleTask(in: .nanoseconds(max(1_000_000, wake - now))) { this.value.tick() }
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
    }

    /// First-byte limit until the first chunk, then the idle limit since the last translated event.
    private var timeoutAt: Int64 {
        sawFirstChunk
            ? lastUpstream + Int64(timeouts.idleTimeoutMs) * 1_000_000
            : started + Int64(timeouts.firstByteTimeoutMs) * 1_000_000
    }

    /// When the next keep-alive comment is due. While a provider error is being read there are none:
    /// its status may still reach the client.
    private var pingAt: Int64 {
        errorBody != nil ? .max : lastClient + Int64(timeouts.keepaliveIntervalMs) * 1_000_000
    }

    private func tick() {
        timer = nil
        guard !ended else { return }
        let now = RequestAccounting.now()
        if now >= timeoutAt {
            let message = sawFirstChunk
                ? "The provider sent nothing for \(timeouts.idleTimeoutMs) ms."
                : "The provider did not start answering within \(timeouts.firstByteTimeoutMs) ms."
            guard exchange.headCommitted else { return answerInstead { $0.fail(.timeout(message)) } }
            outcome.errorClass = "upstream_timeout"
            end(with: Self.errorEvent(ProxyError.timeout(message).body))
            return
        }
        if now >= pingAt {
            // The provider is silent: commit the stream (its status can no longer change) and keep
            // the client, and any proxy between, from timing out.
            commit()
            _ = write(Self.keepAliveComment, chunks: false)
        }
        armTimer()
    }
}

/// What a stream reported, for accounting.
struct StreamOutcome: Sendable {
    var usage: TokenUsage?
    var model: String?
    /// The provider ended the stream with an error event.
    var ended = false
    var upstreamAccepted = false
    var upstreamEnded: Int64?
    var errorClass: String?
}
