/// Handles the `data:` payloads of an OpenAI-style SSE stream (everything but `[DONE]`).
public protocol SSEPayloadHandler {
    /// Handles one payload. `terminated` is false for a last event that the body ended in the middle of
    /// (it has already been checked to be a complete JSON object).
    /// - Returns: whether the answer is now complete, or ended by an error event.
    mutating func handle(_ payload: UnsafeRawBufferPointer, terminated: Bool, emit: Emitter) throws(AdapterError)
        -> SSEPayloadOutcome
}

/// What one payload meant for the stream as a whole.
public enum SSEPayloadOutcome: Sendable {
    /// Nothing decisive.
    case more
    /// A `finish_reason` arrived: the answer is complete (a usage chunk and `[DONE]` may still follow).
    case completed
    /// An error event was emitted: the stream is over and later bytes are ignored.
    case ended
}

/// The stream translator shared by OpenAI-compatible providers: SSE framing, comments, `[DONE]`, "was it cut
/// short?", and bounded buffering. The provider-specific work is in the `Handler`.
public final class SSEChatStream<Handler: SSEPayloadHandler>: StreamTranslator {
    public private(set) var handler: Handler
    private var framer: SSEFramer
    private var items: [SSEFramer.Item] = []
    private var sawDone = false
    private var completed = false
    private var ended = false
    /// Number of comment lines seen (DeepSeek keep-alives); only for diagnostics.
    public private(set) var comments = 0

    public init(handler: Handler, maximumEventSize: Int = SSEFramer.defaultMaximumEventSize) {
        self.handler = handler
        self.framer = SSEFramer(maximumEventSize: maximumEventSize)
    }

    public func feed(_ bytes: UnsafeRawBufferPointer, emit: Emitter) throws(AdapterError) {
        if ended || sawDone { return }
        items.removeAll(keepingCapacity: true)
        do {
            try framer.feed(bytes, into: &items)
        } catch {
            throw AdapterError.upstreamFormat(error.description)
        }
        try process(emit: emit)
    }

    public func finish(emit: Emitter) throws(AdapterError) {
        if !(ended || sawDone) {
            items.removeAll(keepingCapacity: true)
            framer.finish(into: &items)
            try process(emit: emit)
        }
        if ended || sawDone || completed { return }
        throw AdapterError.upstreamFormat("the upstream stream ended before [DONE] or a finish_reason (cut short)")
    }

    private func process(emit: Emitter) throws(AdapterError) {
        for item in items {
            if ended || sawDone { return }
            switch item {
            case .comment:
                comments += 1
            case .event(let event):
                let result: Result<SSEPayloadOutcome?, AdapterError> = event.data.withUnsafeBytes { raw in
                    if JSONScan.trimmedEquals(raw, "[DONE]") {
                        sawDone = true
                        return .success(nil)
                    }
                    if JSONScan.trimmedEquals(raw, "") { return .success(nil) }  // `data:` with nothing: ignore
                    if !event.terminated, !JSONScan.isObject(raw) {
                        return .success(nil)  // a half-received last event: the stream was cut; finish() says so
                    }
                    do throws(AdapterError) {
                        return .success(try handler.handle(raw, terminated: event.terminated, emit: emit))
                    } catch {
                        return .failure(error)
                    }
                }
                switch try result.get() {
                case .completed?: completed = true
                case .ended?: ended = true
                case .more?, nil: break
                }
            }
        }
    }
}
