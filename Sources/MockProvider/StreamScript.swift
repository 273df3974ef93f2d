/// The events of one streamed answer in order, each with the pause to take before writing it.
///
/// A state machine without I/O: the caller writes each step and performs the pauses.
/// Order: `keepalive` comments, opening chunks, token chunks, closing chunks, `[DONE]`. `drop_after=N` and
/// `stream_error_after=N` cut in after N token chunks (at most before the closing chunks); when both are given
/// for the same point the drop wins.
struct StreamScript {
    enum Step {
        /// `: keep-alive` comment.
        case keepAlive
        /// A `data:` chunk; `carriesUsage` marks the chunk holding the usage.
        case chunk(JSONValue, carriesUsage: Bool)
        /// A `data: {"error":...}` event; the stream then ends without `[DONE]`.
        case error(JSONValue)
        case done
        /// Close the connection now, mid-body.
        case drop
    }

    struct Options {
        var keepAlives = 0
        var keepAliveIntervalMs = 0
        var intervalMs = 0
        var dropAfter: Int?
        var errorAfter: Int?
    }

    private enum State {
        case keepAlives(sent: Int)
        case opening(Int)
        case tokens(Int)
        case closing(Int)
        case done
        case finished
    }

    private let answer: Answer
    private let wire: any WireFormat
    private let directives: MockDirectives
    private let options: Options
    private let opening: [JSONValue]
    private let tokenCount: Int
    private let dropAt: Int?
    private let errorAt: Int?
    private var state = State.keepAlives(sent: 0)
    private var eventsSent = 0

    init(answer: Answer, wire: any WireFormat, directives: MockDirectives, options: Options) {
        self.answer = answer
        self.wire = wire
        self.directives = directives
        self.options = options
        self.opening = wire.openingChunks(answer)
        let tokenCount = wire.tokenChunkCount(answer)
        self.tokenCount = tokenCount
        self.dropAt = options.dropAfter.map { min($0, tokenCount) }
        self.errorAt = options.errorAfter.map { min($0, tokenCount) }
    }

    mutating func next() -> (step: Step, pauseMs: Int)? {
        while true {
            switch state {
            case .keepAlives(let sent):
                if sent < options.keepAlives {
                    state = .keepAlives(sent: sent + 1)
                    return (.keepAlive, sent > 0 ? options.keepAliveIntervalMs : 0)
                }
                state = .opening(0)

            case .opening(let index):
                if index < opening.count {
                    state = .opening(index + 1)
                    return emit(.chunk(opening[index], carriesUsage: false))
                }
                state = .tokens(0)

            case .tokens(let index):
                if dropAt == index {
                    state = .finished
                    return emit(.drop)
                }
                if errorAt == index {
                    state = .finished
                    return emit(.error(wire.streamError(directives)))
                }
                if index < tokenCount {
                    state = .tokens(index + 1)
                    return emit(.chunk(wire.tokenChunk(answer, index: index), carriesUsage: false))
                }
                state = .closing(0)

            case .closing(let index):
                let closing = wire.closingChunks(answer)
                if index < closing.count {
                    state = .closing(index + 1)
                    return emit(.chunk(closing[index].chunk, carriesUsage: closing[index].carriesUsage))
                }
                state = .done

            case .done:
                state = .finished
                return (.done, 0)

            case .finished:
                return nil
            }
        }
    }

    /// The first data event follows the last keep-alive after `keepalive_ms`; later ones come `interval_ms` apart.
    private mutating func emit(_ step: Step) -> (step: Step, pauseMs: Int) {
        defer { eventsSent += 1 }
        if eventsSent > 0 { return (step, options.intervalMs) }
        return (step, options.keepAlives > 0 ? options.keepAliveIntervalMs : 0)
    }
}
