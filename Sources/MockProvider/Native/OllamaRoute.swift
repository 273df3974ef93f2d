import Foundation
import Hummingbird
import NIOCore

/// `POST /ollama/api/chat`: Ollama's native chat API (see ``MockNativeAPI``).
struct OllamaRoute: Sendable {
    let responder: NativeResponder

    init(log: RequestLog) {
        responder = NativeResponder(api: .ollama, log: log)
    }

    func chat(_ request: Request, context: MockRequestContext) async throws -> Response {
        let (entry, body) = try await responder.record(request)
        let pacer = ConnectionPacer(channel: context.channel)
        if let authorization = request.headers[.authorization], authorization != "Bearer \(MockCredentials.ollamaKey)" {
            return error(401, "unauthorized", entry: entry)
        }
        let parsed: Parsed
        switch Self.parse(body) {
        case .failure(let problem): return error(400, problem.message, entry: entry)
        case .success(let p): parsed = p
        }
        guard MockNativeAPI.ollamaModels.contains(parsed.model) else {
            return error(404, "model \"\(parsed.model)\" not found, try pulling it first", entry: entry)
        }
        let directives = MockDirectives(parsing: parsed.lastUserText)
        try await responder.firstByteDelay(directives, pacer: pacer, entry: entry)
        if let status = directives.int("error") {
            return error(status, status == 429 ? "server busy, please try again. maximum pending requests exceeded" : "llama runner process has terminated: exit status 2", entry: entry)
        }
        let reasoning = directives.has("reasoning") ? directives.flag("reasoning") : parsed.think
        let plan = NativePlan(
            api: .ollama, allText: parsed.allText, lastUserText: parsed.lastUserText, directives: directives, tool: parsed.firstTool,
            reasoning: reasoning, maxTokens: parsed.numPredict, stopReason: "stop", toolReason: "stop", lengthReason: "length", sequence: entry)
        if parsed.stream {
            return stream(plan, model: parsed.model, directives: directives, entry: entry, pacer: pacer)
        }
        var message: [(String, JSONValue)] = [("role", .string("assistant")), ("content", .string(plan.text))]
        if !plan.reasoning.isEmpty { message.append(("thinking", .string(plan.reasoning.joined()))) }
        if let call = plan.toolCall { message.append(("tool_calls", .array([Self.toolCall(call)]))) }
        return responder.json(status: 200, final(plan, model: parsed.model, message: .object(message)), entry: entry, usage: plan.usage)
    }

    static let createdAt = "2025-10-23T10:12:13.416799Z"

    static func toolCall(_ call: ToolCall) -> JSONValue {
        .object([("function", .object([("name", .string(call.name)), ("arguments", .raw(call.arguments))]))])
    }

    /// The last object of an answer: `done`, the reason and the counts.
    func final(_ plan: NativePlan, model: String, message: JSONValue) -> JSONValue {
        .object([
            ("model", .string(model)), ("created_at", .string(Self.createdAt)), ("message", message), ("done", .bool(true)),
            ("done_reason", .string(plan.finishReason)), ("total_duration", .int(5_191_566_416)), ("load_duration", .int(2_154_458)),
            ("prompt_eval_count", .int(plan.promptTokens)), ("prompt_eval_duration", .int(383_809_000)),
            ("eval_count", .int(plan.completionTokens)), ("eval_duration", .int(4_799_921_000)),
        ])
    }

    func line(model: String, message: JSONValue) -> JSONValue {
        .object([("model", .string(model)), ("created_at", .string(Self.createdAt)), ("message", message), ("done", .bool(false))])
    }

