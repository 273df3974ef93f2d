import Foundation
import Hummingbird
import NIOCore

/// `POST /anthropic/v1/messages`: Anthropic's Messages API (see ``MockNativeAPI``).
struct AnthropicRoute: Sendable {
    let responder: NativeResponder

    init(log: RequestLog) {
        responder = NativeResponder(api: .anthropic, log: log)
    }

    func messages(_ request: Request, context: MockRequestContext) async throws -> Response {
        let (entry, body) = try await responder.record(request)
        let pacer = ConnectionPacer(channel: context.channel)
        let key = request.headers[.init("x-api-key")!]
        guard key == MockCredentials.anthropicKey else {
            let message = key == nil || key == "" ? "x-api-key header is required" : "invalid x-api-key"
            return error(401, "authentication_error", message, entry: entry)
        }
        guard let version = request.headers[.init("anthropic-version")!], !version.isEmpty else {
            return error(400, "invalid_request_error", "anthropic-version: header is required", entry: entry)
        }
        let parsed: Parsed
        switch Self.parse(body) {
        case .failure(let problem): return error(400, "invalid_request_error", problem.message, entry: entry)
        case .success(let p): parsed = p
        }
        let directives = MockDirectives(parsing: parsed.lastUserText)
        try await responder.firstByteDelay(directives, pacer: pacer, entry: entry)
        if let status = directives.int("error") {
            let (type, message) = Self.errorKind(status)
            return error(status, type, message, entry: entry)
        }
        let reasoning = directives.has("reasoning") ? directives.flag("reasoning") : parsed.thinking
        let plan = NativePlan(
            api: .anthropic, allText: parsed.allText, lastUserText: parsed.lastUserText, directives: directives, tool: parsed.firstTool,
            reasoning: reasoning, maxTokens: parsed.maxTokens, stopReason: "end_turn", toolReason: "tool_use", lengthReason: "max_tokens",
            sequence: entry)
        let id = "msg_mock" + WireFormats.padded(entry, width: 16)
        if parsed.stream {
            return stream(plan, id: id, model: parsed.model, directives: directives, entry: entry, pacer: pacer)
        }
        return responder.json(status: 200, message(plan, id: id, model: parsed.model), entry: entry, usage: plan.usage)
    }

    // MARK: Answers

    func usage(_ plan: NativePlan, output: Int) -> JSONValue {
        .object([
            ("input_tokens", .int(plan.promptTokens - plan.cachedTokens)), ("cache_creation_input_tokens", .int(0)),
            ("cache_read_input_tokens", .int(plan.cachedTokens)), ("output_tokens", .int(output)), ("service_tier", .string("standard")),
        ])
    }

    func message(_ plan: NativePlan, id: String, model: String) -> JSONValue {
        var content: [JSONValue] = []
        if !plan.reasoning.isEmpty {
            content.append(.object([("type", .string("thinking")), ("thinking", .string(plan.reasoning.joined())), ("signature", .string("mock-signature"))]))
        }
        if let call = plan.toolCall {
            content.append(.object([("type", .string("tool_use")), ("id", .string(call.id)), ("name", .string(call.name)), ("input", .raw(call.arguments))]))
        } else {
            content.append(.object([("type", .string("text")), ("text", .string(plan.text))]))
        }
        return .object([
            ("id", .string(id)), ("type", .string("message")), ("role", .string("assistant")), ("model", .string(model)),
            ("content", .array(content)), ("stop_reason", .string(plan.finishReason)), ("stop_sequence", .null),
            ("usage", usage(plan, output: plan.completionTokens)),
        ])
    }

