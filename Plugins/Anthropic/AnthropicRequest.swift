import AdapterKit

/// OpenAI chat-completions request -> Anthropic Messages request.
///
/// - `system` and `developer` messages (wherever they are) become the top-level `system` text, joined with a blank
///   line, in order.
/// - Content parts become blocks: text, and images (`data:` URLs as base64 sources, http(s) URLs as url sources).
/// - Assistant `tool_calls` become `tool_use` blocks with the arguments parsed into `input`; `tool` messages
///   become `tool_result` blocks in a user turn; consecutive turns of the same role are merged, as Anthropic
///   wants all tool results of a turn in one user message.
/// - `max_completion_tokens` or `max_tokens`, else the configured default; `temperature` clamped into 0...1;
///   `stop` -> `stop_sequences`; `tools` -> `input_schema` tools; `tool_choice` (`required` -> `any`, a named
///   function -> `tool`); `parallel_tool_calls: false` -> `disable_parallel_tool_use`; `user` -> `metadata.user_id`.
/// - Refused (GW_ERR_UNSUPPORTED): `n` > 1, `logprobs`, `response_format` other than text, audio or file parts.
///   Other OpenAI-only fields (penalties, seed, logit_bias, stream_options, ...) are dropped.
enum AnthropicRequest {
    static func translate(_ body: UnsafeRawBufferPointer, stream: Bool, defaultMaxTokens: Int64, log: AdapterLog) throws(AdapterError) -> [UInt8] {
        let request = try OpenAICompatible.parseRequest(body)
        guard let model = request["model"]?.stringValue, !model.isEmpty else {
            throw AdapterError.invalidRequest("model must be a non-empty string")
        }
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else {
            throw AdapterError.invalidRequest("messages must be a non-empty array")
        }
        if let n = request["n"]?.int64Value, n > 1 { throw AdapterError.unsupported("Anthropic returns one choice per request (n must be 1)") }
        if request["logprobs"]?.boolValue == true { throw AdapterError.unsupported("Anthropic does not return logprobs") }
        if let format = request["response_format"]?.objectValue, let type = format["type"]?.stringValue, type != "text" {
            throw AdapterError.unsupported("Anthropic has no response_format \(type); describe the format in the prompt or use a tool")
        }

        var out = JSONObject()
        out["model"] = .string(model)
        out["max_tokens"] = .int(try maxTokens(request, default: defaultMaxTokens))
        var system: [String] = []
        var turns: [(role: String, blocks: [JSONValue])] = []
        func append(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        for (i, value) in messages.enumerated() {
            guard let message = value.objectValue, let role = message["role"]?.stringValue else {
                throw AdapterError.invalidRequest("messages[\(i)] must be an object with a role")
            }
            switch role {
            case "system", "developer":
                let text = try plainText(message["content"], at: i)
                if !text.isEmpty { system.append(text) }
            case "user":
                append("user", try blocks(message["content"], at: i))
            case "assistant":
                var content = try blocks(message["content"], at: i, allowImages: false)
                content += try toolUses(message["tool_calls"], at: i)
                append("assistant", content)
            case "tool":
                guard let id = message["tool_call_id"]?.stringValue, !id.isEmpty else {
                    throw AdapterError.invalidRequest("messages[\(i)] (tool) needs a tool_call_id")
                }
                append("user", [.object([
                    "type": .string("tool_result"), "tool_use_id": .string(id), "content": .string(try plainText(message["content"], at: i)),
                ])])
            default:
                throw AdapterError.unsupported("messages[\(i)] has role \(role), which Anthropic does not have")
            }
        }
        guard !turns.isEmpty else { throw AdapterError.invalidRequest("there is no user or assistant message to send") }
        if !system.isEmpty { out["system"] = .string(system.joined(separator: "\n\n")) }
        out["messages"] = .array(turns.map { turn in
            // A turn of one text block is sent as a plain string, as people write it.
            if turn.blocks.count == 1, let block = turn.blocks[0].objectValue, block["type"]?.stringValue == "text",
               let text = block["text"]?.stringValue {
                return .object(["role": .string(turn.role), "content": .string(text)])
            }
            return .object(["role": .string(turn.role), "content": .array(turn.blocks)])
        })

        if let t = request["temperature"], !t.isNull {
            guard let value = t.doubleValue else { throw AdapterError.invalidRequest("temperature must be a number") }
            out["temperature"] = value > 1 ? .number("1") : value < 0 ? .number("0") : t
        }
        if let p = request["top_p"], !p.isNull { out["top_p"] = p }
        if let k = request["top_k"], !k.isNull { out["top_k"] = k }
        switch request["stop"] {
        case .string(let s)?: out["stop_sequences"] = .array([.string(s)])
        case .array(let list)?:
            guard list.allSatisfy({ $0.stringValue != nil }) else { throw AdapterError.invalidRequest("stop must be a string or an array of strings") }
            if !list.isEmpty { out["stop_sequences"] = .array(list) }
        case nil, .null?: break
        default: throw AdapterError.invalidRequest("stop must be a string or an array of strings")
        }
        out["stream"] = .bool(stream)
        if let tools = try self.tools(request["tools"]) {
            out["tools"] = .array(tools)
            if var choice = try toolChoice(request["tool_choice"]) {
                if request["parallel_tool_calls"]?.boolValue == false { choice["disable_parallel_tool_use"] = .bool(true) }
                out["tool_choice"] = .object(choice)
            } else if request["parallel_tool_calls"]?.boolValue == false {
                out["tool_choice"] = .object(["type": .string("auto"), "disable_parallel_tool_use": .bool(true)])
            }
        }
        if let user = request["user"]?.stringValue, !user.isEmpty {
            out["metadata"] = .object(["user_id": .string(user)])
        }
        // Anthropic-only fields a client may send through the OpenAI SDK's extra_body.
        if let thinking = request["thinking"], thinking.objectValue != nil { out["thinking"] = thinking }
        return out.serialized()
    }

    static func maxTokens(_ request: JSONObject, default fallback: Int64) throws(AdapterError) -> Int64 {
        for key in ["max_completion_tokens", "max_tokens"] {
            guard let value = request[key], !value.isNull else { continue }
            guard let n = value.int64Value, n > 0 else { throw AdapterError.invalidRequest("\(key) must be a positive integer") }
            return n
        }
        return fallback
    }

    /// The text of a string or of an array of text parts.
    static func plainText(_ content: JSONValue?, at i: Int) throws(AdapterError) -> String {
        switch content {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let parts)?:
            var text = ""
            for part in parts {
                guard let p = part.objectValue, p["type"]?.stringValue == "text", let t = p["text"]?.stringValue else {
                    throw AdapterError.invalidRequest("messages[\(i)].content may only hold text parts here")
                }
                text += t
            }
            return text
        default:
            throw AdapterError.invalidRequest("messages[\(i)].content must be a string or an array of parts")
        }
    }

