import AdapterKit

/// Anthropic's SSE stream -> OpenAI `chat.completion.chunk`s.
///
/// `message_start` gives the id, model and input tokens (a role chunk follows); text, tool-use and thinking blocks
/// stream as content, tool-call and `reasoning_content` deltas (tool calls numbered by tool block, not by content
/// block); `message_delta` gives the stop reason (a finish chunk) and the running output total; `message_stop`
/// ends the answer (a usage-only chunk). `ping` and unknown event types are ignored; `event: error` ends the
/// stream with an OpenAI error. There is no `[DONE]` upstream: the host sends its own.
final class AnthropicStream: StreamTranslator {
    private enum Block {
        case text
        case tool(index: Int)
        case thinking
        case other
    }

    private let apiKey: String
    private let log: AdapterLog
    private var framer = SSEFramer()
    private var items: [SSEFramer.Item] = []
    private let created = AnthropicResponse.now()
    private var id = ""
    private var model = ""
    private var started = false
    private var blocks: [Int64: Block] = [:]
    private var tools = 0
    private var usage = AnthropicUsage()
    private var finishSent = false
    private var completed = false
    private var ended = false

    init(apiKey: String, log: AdapterLog) {
        self.apiKey = apiKey
        self.log = log
    }

    func feed(_ bytes: UnsafeRawBufferPointer, emit: Emitter) throws(AdapterError) {
        if completed || ended { return }
        items.removeAll(keepingCapacity: true)
        do {
            try framer.feed(bytes, into: &items)
        } catch {
            throw AdapterError.upstreamFormat(error.description)
        }
        try process(emit: emit)
    }

    func finish(emit: Emitter) throws(AdapterError) {
        if !(completed || ended) {
            items.removeAll(keepingCapacity: true)
            framer.finish(into: &items)
            try process(emit: emit)
        }
        if completed || ended { return }
        throw AdapterError.upstreamFormat("the upstream stream ended before message_stop (cut short)")
    }

