/// OpenAI Chat Completions, as in `Tests/Fixtures/providers/openai/`.
struct OpenAIWire: WireFormat {
    var flavor: MockFlavor { .openai }
    var reportsReasoningTokens: Bool { true }
    var streamsReasoningText: Bool { false }
    var streamContentType: String { "text/event-stream; charset=utf-8" }
    var jsonContentType: String { "application/json" }

    static let systemFingerprint = "fp_mock0openai"

    func answerID(sequence: Int) -> String { "chatcmpl-mock" + WireFormats.padded(sequence, width: 8) }
    func toolCallID(sequence: Int) -> String { "call_mock" + WireFormats.padded(sequence, width: 8) }
    func reasonsByDefault(_ request: ChatRequest) -> Bool { false }

    // MARK: Stream

    func openingChunks(_ answer: Answer) -> [JSONValue] {
        // A tool answer opens with the call head, which carries the role (see `toolCallChunk`).
        guard case .text = answer.plan.output else { return [] }
        let delta = JSONValue.object([("role", .string("assistant")), ("content", .string("")), ("refusal", .null)])
        return [chunk(answer, choices: [choice(delta: delta, finishReason: nil)], serial: 0)]
    }

    func reasoningChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue {
        preconditionFailure("OpenAI does not stream reasoning text")
    }

    func contentChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue {
        chunk(answer, choices: [choice(delta: .object([("content", .string(piece))]), finishReason: nil)], serial: index + 1)
    }

    func toolCallChunkCount(_ call: ToolCall) -> Int { call.tokens }

    func toolCallChunk(_ answer: Answer, call: ToolCall, index: Int) -> JSONValue {
        let delta: JSONValue
        if index == 0 {
            let head = JSONValue.object([
                ("index", .int(0)), ("id", .string(call.id)), ("type", .string("function")),
                ("function", .object([("name", .string(call.name)), ("arguments", .string(""))])),
            ])
            delta = .object([
                ("role", .string("assistant")), ("content", .null), ("tool_calls", .array([head])), ("refusal", .null),
            ])
        } else {
            let fragment = JSONValue.object([
                ("index", .int(0)), ("function", .object([("arguments", .string(call.fragments[index - 1]))])),
            ])
            delta = .object([("tool_calls", .array([fragment]))])
        }
        return chunk(answer, choices: [choice(delta: delta, finishReason: nil)], serial: index)
    }

    func closingChunks(_ answer: Answer) -> [(chunk: JSONValue, carriesUsage: Bool)] {
        let finish = chunk(answer, choices: [choice(delta: .object([]), finishReason: answer.plan.finishReason)], serial: 1)
        guard answer.request.includeUsage, let usage = answer.plan.usage else { return [(finish, false)] }
        return [(finish, false), (chunk(answer, choices: [], usage: Self.usage(usage), serial: 2), true)]
    }

    func streamError(_ directives: MockDirectives) -> JSONValue {
        error(status: 500, directives: directives).body
    }

