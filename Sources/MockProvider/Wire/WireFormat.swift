/// How one provider spells answers, stream chunks and errors on the wire.
///
/// A stream is written as: opening chunks, then token chunks (reasoning pieces the provider shows, then the output:
/// text pieces or tool-call parts), then closing chunks (finish reason, usage), then `data: [DONE]`. Only token
/// chunks count for `drop_after`, `stream_error_after` and `interval_ms`.
protocol WireFormat: Sendable {
    var flavor: MockFlavor { get }

    /// The completion id for the n-th request the mock answers.
    func answerID(sequence: Int) -> String
    /// The tool-call id for the n-th request the mock answers.
    func toolCallID(sequence: Int) -> String
    /// Whether the provider puts `reasoning_tokens` in its usage; when not, the recorded usage says 0.
    var reportsReasoningTokens: Bool { get }
    /// Whether this request gets reasoning, before the `reasoning` directive is applied.
    func reasonsByDefault(_ request: ChatRequest) -> Bool

    var streamContentType: String { get }
    var jsonContentType: String { get }

    func openingChunks(_ answer: Answer) -> [JSONValue]
    /// Whether reasoning pieces are streamed as text (OpenAI only counts them).
    var streamsReasoningText: Bool { get }
    func reasoningChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue
    func contentChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue
    func toolCallChunkCount(_ call: ToolCall) -> Int
    func toolCallChunk(_ answer: Answer, call: ToolCall, index: Int) -> JSONValue
    /// The chunks after the output; `carriesUsage` marks the one holding the usage.
    func closingChunks(_ answer: Answer) -> [(chunk: JSONValue, carriesUsage: Bool)]
    /// The `data: {"error":...}` event sent by `stream_error_after`.
    func streamError(_ directives: MockDirectives) -> JSONValue

    /// The non-stream answer.
    func completion(_ answer: Answer) -> JSONValue

    /// The body for `error=STATUS` (and `glm_code=CODE` on GLM).
    func error(status: Int?, directives: MockDirectives) -> JSONAnswer
    /// The answer to a missing or wrong key.
    func unauthorized(presentedKey: String?) -> JSONAnswer
    /// The answer to a body that is not a chat request.
    func invalidRequest(message: String) -> JSONAnswer
    /// `GET /models`, when the provider has one.
    func models() -> JSONValue?
}

extension WireFormat {
    /// The number of token chunks a stream of this answer has.
    func tokenChunkCount(_ answer: Answer) -> Int {
        let reasoning = streamsReasoningText ? answer.plan.reasoning.count : 0
        switch answer.plan.output {
        case .text(let pieces): return reasoning + pieces.count
        case .toolCall(let call): return reasoning + toolCallChunkCount(call)
        }
    }

    /// The i-th token chunk.
    func tokenChunk(_ answer: Answer, index: Int) -> JSONValue {
        let reasoning = streamsReasoningText ? answer.plan.reasoning.count : 0
        if index < reasoning {
            return reasoningChunk(answer, piece: answer.plan.reasoning[index], index: index)
        }
        switch answer.plan.output {
        case .text(let pieces):
            return contentChunk(answer, piece: pieces[index - reasoning], index: index - reasoning)
        case .toolCall(let call):
            return toolCallChunk(answer, call: call, index: index - reasoning)
        }
    }
}

/// Wire formats by flavor.
enum WireFormats {
    static func format(for flavor: MockFlavor) -> any WireFormat {
        switch flavor {
        case .openai: OpenAIWire()
        case .deepseek: DeepSeekWire()
        case .glm: GLMWire()
        }
    }

    /// `<prefix><sequence, zero-padded to width>`.
    static func padded(_ sequence: Int, width: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