    /// Content blocks of a user or assistant message.
    static func blocks(_ content: JSONValue?, at i: Int, allowImages: Bool = true) throws(AdapterError) -> [JSONValue] {
        switch content {
        case nil, .null?: return []
        case .string(let s)?:
            return s.isEmpty ? [] : [.object(["type": .string("text"), "text": .string(s)])]
        case .array(let parts)?:
            var out: [JSONValue] = []
            for (k, part) in parts.enumerated() {
                guard let p = part.objectValue, let type = p["type"]?.stringValue else {
                    throw AdapterError.invalidRequest("messages[\(i)].content[\(k)] must be an object with a type")
                }
                switch type {
                case "text":
                    guard let text = p["text"]?.stringValue else { throw AdapterError.invalidRequest("messages[\(i)].content[\(k)].text must be a string") }
                    if !text.isEmpty { out.append(.object(["type": .string("text"), "text": .string(text)])) }
                case "image_url" where allowImages:
                    let url = p["image_url"]?.objectValue?["url"]?.stringValue ?? p["image_url"]?.stringValue
                    guard let url else { throw AdapterError.invalidRequest("messages[\(i)].content[\(k)].image_url.url must be a string") }
                    out.append(try image(url, at: i))
                case "refusal":
                    continue
                default:
                    throw AdapterError.unsupported("messages[\(i)].content[\(k)] of type \(type) cannot be sent to Anthropic")
                }
            }
            return out
        default:
            throw AdapterError.invalidRequest("messages[\(i)].content must be a string or an array of parts")
        }
    }

