/// DeepSeek: the OpenAI shape plus `reasoning_content`, cache hit/miss usage on the finish chunk, generic errors.
/// See `Tests/Fixtures/providers/deepseek/`.
struct DeepSeekWire: WireFormat {
    var flavor: MockFlavor { .deepseek }
    var reportsReasoningTokens: Bool { true }
    var streamsReasoningText: Bool { true }
    var streamContentType: String { "text/event-stream; charset=utf-8" }
    var jsonContentType: String { "application/json" }

    static let systemFingerprint = "fp_mock0deepseek_prod0820_fp8_kvcache"

    /// UUID-shaped, as DeepSeek's ids are.
    func answerID(sequence: Int) -> String { "00000000-0000-4000-8000-" + WireFormats.padded(sequence, width: 12) }
    func toolCallID(sequence: Int) -> String { "call_00_mock" + WireFormats.padded(sequence, width: 12) }

    /// `thinking:{"type":"enabled|disabled"}` decides; without it, models named like `deepseek-reasoner` think.
    func reasonsByDefault(_ request: ChatRequest) -> Bool {
        switch request.thinking {
        case "enabled": true
        case "disabled": false
        default: request.model.contains("reasoner")
        }
    }

    // MARK: Stream

    func openingChunks(_ answer: Answer) -> [JSONValue] {
        let delta: JSONValue =
            answer.plan.reasoning.isEmpty
            ? .object([("role", .string("assistant")), ("content", .string(""))])
            : .object([("role", .string("assistant")), ("content", .null), ("reasoning_content", .string(""))])
        return [chunk(answer, delta: delta)]
    }

    func reasoningChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue {
        chunk(answer, delta: .object([("content", .null), ("reasoning_content", .string(piece))]))
    }

    func contentChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue {
        let delta: JSONValue =
            answer.plan.reasoning.isEmpty
            ? .object([("content", .string(piece))])
            : .object([("content", .string(piece)), ("reasoning_content", .null)])
        return chunk(answer, delta: delta)
    }

    func toolCallChunkCount(_ call: ToolCall) -> Int { call.tokens }

    func toolCallChunk(_ answer: Answer, call: ToolCall, index: Int) -> JSONValue {
        let part: JSONValue
        if index == 0 {
            part = .object([
                ("index", .int(0)), ("id", .string(call.id)), ("type", .string("function")),
                ("function", .object([("name", .string(call.name)), ("arguments", .string(""))])),
            ])
        } else {
            part = .object([("index", .int(0)), ("function", .object([("arguments", .string(call.fragments[index - 1]))]))])
        }
        return chunk(answer, delta: .object([("tool_calls", .array([part]))]))
    }

    /// Usage rides on the finish chunk, whatever `stream_options` says.
    func closingChunks(_ answer: Answer) -> [(chunk: JSONValue, carriesUsage: Bool)] {
        let delta: JSONValue =
            answer.plan.reasoning.isEmpty
            ? .object([("content", .string(""))])
            : .object([("content", .string("")), ("reasoning_content", .null)])
        let usage = answer.plan.usage
        return [(chunk(answer, delta: delta, finishReason: answer.plan.finishReason, usage: usage), usage != nil)]
    }

    func streamError(_ directives: MockDirectives) -> JSONValue {
        error(status: 500, directives: directives).body
    }