    func stream(_ plan: NativePlan, model: String, directives: MockDirectives, entry: Int, pacer: ConnectionPacer) -> Response {
        var lines: [(JSONValue, Bool)] = []
        for piece in plan.reasoning {
            lines.append((line(model: model, message: .object([("role", .string("assistant")), ("content", .string("")), ("thinking", .string(piece))])), true))
        }
        if let call = plan.toolCall {
            lines.append((line(model: model, message: .object([
                ("role", .string("assistant")), ("content", .string("")), ("tool_calls", .array([Self.toolCall(call)])),
            ])), true))
        } else {
            for piece in plan.pieces {
                lines.append((line(model: model, message: .object([("role", .string("assistant")), ("content", .string(piece))])), true))
            }
        }
        let last = final(plan, model: model, message: .object([("role", .string("assistant")), ("content", .string(""))]))
        let interval = directives.int("interval_ms") ?? 0
        let dropAfter = directives.int("drop_after"), errorAfter = directives.int("stream_error_after")
        let log = responder.log
        let tokenLines = lines
        return responder.respond(status: 200, contentType: "application/x-ndjson", entry: entry) { writer in
            var due = NIODeadline.now()
            for (tokens, entryLine) in tokenLines.enumerated() {
                if dropAfter == tokens { throw ProviderEndpoint.DeliberateDrop() }
                if errorAfter == tokens {
                    try await writer.write(ByteBuffer(string: #"{"error":"an error was encountered while running the model: unexpected EOF"}"# + "\n"))
                    return
                }
                if tokens > 0 {
                    due = max(due + .milliseconds(Int64(interval)), .now())
                    try await pacer.pause(until: due)
                }
                try await writer.write(ByteBuffer(string: entryLine.0.serialized + "\n"))
            }
            if dropAfter != nil { throw ProviderEndpoint.DeliberateDrop() }
            if errorAfter != nil {
                try await writer.write(ByteBuffer(string: #"{"error":"an error was encountered while running the model: unexpected EOF"}"# + "\n"))
                return
            }
            try await writer.write(ByteBuffer(string: last.serialized + "\n"))
            log.update(entry) { $0.reportedUsage = plan.usage }
        }
    }

    func error(_ status: Int, _ message: String, entry: Int) -> Response {
        responder.json(status: status, .object([("error", .string(message))]), contentType: "application/json; charset=utf-8", entry: entry)
    }

    // MARK: Requests

    struct Parsed {
        var model: String
        var stream: Bool
        var think: Bool
        var numPredict: Int?
        var allText: String
        var lastUserText: String
        var firstTool: (name: String, argument: String)?
    }

    struct Problem: Error {
        let message: String
    }

    /// Validates the body as Ollama's Go structs would (content strings, argument objects), with its messages.
    static func parse(_ body: [UInt8]) -> Result<Parsed, Problem> {
        guard let root = NativeJSON.object(body) else { return .failure(Problem(message: "invalid character in request body")) }
        guard let model = root["model"] as? String, !model.isEmpty else { return .failure(Problem(message: "model is required")) }
        let messages = root["messages"] as? [[String: Any]] ?? []
        var all = "", lastUser = ""
        for message in messages {
            guard let role = message["role"] as? String, ["system", "user", "assistant", "tool"].contains(role) else {
                return .failure(Problem(message: "invalid role in message"))
            }
            guard message["content"] == nil || message["content"] is String else {
                return .failure(Problem(message: "json: cannot unmarshal array into Go struct field Message.messages.content of type string"))
            }
            let text = message["content"] as? String ?? ""
            all += text
            if role == "user" { lastUser = text }
            if let images = message["images"], !(images is [String]) {
                return .failure(Problem(message: "json: cannot unmarshal images into Go struct field Message.messages.images of type []api.ImageData"))
            }
            for call in message["tool_calls"] as? [[String: Any]] ?? [] {
                guard let function = call["function"] as? [String: Any], function["name"] is String, function["arguments"] is [String: Any] else {
                    return .failure(Problem(message: "json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments"))
                }
            }
        }
        var numPredict: Int?
        if let options = root["options"] {
            guard let o = options as? [String: Any] else { return .failure(Problem(message: "json: cannot unmarshal options")) }
            numPredict = NativeJSON.int(o["num_predict"])
        }
        var firstTool: (String, String)?
        for tool in root["tools"] as? [[String: Any]] ?? [] {
            guard let function = tool["function"] as? [String: Any], let name = function["name"] as? String else { continue }
            let parameters = function["parameters"] as? [String: Any]
            let required = parameters?["required"] as? [String]
            let properties = (parameters?["properties"] as? [String: Any])?.keys.sorted()
            firstTool = (name, required?.first ?? properties?.first ?? "city")
            break
        }
        return .success(Parsed(model: model, stream: root["stream"] as? Bool ?? true, think: root["think"] as? Bool ?? false,
                               numPredict: numPredict, allText: all, lastUserText: lastUser, firstTool: firstTool))
    }
}