    private func process(emit: Emitter) throws(AdapterError) {
        for item in items {
            if completed || ended { return }
            guard case .event(let event) = item else { continue }  // comments
            let result: Result<Void, AdapterError> = event.data.withUnsafeBytes { raw in
                if JSONScan.trimmedEquals(raw, "") { return .success(()) }
                if !event.terminated, !JSONScan.isObject(raw) { return .success(()) }  // half an event: finish() says cut
                do throws(AdapterError) {
                    let object: JSONObject
                    do {
                        object = try JSONValue.parseObject(raw)
                    } catch {
                        throw AdapterError.upstreamFormat("a stream event is not a JSON object (\(error))")
                    }
                    try handle(object, name: event.name, emit: emit)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            try result.get()
        }
    }

    private func handle(_ event: JSONObject, name: String?, emit: Emitter) throws(AdapterError) {
        let type: String
        switch event["type"] {
        case .string(let t)?: type = t
        case nil: type = name ?? ""
        default: throw AdapterError.upstreamFormat("a stream event has a type that is not a string")
        }
        switch type {
        case "message_start":
            guard let message = event["message"]?.objectValue, let messageID = message["id"]?.stringValue else {
                throw AdapterError.upstreamFormat("message_start without a message id")
            }
            id = messageID
            model = message["model"]?.stringValue ?? ""
            usage.update(message["usage"]?.objectValue)
            started = true
            if !model.isEmpty { try emit.model(model) }
            try emit.usage(usage.counts)
            try chunk(delta: ["role": .string("assistant"), "content": .string("")], emit: emit)
        case "content_block_start":
            try requireStart(type)
            guard let index = event["index"]?.int64Value, let block = event["content_block"]?.objectValue,
                  let blockType = block["type"]?.stringValue else {
                throw AdapterError.upstreamFormat("content_block_start without an index or a block type")
            }
            switch blockType {
            case "text":
                blocks[index] = .text
                if let text = block["text"]?.stringValue, !text.isEmpty { try chunk(delta: ["content": .string(text)], emit: emit) }
            case "tool_use":
                guard let callID = block["id"]?.stringValue, let toolName = block["name"]?.stringValue else {
                    throw AdapterError.upstreamFormat("a tool_use block without an id or a name")
                }
                let toolIndex = tools
                tools += 1
                blocks[index] = .tool(index: toolIndex)
                try chunk(delta: ["tool_calls": .array([.object([
                    "index": .int(Int64(toolIndex)), "id": .string(callID), "type": .string("function"),
                    "function": .object(["name": .string(toolName), "arguments": .string("")]),
                ])])], emit: emit)
            case "thinking":
                blocks[index] = .thinking
                if let text = block["thinking"]?.stringValue, !text.isEmpty {
                    try chunk(delta: ["reasoning_content": .string(text)], emit: emit)
                }
            default:
                blocks[index] = .other
            }
        case "content_block_delta":
            try requireStart(type)
            guard let index = event["index"]?.int64Value, let delta = event["delta"]?.objectValue,
                  let deltaType = delta["type"]?.stringValue else {
                throw AdapterError.upstreamFormat("content_block_delta without an index or a delta type")
            }
            switch (deltaType, blocks[index]) {
            case ("text_delta", _):
                guard let text = delta["text"]?.stringValue else { throw AdapterError.upstreamFormat("a text_delta without text") }
                if !text.isEmpty { try chunk(delta: ["content": .string(text)], emit: emit) }
            case ("input_json_delta", .tool(let toolIndex)?):
                guard let partial = delta["partial_json"]?.stringValue else {
                    throw AdapterError.upstreamFormat("an input_json_delta without partial_json")
                }
                if !partial.isEmpty {
                    try chunk(delta: ["tool_calls": .array([.object([
                        "index": .int(Int64(toolIndex)), "function": .object(["arguments": .string(partial)]),
                    ])])], emit: emit)
                }
            case ("input_json_delta", _):
                throw AdapterError.upstreamFormat("an input_json_delta for a block that is not a tool_use block")
            case ("thinking_delta", _):
                if let text = delta["thinking"]?.stringValue, !text.isEmpty {
                    try chunk(delta: ["reasoning_content": .string(text)], emit: emit)
                }
            default:
                break  // signature_delta, citations_delta and later kinds carry nothing for OpenAI clients
            }
        case "content_block_stop", "ping":
            break
        case "message_delta":
            try requireStart(type)
            usage.update(event["usage"]?.objectValue)
            try emit.usage(usage.counts)
            if let delta = event["delta"]?.objectValue, delta.contains("stop_reason"), !(delta["stop_reason"]?.isNull ?? true) {
                try sendFinish(AnthropicResponse.finishReason(delta["stop_reason"]?.stringValue, log: log), emit: emit)
            }
        case "message_stop":
            try requireStart(type)
            if !finishSent { try sendFinish("stop", emit: emit) }
            var out = JSONObject()
            out["id"] = .string(id)
            out["object"] = .string("chat.completion.chunk")
            out["created"] = .int(created)
            out["model"] = .string(model)
            out["choices"] = .array([])
            out["usage"] = usage.openAI
            try emit.chunk(out.serialized(), usageOnly: true)
            try emit.usage(usage.counts)
            completed = true
        case "error":
            let error = event["error"]?.objectValue
            let c = AnthropicErrors.classify(error?["type"]?.stringValue, status: 502)
            let message = OpenAICompatible.scrub(error?["message"]?.stringValue ?? "the upstream stream reported an error", secret: apiKey)
            try emit.error(OpenAIErrorBody(status: c.status, message: message, type: c.type, param: nil, code: c.code, noRetry: c.noRetry))
            ended = true
        case "":
            throw AdapterError.upstreamFormat("a stream event has no type")
        default:
            log(.debug, "ignored an upstream stream event of type \(type.prefix(64))")
        }
    }

    private func requireStart(_ type: String) throws(AdapterError) {
        if !started { throw AdapterError.upstreamFormat("\(type) before message_start") }
    }

    private func sendFinish(_ reason: String, emit: Emitter) throws(AdapterError) {
        guard !finishSent else { return }
        finishSent = true
        try chunk(delta: JSONObject(), finishReason: reason, emit: emit)
        try emit.finish(reason)
    }

    /// Emits one chunk with a single choice.
    private func chunk(delta: JSONObject, finishReason: String? = nil, emit: Emitter) throws(AdapterError) {
        var out = JSONObject()
        out["id"] = .string(id)
        out["object"] = .string("chat.completion.chunk")
        out["created"] = .int(created)
        out["model"] = .string(model)
        out["choices"] = .array([.object([
            "index": .int(0), "delta": .object(delta), "logprobs": .null, "finish_reason": finishReason.map(JSONValue.string) ?? .null,
        ])])
        try emit.chunk(out.serialized())
    }
}