    /// `data:image/png;base64,...` -> a base64 source; an http(s) URL -> a url source.
    static func image(_ url: String, at i: Int) throws(AdapterError) -> JSONValue {
        if url.hasPrefix("data:") {
            guard let comma = url.firstIndex(of: ","), url[..<comma].hasSuffix(";base64") else {
                throw AdapterError.invalidRequest("messages[\(i)]: an image data URL must be base64 (data:<type>;base64,...)")
            }
            let mediaType = String(url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(7))
            return .object(["type": .string("image"), "source": .object([
                "type": .string("base64"), "media_type": .string(mediaType), "data": .string(String(url[url.index(after: comma)...])),
            ])])
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw AdapterError.invalidRequest("messages[\(i)]: an image URL must be http(s) or a data URL")
        }
        return .object(["type": .string("image"), "source": .object(["type": .string("url"), "url": .string(url)])])
    }

    /// Assistant tool calls -> `tool_use` blocks.
    static func toolUses(_ value: JSONValue?, at i: Int) throws(AdapterError) -> [JSONValue] {
        guard let value, !value.isNull else { return [] }
        guard let calls = value.arrayValue else { throw AdapterError.invalidRequest("messages[\(i)].tool_calls must be an array") }
        var out: [JSONValue] = []
        for (k, call) in calls.enumerated() {
            guard let c = call.objectValue, let id = c["id"]?.stringValue, let function = c["function"]?.objectValue,
                  let name = function["name"]?.stringValue else {
                throw AdapterError.invalidRequest("messages[\(i)].tool_calls[\(k)] needs an id and a function name")
            }
            let arguments = function["arguments"]?.stringValue ?? ""
            var input = JSONValue.object(JSONObject())
            if !arguments.allSatisfy(\.isWhitespace) {
                guard case .object(let parsed)? = try? JSONValue.parse(Array(arguments.utf8)) else {
                    throw AdapterError.invalidRequest("messages[\(i)].tool_calls[\(k)].function.arguments is not a JSON object")
                }
                input = .object(parsed)
            }
            out.append(.object(["type": .string("tool_use"), "id": .string(id), "name": .string(name), "input": input]))
        }
        return out
    }

    /// OpenAI function tools -> Anthropic tools; nil when there are none.
    static func tools(_ value: JSONValue?) throws(AdapterError) -> [JSONValue]? {
        guard let value, !value.isNull else { return nil }
        guard let list = value.arrayValue else { throw AdapterError.invalidRequest("tools must be an array") }
        if list.isEmpty { return nil }
        return try list.enumerated().map { (k, tool) throws(AdapterError) -> JSONValue in
            guard let t = tool.objectValue, (t["type"]?.stringValue ?? "function") == "function",
                  let function = t["function"]?.objectValue, let name = function["name"]?.stringValue else {
                throw AdapterError.unsupported("tools[\(k)]: only function tools can be sent to Anthropic")
            }
            var out = JSONObject()
            out["name"] = .string(name)
            if let description = function["description"]?.stringValue { out["description"] = .string(description) }
            out["input_schema"] = function["parameters"].flatMap { $0.objectValue != nil ? $0 : nil }
                ?? .object(["type": .string("object"), "properties": .object(JSONObject())])
            return .object(out)
        }
    }

    static func toolChoice(_ value: JSONValue?) throws(AdapterError) -> JSONObject? {
        switch value {
        case nil, .null?: return nil
        case .string("auto")?: return ["type": .string("auto")]
        case .string("none")?: return ["type": .string("none")]
        case .string("required")?: return ["type": .string("any")]
        case .object(let o)?:
            guard let name = o["function"]?.objectValue?["name"]?.stringValue else {
                throw AdapterError.invalidRequest("tool_choice must name a function")
            }
            return ["type": .string("tool"), "name": .string(name)]
        default:
            throw AdapterError.invalidRequest("tool_choice must be auto, none, required or a named function")
        }
    }
}