    /// The events of a streamed answer; `token` marks the deltas that count for `drop_after`/`stream_error_after`.
    func events(_ plan: NativePlan, id: String, model: String) -> [(name: String, data: JSONValue, token: Bool)] {
        var out: [(String, JSONValue, Bool)] = []
        out.append(("message_start", .object([
            ("type", .string("message_start")),
            ("message", .object([
                ("id", .string(id)), ("type", .string("message")), ("role", .string("assistant")), ("model", .string(model)),
                ("content", .array([])), ("stop_reason", .null), ("stop_sequence", .null), ("usage", usage(plan, output: 1)),
            ])),
        ]), false))
        var index = 0
        func start(_ block: JSONValue) {
            out.append(("content_block_start", .object([("type", .string("content_block_start")), ("index", .int(index)), ("content_block", block)]), false))
            if index == 0 { out.append(("ping", .object([("type", .string("ping"))]), false)) }
        }
        func delta(_ delta: JSONValue, token: Bool = true) {
            out.append(("content_block_delta", .object([("type", .string("content_block_delta")), ("index", .int(index)), ("delta", delta)]), token))
        }
        func stop() {
            out.append(("content_block_stop", .object([("type", .string("content_block_stop")), ("index", .int(index))]), false))
            index += 1
        }
        if !plan.reasoning.isEmpty {
            start(.object([("type", .string("thinking")), ("thinking", .string("")), ("signature", .string(""))]))
            for piece in plan.reasoning { delta(.object([("type", .string("thinking_delta")), ("thinking", .string(piece))])) }
            delta(.object([("type", .string("signature_delta")), ("signature", .string("mock-signature"))]), token: false)
            stop()
        }
        if let call = plan.toolCall {
            start(.object([("type", .string("tool_use")), ("id", .string(call.id)), ("name", .string(call.name)), ("input", .object([]))]))
            delta(.object([("type", .string("input_json_delta")), ("partial_json", .string(""))]))
            for fragment in call.fragments { delta(.object([("type", .string("input_json_delta")), ("partial_json", .string(fragment))])) }
            stop()
        } else {
            start(.object([("type", .string("text")), ("text", .string(""))]))
            for (i, piece) in plan.pieces.enumerated() {
                delta(.object([("type", .string("text_delta")), ("text", .string(piece))]))
                if i % 8 == 7 { out.append(("ping", .object([("type", .string("ping"))]), false)) }
            }
            stop()
        }
        out.append(("message_delta", .object([
            ("type", .string("message_delta")),
            ("delta", .object([("stop_reason", .string(plan.finishReason)), ("stop_sequence", .null)])),
            ("usage", .object([("output_tokens", .int(plan.completionTokens))])),
        ]), false))
        out.append(("message_stop", .object([("type", .string("message_stop"))]), false))
        return out
    }

    func stream(_ plan: NativePlan, id: String, model: String, directives: MockDirectives, entry: Int, pacer: ConnectionPacer) -> Response {
        let events = self.events(plan, id: id, model: model)
        let interval = directives.int("interval_ms") ?? 0
        let dropAfter = directives.int("drop_after"), errorAfter = directives.int("stream_error_after")
        let log = responder.log
        return responder.respond(status: 200, contentType: "text/event-stream; charset=utf-8", entry: entry) { writer in
            var tokens = 0
            var due = NIODeadline.now()
            for event in events {
                if event.token {
                    if dropAfter == tokens { throw ProviderEndpoint.DeliberateDrop() }
                    if errorAfter == tokens {
                        try await writer.write(Self.frame("error", Self.errorBody("overloaded_error", "Overloaded").body))
                        return
                    }
                    tokens += 1
                    if tokens > 1 {
                        due = max(due + .milliseconds(Int64(interval)), .now())
                        try await pacer.pause(until: due)
                    }
                }
                if event.name == "message_delta" {
                    if dropAfter != nil { throw ProviderEndpoint.DeliberateDrop() }
                    if errorAfter != nil {
                        try await writer.write(Self.frame("error", Self.errorBody("overloaded_error", "Overloaded").body))
                        return
                    }
                }
                try await writer.write(Self.frame(event.name, event.data))
                if event.name == "message_delta" { log.update(entry) { $0.reportedUsage = plan.usage } }
            }
        }
    }

    static func frame(_ name: String, _ data: JSONValue) -> ByteBuffer {
        ByteBuffer(string: "event: \(name)\ndata: \(data.serialized)\n\n")
    }

    // MARK: Errors

    static func errorBody(_ type: String, _ message: String, entry: Int = 0) -> JSONAnswer {
        JSONAnswer(status: 0, body: .object([
            ("type", .string("error")), ("error", .object([("type", .string(type)), ("message", .string(message))])),
            ("request_id", .string("req_mock" + WireFormats.padded(entry, width: 16))),
        ]))
    }

    func error(_ status: Int, _ type: String, _ message: String, entry: Int) -> Response {
        responder.json(status: status, Self.errorBody(type, message, entry: entry).body, entry: entry)
    }

    static func errorKind(_ status: Int) -> (String, String) {
        switch status {
        case 400: ("invalid_request_error", "messages: text content blocks must be non-empty")
        case 401: ("authentication_error", "invalid x-api-key")
        case 402: ("billing_error", "Your credit balance is too low to access the Anthropic API.")
        case 403: ("permission_error", "Your API key does not have permission to use the specified resource.")
        case 404: ("not_found_error", "model: claude-unknown")
        case 413: ("request_too_large", "Request exceeds the maximum allowed number of bytes.")
        case 429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
        case 504: ("timeout_error", "Request timed out")
        case 529: ("overloaded_error", "Overloaded")
        default: ("api_error", "Internal server error")
        }
    }

    // MARK: Requests

    struct Parsed {
        var model: String
        var maxTokens: Int
        var stream: Bool
        var thinking: Bool
        var allText: String
        var lastUserText: String
        var firstTool: (name: String, argument: String)?
    }

    struct Problem: Error {
        let message: String
    }

