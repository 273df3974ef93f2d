import AdapterHost
import AsyncAlgorithms
import AsyncHTTPClient
import Dispatch
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Relays one streamed answer: upstream bytes go through the adapter's stream translator and out to
/// the client as SSE events the moment they are translated.
///
/// Three tasks cooperate per stream: the producer (reads upstream, translates, frames), the timer
/// (keep-alive comments while the upstream is silent, first-byte and idle timeouts), and the writer
/// (the response body task, which writes to the client). They meet in a back-pressured channel, so
/// a slow client slows the upstream read instead of growing a buffer.
struct StreamRelay: Sendable {
    let upstream: UpstreamClient
    let instance: AdapterInstance
    let request: UnifiedRequest
    let stats: StatsRecorder
    let logger: Logger
    /// Counts the stream as using its adapter version (hot-loading) until the body is written.
    var lease: AdapterLease? = nil
    /// Set when this stream fetches an answer for the response cache.
    var cacheFill: CacheFill? = nil

    static let keepAliveComment = ByteBuffer(string: ": keep-alive\n\n")
    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    /// Sends the request and decides the HTTP status: a provider error that arrives before the
    /// keep-alive interval keeps its real status; after that the stream is committed as 200 and any
    /// error becomes a final `data: {"error":...}` event.
    func start(_ httpRequest: HTTPClientRequest, accounting: inout RequestAccounting) async throws -> Response {
        let timeouts = upstream.timeouts
        let client = upstream.http
        let totalDeadline = NIODeadline.now() + .milliseconds(Int64(timeouts.totalTimeoutMs))
        accounting.upstreamBegins()
        let call = Task { try await client.execute(httpRequest, deadline: totalDeadline) }

        let head: HTTPClientResponse?
        do {
            head = try await value(of: call, waitingAtMost: min(timeouts.keepaliveIntervalMs, timeouts.firstByteTimeoutMs))
        } catch {
            accounting.upstreamCompletes()
            throw UpstreamClient.classify(error, phase: "before answering")
        }
        if let head, !(200..<300).contains(Int(head.status.code)) {
            let body: ByteBuffer
            do {
                body = try await withTimeout(milliseconds: timeouts.firstByteTimeoutMs, error: .timeout("The provider's error answer did not arrive in time.")) {
                    try await head.body.collect(upTo: UpstreamClient.maximumBodyBytes)
                }
            } catch {
                accounting.upstreamCompletes()
                throw UpstreamClient.classify(error, phase: "while sending an error")
            }
            accounting.upstreamCompletes()
            let translated = instance.translateError(request, status: Int(head.status.code),
                                                     contentType: head.headers.first(name: "content-type") ?? "", body: body)
            let response = ProxyHandler.adapterErrorResponse(translated)
            stats.finish(accounting, status: Int(response.status.code), errorClass: "provider_\(translated.status)")
            return response
        }

        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("x-accel-buffering")!] = "no"
        // From here the stream owns the request's accounting; the guard records it even if the body is never written.
        let guardian = StreamGuardian(accounting: accounting, call: call, stats: stats)
        let relay = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { relay.lease?.end() }
            try await relay.relay(call: call, head: head, guardian: guardian, writer: &writer)
        })
    }

    private func relay(
        call: Task<HTTPClientResponse, any Error>, head: HTTPClientResponse?, guardian: StreamGuardian,
        writer: inout any ResponseBodyWriter
    ) async throws {
        let channel = AsyncChannel<RelayItem>()
        let state = RelayState()
        var accounting = guardian.accounting
        stats.live.streamOpened()
        defer {
            stats.live.streamClosed()
            call.cancel()
        }
        var clientError: (any Error)?
        let outcome: StreamOutcome = await withTaskGroup(of: StreamOutcome?.self) { group in
            group.addTask { await produce(call: call, head: head, channel: channel, state: state) }
            group.addTask { await watch(channel: channel, state: state); return nil }
            do {
                for await item in channel {
                    try await writer.write(item.bytes)
                    state.clientWrite()
                    if item.kind == .chunks {
                        if accounting.firstChunkWritten == nil { accounting.firstChunkWritten = RequestAccounting.now() }
                        item.bytes.withUnsafeReadableBytes { accounting.delivered.add(chunk: $0) }
                    }
                }
            } catch {
                // The client went away: stop reading upstream (cancelling the provider request).
                state.markClientGone()
                clientError = error
            }
            group.cancelAll()
            var outcome = StreamOutcome()
            for await result in group { if let result { outcome = result } }
            return outcome
        }
        accounting.usage = outcome.usage
        accounting.modelAnswered = outcome.model
        accounting.upstreamAccepted = outcome.upstreamAccepted
        accounting.upstreamEnded = outcome.upstreamEnded
        let errorClass = clientError != nil ? "client_disconnected" : (state.timeoutClass ?? outcome.errorClass)
        let status = outcome.errorStatus ?? 200
        guardian.finish(accounting, status: status, errorClass: errorClass)
        if let clientError { throw clientError }
        try await writer.finish(nil)
    }

    /// Reads the upstream body, translates it and sends framed events. Never throws: failures become
    /// a final error event, and what the stream reported comes back as the outcome.
    private func produce(call: Task<HTTPClientResponse, any Error>, head: HTTPClientResponse?, channel: AsyncChannel<RelayItem>, state: RelayState) async -> StreamOutcome {
        var outcome = StreamOutcome()
        defer { channel.finish() }
        do {
            let response: HTTPClientResponse
            if let head {
                response = head
            } else {
                response = try await withTaskCancellationHandler { try await call.value } onCancel: { call.cancel() }
            }
            if !(200..<300).contains(Int(response.status.code)) {
                let body = try await response.body.collect(upTo: UpstreamClient.maximumBodyBytes)
                outcome.upstreamEnded = RequestAccounting.now()
                let error = instance.translateError(request, status: Int(response.status.code),
                                                    contentType: response.headers.first(name: "content-type") ?? "", body: body)
                outcome.errorClass = "provider_\(error.status)"
                await sendFinal(Self.errorEvent(error.body), channel: channel, state: state)
                return outcome
            }
            outcome.upstreamAccepted = true

            let stream: AdapterStream
            do {
                stream = try instance.makeStream(request)
            } catch {
                outcome.errorClass = "adapter_error"
                await sendFinal(Self.errorEvent(ProxyError.internal("The adapter could not start a stream: \(error.message)").body), channel: channel, state: state)
                return outcome
            }
            var events: [StreamEvent] = []
            var assembler: CompletionAssembler? = cacheFill == nil ? nil : CompletionAssembler()
            for try await bytes in response.body {
                // Only translated events count as activity: provider keep-alive comments (DeepSeek sends
                // them for minutes while queued) must not stretch the idle timeout forever.
                events.removeAll(keepingCapacity: true)
                do {
                    try stream.feed(bytes, into: &events)
                } catch {
                    // Send what the adapter produced before it failed, then report the failure.
                    if let framed = frame(events, outcome: &outcome, assembler: &assembler, state: state) { await channel.send(framed) }
                    outcome.errorClass = "upstream_format"
                    await sendFinal(Self.errorEvent(ProxyError.upstream("The provider's stream could not be read: \(error.message)").body), channel: channel, state: state)
                    return outcome
                }
                if !events.isEmpty { state.upstreamActivity() }
                if let framed = frame(events, outcome: &outcome, assembler: &assembler, state: state) {
                    await channel.send(framed)
                    state.upstreamActivity()
                }
                if outcome.ended { state.tryEnd(); return outcome }
            }
            outcome.upstreamEnded = RequestAccounting.now()
            events.removeAll(keepingCapacity: true)
            var finishError: AdapterCallError?
            do {
                try stream.finish(into: &events)
            } catch {
                finishError = error
            }
            var tail = frame(events, outcome: &outcome, assembler: &assembler, state: state) ?? RelayItem(bytes: ByteBuffer(), kind: .final)
            if outcome.ended {
                state.tryEnd()
                if tail.bytes.readableBytes > 0 { await channel.send(tail) }
                return outcome
            }
            if let finishError {
                if tail.bytes.readableBytes > 0 { await channel.send(tail) }
                outcome.errorClass = "upstream_truncated"
                await sendFinal(Self.errorEvent(ProxyError.upstream("The provider's stream ended before the answer was complete (\(finishError.message)).").body), channel: channel, state: state)
                return outcome
            }
            tail.bytes.writeImmutableBuffer(Self.done)
            guard state.tryEnd() else { return outcome }
            if let cacheFill, let answer = assembler?.completion() {
                cacheFill.complete(with: ResponseCache.Entry(body: answer, usage: outcome.usage, model: outcome.model))
            }
            await channel.send(tail)
        } catch {
            if outcome.upstreamEnded == nil { outcome.upstreamEnded = RequestAccounting.now() }
            if state.clientGone { return outcome }
            let proxyError = UpstreamClient.classify(error, phase: "in the middle of the stream")
            outcome.errorClass = proxyError.code
            await sendFinal(Self.errorEvent(proxyError.body), channel: channel, state: state)
        }
        return outcome
    }

    /// Turns adapter events into SSE bytes. Usage-only chunks reach the client only when it asked.
    private func frame(_ events: [StreamEvent], outcome: inout StreamOutcome, assembler: inout CompletionAssembler?, state: RelayState) -> RelayItem? {
        var out: ByteBuffer?
        var kind = RelayItem.Kind.chunks
        for event in events {
            switch event {
            case .chunk(let chunk, let usageOnly):
                assembler?.add(chunk: chunk)
                if usageOnly && !request.includeUsage { continue }
                if out == nil { out = ByteBuffer() }
                out!.writeStaticString("data: ")
                out!.writeImmutableBuffer(chunk)
                out!.writeStaticString("\n\n")
                state.firstChunk()
            case .usage(let usage): outcome.usage = usage
            case .model(let model): outcome.model = model
            case .finish(let reason): outcome.finishReason = reason
            case .error(let error):
                if out == nil { out = ByteBuffer() }
                out!.writeImmutableBuffer(Self.errorEvent(error.body))
                outcome.ended = true
                outcome.errorClass = "provider_stream_error"
                kind = .final
                return RelayItem(bytes: out!, kind: kind)
            }
        }
        return out.map { RelayItem(bytes: $0, kind: kind) }
    }

    /// Keep-alive comments during silence; first-byte and idle timeouts.
    private func watch(channel: AsyncChannel<RelayItem>, state: RelayState) async {
        let timeouts = upstream.timeouts
        let keepalive = Int64(timeouts.keepaliveIntervalMs) * 1_000_000
        let firstByte = Int64(timeouts.firstByteTimeoutMs) * 1_000_000
        let idle = Int64(timeouts.idleTimeoutMs) * 1_000_000
        while !Task.isCancelled {
            let now = RelayState.now()
            let timeoutAt = state.sawFirstChunk ? state.lastUpstream + idle : state.started + firstByte
            if now >= timeoutAt {
                let message = state.sawFirstChunk
                    ? "The provider sent nothing for \(timeouts.idleTimeoutMs) ms."
                    : "The provider did not start answering within \(timeouts.firstByteTimeoutMs) ms."
                if state.tryEnd() {
                    state.timeoutClass = "upstream_timeout"
                    await channel.send(RelayItem(bytes: Self.errorEvent(ProxyError.timeout(message).body), kind: .final))
                }
                channel.finish()
                return
            }
            let pingAt = state.lastClient + keepalive
            if now >= pingAt {
                await channel.send(RelayItem(bytes: Self.keepAliveComment, kind: .ping))
                state.clientWrite()
                continue
            }
            let wake = min(timeoutAt, pingAt)
            do {
                try await Task.sleep(nanoseconds: UInt64(max(1_000_000, wake - now)))
            } catch {
                return
            }
        }
    }

    /// Sends the last event of the stream, once: whoever ends the stream first (producer or timer) wins.
    private func sendFinal(_ buffer: ByteBuffer, channel: AsyncChannel<RelayItem>, state: RelayState) async {
        guard state.tryEnd() else { return }
        await channel.send(RelayItem(bytes: buffer, kind: .final))
    }

    static func errorEvent(_ body: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeStaticString("data: ")
        out.writeImmutableBuffer(body)
        out.writeStaticString("\n\n")
        return out
    }

    /// Waits for `task` at most `milliseconds`; nil when time ran out (the task keeps running).
    private func value<T: Sendable>(of task: Task<T, any Error>, waitingAtMost milliseconds: Int) async throws -> T? {
        let once = ResumeOnce<T?>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                once.install(continuation)
                let sleeper = Task {
                    try? await Task.sleep(for: .milliseconds(milliseconds))
                    once.resume(with: .success(nil))
                }
                Task {
                    let result = await task.result
                    sleeper.cancel()
                    once.resume(with: result.map { Optional($0) })
                }
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// What travels from the producer and the timer to the writer.
struct RelayItem: Sendable {
    enum Kind: Sendable { case chunks, ping, final }
    var bytes: ByteBuffer
    var kind: Kind
}

/// Records a committed stream exactly once. When the response body is never written (the client was
/// gone before the headers went out), its deinit records the request and cancels the provider call.
final class StreamGuardian: Sendable {
    let accounting: RequestAccounting
    private let call: Task<HTTPClientResponse, any Error>
    private let stats: StatsRecorder
    private let finished = Atomic<Bool>(false)

    init(accounting: RequestAccounting, call: Task<HTTPClientResponse, any Error>, stats: StatsRecorder) {
        self.accounting = accounting
        self.call = call
        self.stats = stats
    }

    func finish(_ accounting: RequestAccounting, status: Int, errorClass: String?) {
        guard finished.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        stats.finish(accounting, status: status, errorClass: errorClass)
    }

    deinit {
        if !finished.load(ordering: .relaxed) {
            call.cancel()
            stats.finish(accounting, status: 200, errorClass: "client_disconnected")
        }
    }
}

/// What a stream reported, for accounting.
struct StreamOutcome: Sendable {
    var usage: TokenUsage?
    var model: String?
    var finishReason: String?
    /// The provider ended the stream with an error event.
    var ended = false
    var upstreamAccepted = false
    var upstreamEnded: Int64?
    var errorClass: String?
    var errorStatus: Int?
}

/// Timestamps and flags shared by the producer, the timer and the writer of one stream.
final class RelayState: Sendable {
    let started: Int64
    private let lastUpstreamNanos: Atomic<Int64>
    private let lastClientNanos: Atomic<Int64>
    private let firstChunkSeen = Atomic<Bool>(false)
    private let endedFlag = Atomic<Bool>(false)
    private let clientGoneFlag = Atomic<Bool>(false)
    private let timeout = Mutex<String?>(nil)
    /// Set when the timer ended the stream.
    var timeoutClass: String? {
        get { timeout.withLock { $0 } }
        set { timeout.withLock { $0 = newValue } }
    }

    init() {
        let now = Self.now()
        started = now
        lastUpstreamNanos = Atomic(now)
        lastClientNanos = Atomic(now)
    }

    static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

    var lastUpstream: Int64 { lastUpstreamNanos.load(ordering: .relaxed) }
    var lastClient: Int64 { lastClientNanos.load(ordering: .relaxed) }
    var sawFirstChunk: Bool { firstChunkSeen.load(ordering: .relaxed) }
    var clientGone: Bool { clientGoneFlag.load(ordering: .relaxed) }

    func upstreamActivity() { lastUpstreamNanos.store(Self.now(), ordering: .relaxed) }
    func clientWrite() { lastClientNanos.store(Self.now(), ordering: .relaxed) }
    func firstChunk() {
        if !firstChunkSeen.load(ordering: .relaxed) {
            firstChunkSeen.store(true, ordering: .relaxed)
            upstreamActivity()
        }
    }
    func markClientGone() { clientGoneFlag.store(true, ordering: .relaxed) }

    /// True for the first caller only.
    @discardableResult
    func tryEnd() -> Bool { endedFlag.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged }
}

/// Resumes a continuation exactly once, whichever of several racers comes first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, pending: Result<T, any Error>?, done: Bool)>((nil, nil, false))

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let pending: Result<T, any Error>? = state.withLock { state in
            if let pending = state.pending {
                state.done = true
                state.pending = nil
                return pending
            }
            state.continuation = continuation
            return nil
        }
        if let pending { continuation.resume(with: pending) }
    }

    func resume(with result: Result<T, any Error>) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            guard !state.done else { return nil }
            if let continuation = state.continuation {
                state.done = true
                state.continuation = nil
                return continuation
            }
            if state.pending == nil { state.pending = result }
            return nil
        }
        continuation?.resume(with: result)
    }
}
