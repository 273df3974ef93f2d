/// Zhipu GLM: no `object`, no `finish_reason` key until the last chunk, usage always on the last chunk, business
/// error codes. See `Tests/Fixtures/providers/glm/`.
struct GLMWire: WireFormat {
    var flavor: MockFlavor { .glm }
    /// GLM's usage has no reasoning count.
    var reportsReasoningTokens: Bool { false }
    var streamsReasoningText: Bool { true }
    var streamContentType: String { "text/event-stream;charset=UTF-8" }
    var jsonContentType: String { "application/json; charset=UTF-8" }

    func answerID(sequence: Int) -> String { "20251023mock" + WireFormats.padded(sequence, width: 18) }
    func toolCallID(sequence: Int) -> String { "call_mock" + WireFormats.padded(sequence, width: 15) }

    /// GLM thinks when asked with `thinking:{"type":"enabled"}`.
    func reasonsByDefault(_ request: ChatRequest) -> Bool { request.thinking == "enabled" }

    // MARK: Stream

    func openingChunks(_ answer: Answer) -> [JSONValue] { [] }

    func reasoningChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue {
        chunk(
            answer,
            choice: .object([
                ("index", .int(0)), ("delta", .object([("role", .string("assistant")), ("reasoning_content", .string(piece))])),
            ]))
    }

    func contentChunk(_ answer: Answer, piece: String, index: Int) -> JSONValue {
        var delta: [(String, JSONValue)] = [("role", .string("assistant")), ("content", .string(piece))]
        if !answer.plan.reasoning.isEmpty { delta.append(("reasoning_content", .string(""))) }
        return chunk(answer, choice: .object([("index", .int(0)), ("delta", .object(delta))]))
    }

    /// Without `tool_stream`, the whole call arrives in one delta that already carries the finish reason.
    func toolCallChunkCount(_ call: ToolCall) -> Int { 1 }

    func toolCallChunk(_ answer: Answer, call: ToolCall, index: Int) -> JSONValue {
        let part = JSONValue.object([
            ("id", .string(call.id)), ("index", .int(0)), ("type", .string("function")),
            ("function", .object([("name", .string(call.name)), ("arguments", .string(call.arguments))])),
        ])
        return chunk(
            answer,
            choice: .object([
                ("index", .int(0)), ("finish_reason", .string(answer.plan.finishReason)),
                ("delta", .object([("tool_calls", .array([part]))])),
            ])
        )
    }

    /// The last chunk repeats the finish reason (after a tool call too) and carries the usage.
    func closingChunks(_ answer: Answer) -> [(chunk: JSONValue, carriesUsage: Bool)] {
        let choice = JSONValue.object([
            ("index", .int(0)), ("finish_reason", .string(answer.plan.finishReason)),
            ("delta", .object([("role", .string("assistant")), ("content", .string(""))])),
        ])
        return [(chunk(answer, choice: choice, usage: answer.plan.usage, last: true), answer.plan.usage != nil)]
    }

    func streamError(_ directives: MockDirectives) -> JSONValue {
        let code = directives.string("glm_code").flatMap { $0.isEmpty ? nil : $0 } ?? "500"
        return Self.body(code: code)
    }