    /// Every chunk repeats id, object, created, model, service tier and fingerprint. With `include_usage` each
    /// carries `usage` (null until the final `choices:[]` chunk); `obfuscation` pads every chunk unless disabled.
    private func chunk(_ answer: Answer, choices: [JSONValue], usage: JSONValue = .null, serial: Int) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(answer.id)),
            ("object", .string("chat.completion.chunk")),
            ("created", .int(answer.created)),
            ("model", .string(answer.model)),
            ("service_tier", .string("default")),
            ("system_fingerprint", .string(Self.systemFingerprint)),
            ("choices", .array(choices)),
        ]
        if answer.request.includeUsage, answer.plan.usage != nil {
            members.append(("usage", usage))
        }
        if answer.request.includeObfuscation {
            members.append(("obfuscation", .string(String("mK3vT9n2Lr8sWq1Zp0hY6".prefix(2 + serial % 18)))))
        }
        return .object(members)
    }

    private func choice(delta: JSONValue, finishReason: String?) -> JSONValue {
        .object([("index", .int(0)), ("delta", delta), ("logprobs", .null), ("finish_reason", .optional(finishReason))])
    }

    static func usage(_ usage: MockUsage) -> JSONValue {
        .object([
            ("prompt_tokens", .int(usage.promptTokens)),
            ("completion_tokens", .int(usage.completionTokens)),
            ("total_tokens", .int(usage.totalTokens)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(usage.cachedTokens)), ("audio_tokens", .int(0))])),
            (
                "completion_tokens_details",
                .object([
                    ("reasoning_tokens", .int(usage.reasoningTokens)), ("audio_tokens", .int(0)),
                    ("accepted_prediction_tokens", .int(0)), ("rejected_prediction_tokens", .int(0)),
                ])
            ),
        ])
    }

    // MARK: Non-stream

    func completion(_ answer: Answer) -> JSONValue {
        var message: [(String, JSONValue)] = [("role", .string("assistant"))]
        switch answer.plan.output {
        case .text(let pieces):
            message.append(("content", .string(pieces.joined)))
        case .toolCall(let call):
            message.append(("content", .null))
            message.append(
                (
                    "tool_calls",
                    .array([
                        .object([
                            ("id", .string(call.id)), ("type", .string("function")),
                            ("function", .object([("name", .string(call.name)), ("arguments", .string(call.arguments))])),
                        ])
                    ])
                )
            )
        }
        message.append(("refusal", .null))
        message.append(("annotations", .array([])))
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
        if let usage = answer.plan.usage {
            members.append(("usage", Self.usage(usage)))
        }
        members.append(("service_tier", .string("default")))
        members.append(("system_fingerprint", .string(Self.systemFingerprint)))
        return .object(members)
    }

    // MARK: Errors

    func error(status: Int?, directives: MockDirectives) -> JSONAnswer {
        let status = status ?? 500
        switch status {
        case 400:
            return Self.error(
                status,
                "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. "
                    + "Please reduce the length of the messages.",
                type: "invalid_request_error", param: "messages", code: "context_length_exceeded"
            )
        case 401:
            return unauthorized(presentedKey: "sk-mock-wrong")
        case 404:
            return Self.error(
                status, "The model does not exist or you do not have access to it.",
                type: "invalid_request_error", param: nil, code: "model_not_found"
            )
        case 429 where directives.has("quota"):
            return Self.error(
                status,
                "You exceeded your current quota, please check your plan and billing details. For more information on "
                    + "this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
                type: "insufficient_quota", param: nil, code: "insufficient_quota"
            )
        case 429:
            return Self.error(
                status,
                "Rate limit reached for gpt-4o-mini in organization org-mock on tokens per min (TPM): Limit 200000, "
                    + "Used 199512, Requested 1204. Please try again in 214ms. Visit "
                    + "https://platform.openai.com/account/rate-limits to learn more.",
                type: "tokens", param: nil, code: "rate_limit_exceeded"
            )
        case 500:
            return Self.error(
                status, "The server had an error while processing your request. Sorry about that!",
                type: "server_error", param: nil, code: nil
            )
        case 503:
            return Self.error(
                status, "The engine is currently overloaded, please try again later.",
                type: "server_error", param: nil, code: nil
            )
        default:
            return Self.error(
                status, "Mock error with status \(status).",
                type: status >= 500 ? "server_error" : "invalid_request_error", param: nil, code: nil
            )
        }
    }

    func unauthorized(presentedKey: String?) -> JSONAnswer {
        guard let key = presentedKey, !key.isEmpty else {
            return Self.error(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using "
                    + "Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                type: "invalid_request_error", param: nil, code: "invalid_api_key"
            )
        }
        return Self.error(
            401,
            "Incorrect API key provided: \(Self.masked(key)). You can find your API key at "
                + "https://platform.openai.com/account/api-keys.",
            type: "invalid_request_error", param: nil, code: "invalid_api_key"
        )
    }

    func invalidRequest(message: String) -> JSONAnswer {
        Self.error(400, message, type: "invalid_request_error", param: nil, code: nil)
    }

    func models() -> JSONValue? {
        .object([
            ("object", .string("list")),
            (
                "data",
                .array([
                    Self.model("gpt-4o-mini", created: 1_721_172_741),
                    Self.model("gpt-4o", created: 1_715_367_049),
                ])
            ),
        ])
    }

    private static func model(_ id: String, created: Int) -> JSONValue {
        .object([("id", .string(id)), ("object", .string("model")), ("created", .int(created)), ("owned_by", .string("system"))])
    }

    static func error(_ status: Int, _ message: String, type: String, param: String?, code: String?) -> JSONAnswer {
        JSONAnswer(
            status: status,
            body: .object([
                (
                    "error",
                    .object([
                        ("message", .string(message)), ("type", .string(type)), ("param", .optional(param)), ("code", .optional(code)),
                    ])
                )
            ])
        )
    }

    /// `sk-mo****************wxyz`: the first five and last four characters, as OpenAI masks keys.
    static func masked(_ key: String) -> String {
        guard key.count > 9 else { return String(repeating: "*", count: key.count) }
        return key.prefix(5) + String(repeating: "*", count: key.count - 9) + key.suffix(4)
    }
}