    /// Validates the body as Anthropic does, with its error messages.
    static func parse(_ body: [UInt8]) -> Result<Parsed, Problem> {
        guard let root = NativeJSON.object(body) else { return .failure(Problem(message: "There was an issue with the request body: invalid JSON")) }
        guard let model = root["model"] as? String, !model.isEmpty else { return .failure(Problem(message: "model: Field required")) }
        guard root["max_tokens"] != nil else { return .failure(Problem(message: "max_tokens: Field required")) }
        guard let maxTokens = NativeJSON.int(root["max_tokens"]), maxTokens >= 1 else {
            return .failure(Problem(message: "max_tokens: Input should be a valid integer greater than or equal to 1"))
        }
        guard let messages = root["messages"] as? [[String: Any]], !messages.isEmpty else {
            return .failure(Problem(message: "messages: at least one message is required"))
        }
        if let t = root["temperature"] {
            guard let value = NativeJSON.double(t), (0...1).contains(value) else {
                return .failure(Problem(message: "temperature: Input should be less than or equal to 1"))
            }
        }
        if let stops = root["stop_sequences"], !(stops is [String]) {
            return .failure(Problem(message: "stop_sequences: Input should be a valid list of strings"))
        }
        var all = ""
        if let system = root["system"] {
            guard system is String || system is [[String: Any]] else { return .failure(Problem(message: "system: Input should be a valid string")) }
            all += NativeJSON.text(system)
        }
        var toolUses: Set<String> = []
        var lastUser = ""
        for (i, message) in messages.enumerated() {
            guard let role = message["role"] as? String, role == "user" || role == "assistant" else {
                let role = message["role"] as? String ?? "null"
                return .failure(Problem(message: "messages.\(i).role: Input should be 'user' or 'assistant' (got '\(role)'); use the top-level system parameter for system prompts"))
            }
            let content = message["content"]
            if let text = content as? String {
                all += text
                if role == "user" { lastUser = text }
                continue
            }
            guard let blocks = content as? [[String: Any]], !blocks.isEmpty else {
                return .failure(Problem(message: "messages.\(i).content: Input should be a valid string or a non-empty list of content blocks"))
            }
            var userText = ""
            for (k, block) in blocks.enumerated() {
                switch block["type"] as? String {
                case "text":
                    guard let text = block["text"] as? String, !text.isEmpty else {
                        return .failure(Problem(message: "messages.\(i).content.\(k).text: text content blocks must be non-empty"))
                    }
                    all += text
                    userText += text
                case "image":
                    guard let source = block["source"] as? [String: Any], let type = source["type"] as? String,
                          (type == "base64" && source["data"] is String && source["media_type"] is String) || (type == "url" && source["url"] is String) else {
                        return .failure(Problem(message: "messages.\(i).content.\(k).source: invalid image source"))
                    }
                case "tool_use":
                    guard role == "assistant", let id = block["id"] as? String, block["name"] is String, block["input"] is [String: Any] else {
                        return .failure(Problem(message: "messages.\(i).content.\(k): tool_use blocks need an id, a name and an input object, in assistant turns"))
                    }
                    toolUses.insert(id)
                case "tool_result":
                    guard role == "user", let id = block["tool_use_id"] as? String else {
                        return .failure(Problem(message: "messages.\(i).content.\(k): tool_result blocks need a tool_use_id, in user turns"))
                    }
                    guard toolUses.contains(id) else {
                        return .failure(Problem(message: "messages.\(i).content.\(k): unexpected `tool_use_id` found in `tool_result` blocks: \(id). Each `tool_result` block must have a corresponding `tool_use` block in the previous message."))
                    }
                    all += NativeJSON.text(block["content"])
                case "thinking", "redacted_thinking", "document":
                    continue
                default:
                    return .failure(Problem(message: "messages.\(i).content.\(k).type: unknown content block type"))
                }
            }
            if role == "user", !userText.isEmpty { lastUser = userText }
        }
        var firstTool: (String, String)?
        if let tools = root["tools"] {
            guard let list = tools as? [[String: Any]] else { return .failure(Problem(message: "tools: Input should be a valid list")) }
            for (k, tool) in list.enumerated() {
                guard let name = tool["name"] as? String, let schema = tool["input_schema"] as? [String: Any] else {
                    return .failure(Problem(message: "tools.\(k): name and input_schema are required"))
                }
                if firstTool == nil {
                    let required = schema["required"] as? [String]
                    let properties = (schema["properties"] as? [String: Any])?.keys.sorted()
                    firstTool = (name, required?.first ?? properties?.first ?? "city")
                }
            }
        }
        let thinking = (root["thinking"] as? [String: Any])?["type"] as? String == "enabled"
        return .success(Parsed(model: model, maxTokens: maxTokens, stream: root["stream"] as? Bool ?? false, thinking: thinking,
                               allText: all, lastUserText: lastUser, firstTool: firstTool))
    }
}