    private func chunk(_ answer: Answer, delta: JSONValue, finishReason: String? = nil, usage: MockUsage? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(answer.id)),
            ("object", .string("chat.completion.chunk")),
            ("created", .int(answer.created)),
            ("model", .string(answer.model)),
            ("system_fingerprint", .string(Self.systemFingerprint)),
            (
                "choices",
                .array([
                    .object([("index", .int(0)), ("delta", delta), ("logprobs", .null), ("finish_reason", .optional(finishReason))])
                ])
            ),
        ]
        if let usage { members.append(("usage", Self.usage(usage))) }
        return .object(members)
    }

    /// `completion_tokens_details` appears only when the model reasoned, as on `deepseek-chat` versus the reasoner.
    static func usage(_ usage: MockUsage) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("prompt_tokens", .int(usage.promptTokens)),
            ("completion_tokens", .int(usage.completionTokens)),
            ("total_tokens", .int(usage.totalTokens)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(usage.cachedTokens))])),
        ]
        if usage.reasoningTokens > 0 {
            members.append(("completion_tokens_details", .object([("reasoning_tokens", .int(usage.reasoningTokens))])))
        }
        members.append(("prompt_cache_hit_tokens", .int(usage.cachedTokens)))
        members.append(("prompt_cache_miss_tokens", .int(usage.promptTokens - usage.cachedTokens)))
        return .object(members)
    }

    // MARK: Non-stream

    func completion(_ answer: Answer) -> JSONValue {
        var message: [(String, JSONValue)] = [("role", .string("assistant"))]
        switch answer.plan.output {
        case .text(let pieces):
            message.append(("content", .string(pieces.joined)))
        case .toolCall:
            message.append(("content", .string("")))
        }
        if !answer.plan.reasoning.isEmpty {
            message.append(("reasoning_content", .string(answer.plan.reasoning.joined())))
        }
        if case .toolCall(let call) = answer.plan.output {
            message.append(
                (
                    "tool_calls",
                    .array([
                        .object([
                            ("index", .int(0)), ("id", .string(call.id)), ("type", .string("function")),
                            ("function", .object([("name", .string(call.name)), ("arguments", .string(call.arguments))])),
                        ])
                    ])
                )
            )
        }
        var members: [(String, JSONValue)] = [
            ("id", .string(answer.id)),
            ("object", .string("chat.completion")),
            ("created", .int(answer.created)),
            ("model", .string(answer.model)),
            (
                "choices",
                .array([
                    .object([
                        ("index", .int(0)), ("message", .object(message)), ("logprobs", .null),
                        ("finish_reason", .string(answer.plan.finishReason)),
                    ])
                ])
            ),
        ]
        if let usage = answer.plan.usage { members.append(("usage", Self.usage(usage))) }
        members.append(("system_fingerprint", .string(Self.systemFingerprint)))
        return .object(members)
    }

    // MARK: Errors

    /// DeepSeek's bodies are OpenAI-shaped but generic: classify by status, not by `type`/`code`.
    func error(status: Int?, directives: MockDirectives) -> JSONAnswer {
        let status = status ?? 500
        switch status {
        case 400: return Self.error(status, "Invalid request format", type: "invalid_request_error")
        case 401: return unauthorized(presentedKey: "sk-mock-wrong")
        case 402: return Self.error(status, "Insufficient Balance", type: "unknown_error")
        case 422: return Self.error(status, "Invalid Parameters", type: "invalid_request_error")
        case 429: return Self.error(status, "Rate Limit Reached", type: "unknown_error")
        case 500: return Self.error(status, "Server Error", type: "unknown_error")
        case 503: return Self.error(status, "Server Overloaded", type: "unknown_error")
        default: return Self.error(status, "Mock error with status \(status)", type: "unknown_error")
        }
    }

    func unauthorized(presentedKey: String?) -> JSONAnswer {
        let tail = String((presentedKey ?? "").suffix(4))
        return Self.error(401, "Authentication Fails, Your api key: ****\(tail) is invalid", type: "authentication_error")
    }

    func invalidRequest(message: String) -> JSONAnswer {
        Self.error(400, message, type: "invalid_request_error")
    }

    func models() -> JSONValue? {
        let model = { (id: String) -> JSONValue in
            .object([("id", .string(id)), ("object", .string("model")), ("owned_by", .string("deepseek"))])
        }
        return .object([("object", .string("list")), ("data", .array([model("deepseek-chat"), model("deepseek-reasoner")]))])
    }

    static func error(_ status: Int, _ message: String, type: String) -> JSONAnswer {
        JSONAnswer(
            status: status,
            body: .object([
                (
                    "error",
                    .object([
                        ("message", .string(message)), ("type", .string(type)), ("param", .null),
                        ("code", .string("invalid_request_error")),
                    ])
                )
            ])
        )
    }
}