    private func chunk(_ answer: Answer, choice: JSONValue, usage: MockUsage? = nil, last: Bool = false) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(answer.id)),
            ("created", .int(answer.created)),
            ("model", .string(answer.model)),
            ("choices", .array([choice])),
        ]
        if let usage { members.append(("usage", Self.usage(usage))) }
        if last, answer.plan.finishReason == "sensitive" {
            members.append(("content_filter", .array([.object([("role", .string("assistant")), ("level", .int(1))])])))
        }
        return .object(members)
    }

    static func usage(_ usage: MockUsage) -> JSONValue {
        .object([
            ("prompt_tokens", .int(usage.promptTokens)),
            ("completion_tokens", .int(usage.completionTokens)),
            ("total_tokens", .int(usage.totalTokens)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(usage.cachedTokens))])),
        ])
    }

    // MARK: Non-stream

    /// Keys in the order z.ai sends them (alphabetical); `request_id` echoes the request's or equals `id`.
    func completion(_ answer: Answer) -> JSONValue {
        var message: [(String, JSONValue)] = []
        switch answer.plan.output {
        case .text(let pieces): message.append(("content", .string(pieces.joined)))
        case .toolCall: message.append(("content", .string("")))
        }
        if !answer.plan.reasoning.isEmpty {
            message.append(("reasoning_content", .string(answer.plan.reasoning.joined())))
        }
        message.append(("role", .string("assistant")))
        if case .toolCall(let call) = answer.plan.output {
            message.append(
                (
                    "tool_calls",
                    .array([
                        .object([
                            ("function", .object([("arguments", .string(call.arguments)), ("name", .string(call.name))])),
                            ("id", .string(call.id)), ("index", .int(0)), ("type", .string("function")),
                        ])
                    ])
                )
            )
        }
        var members: [(String, JSONValue)] = [
            (
                "choices",
                .array([
                    .object([("finish_reason", .string(answer.plan.finishReason)), ("index", .int(0)), ("message", .object(message))])
                ])
            ),
            ("created", .int(answer.created)),
            ("id", .string(answer.id)),
            ("model", .string(answer.model)),
            ("request_id", .string(answer.request.requestID ?? answer.id)),
        ]
        if let usage = answer.plan.usage {
            members.append(
                (
                    "usage",
                    .object([
                        ("completion_tokens", .int(usage.completionTokens)),
                        ("prompt_tokens", .int(usage.promptTokens)),
                        ("prompt_tokens_details", .object([("cached_tokens", .int(usage.cachedTokens))])),
                        ("total_tokens", .int(usage.totalTokens)),
                    ])
                )
            )
        }
        return .object(members)
    }

    // MARK: Errors

    /// `glm_code=CODE` picks the business code (and, without `error=`, its usual status); `error=STATUS` alone
    /// picks a typical code for the status.
    func error(status: Int?, directives: MockDirectives) -> JSONAnswer {
        let givenCode = directives.string("glm_code").flatMap { $0.isEmpty ? nil : $0 }
        let code = givenCode ?? Self.defaultCode(status: status ?? 400)
        return JSONAnswer(status: status ?? Self.status(code: code), body: Self.body(code: code))
    }

    func unauthorized(presentedKey: String?) -> JSONAnswer {
        JSONAnswer(status: 401, body: Self.body(code: "1002"))
    }

    func invalidRequest(message: String) -> JSONAnswer {
        JSONAnswer(status: 400, body: .object([("error", .object([("code", .string("1214")), ("message", .string(message))]))]))
    }

    func models() -> JSONValue? { nil }

    /// The HTTP status GLM sends with a business code (fixtures README and provider-formats.md).
    static func status(code: String) -> Int {
        switch code {
        case "1000", "1001", "1002", "1003", "1004": 401
        case "1113", "1302", "1303", "1304", "1305", "1308", "1310": 429
        case "500": 500
        default: 400
        }
    }

    static func defaultCode(status: Int) -> String {
        switch status {
        case 400: "1214"
        case 401: "1002"
        case 404: "1211"
        case 429: "1302"
        case 500: "500"
        default: String(status)
        }
    }

    static func body(code: String) -> JSONValue {
        let error = JSONValue.object([("code", .string(code)), ("message", .string(message(code: code)))])
        if code == "1301" {
            return .object([("contentFilter", .array([.object([("level", .int(1)), ("role", .string("user"))])])), ("error", error)])
        }
        return .object([("error", error)])
    }

    static func message(code: String) -> String {
        switch code {
        case "1000": "Authentication failed."
        case "1001": "Authorization header is missing."
        case "1002": "Authorization Token非法，请确认Authorization Token正确传递。"
        case "1003": "Authorization Token已过期。"
        case "1004": "Authorization Token verification failed."
        case "1113": "Insufficient balance or no resource package. Please recharge."
        case "1211": "模型不存在，请检查模型代码。"
        case "1214": "messages 参数非法。请检查文档。"
        case "1261": "Prompt exceeds max length."
        case "1301": "系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语，感谢您的配合。"
        case "1302": "High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits."
        case "1303": "High frequency usage of this API, please reduce frequency or contact customer service to increase limits."
        case "500": "Internal error."
        default: "Mock error \(code)."
        }
    }
}
