import JSONCore

/// What OpenAI clients (the official SDKs, LangChain) need from the JSON an adapter produces: the required fields
/// of `chat.completion`, `chat.completion.chunk` and error bodies, with their types. The full JSON Schemas are in
/// `Tests/Fixtures/schemas/`; these checks are the part every adapter must get right.
enum OpenAIShapes {
    static let finishReasons: Set<String> = ["stop", "length", "tool_calls", "content_filter", "function_call"]

    /// Problems of a non-stream answer (empty when it is fine).
    static func completion(_ bytes: [UInt8]) -> [String] {
        guard case .object(let o)? = try? JSONValue.parse(bytes) else { return ["the answer is not a JSON object"] }
        var problems: [String] = []
        if o["id"]?.stringValue == nil { problems.append("id must be a string") }
        if o["object"]?.stringValue != "chat.completion" { problems.append(#"object must be "chat.completion""#) }
        if o["created"]?.int64Value == nil { problems.append("created must be an integer (Unix seconds)") }
        if o["model"]?.stringValue == nil { problems.append("model must be a string") }
        guard let choices = o["choices"]?.arrayValue, !choices.isEmpty else {
            return problems + ["choices must be a non-empty array"]
        }
        for (i, value) in choices.enumerated() {
            guard let choice = value.objectValue else {
                problems.append("choices[\(i)] must be an object")
                continue
            }
            if choice["index"]?.int64Value == nil { problems.append("choices[\(i)].index must be an integer") }
            if let reason = choice["finish_reason"], !reason.isNull, !(reason.stringValue.map(finishReasons.contains) ?? false) {
                problems.append("choices[\(i)].finish_reason must be one of \(finishReasons.sorted().joined(separator: ", ")) or null")
            }
            guard let message = choice["message"]?.objectValue else {
                problems.append("choices[\(i)].message must be an object")
                continue
            }
            if message["role"]?.stringValue != "assistant" { problems.append(#"choices[\#(i)].message.role must be "assistant""#) }
            if let content = message["content"], !content.isNull, content.stringValue == nil {
                problems.append("choices[\(i)].message.content must be a string or null")
            }
            problems += toolCalls(message["tool_calls"], path: "choices[\(i)].message.tool_calls", streaming: false)
        }
        problems += usage(o["usage"])
        return problems
    }

    /// Problems of one stream chunk; `usageOnly` chunks must have `choices: []` and a usage object.
    static func chunk(_ bytes: [UInt8], usageOnly: Bool) -> [String] {
        guard case .object(let o)? = try? JSONValue.parse(bytes) else { return ["a chunk is not a JSON object"] }
        var problems: [String] = []
        if o["id"]?.stringValue == nil { problems.append("id must be a string") }
        if o["object"]?.stringValue != "chat.completion.chunk" { problems.append(#"object must be "chat.completion.chunk""#) }
        if o["created"]?.int64Value == nil { problems.append("created must be an integer (Unix seconds)") }
        if o["model"]?.stringValue == nil { problems.append("model must be a string") }
        guard let choices = o["choices"]?.arrayValue else { return problems + ["choices must be an array"] }
        if usageOnly {
            if !choices.isEmpty { problems.append("a chunk flagged GW_CHUNK_USAGE_ONLY must have \"choices\": []") }
            if o["usage"]?.objectValue == nil { problems.append("a chunk flagged GW_CHUNK_USAGE_ONLY must carry a usage object") }
        }
        for (i, value) in choices.enumerated() {
            guard let choice = value.objectValue else {
                problems.append("choices[\(i)] must be an object")
                continue
            }
            if choice["index"]?.int64Value == nil { problems.append("choices[\(i)].index must be an integer") }
            guard let reason = choice["finish_reason"] else {
                problems.append("choices[\(i)].finish_reason must be present (null until the last chunk)")
                continue
            }
            if !reason.isNull, !(reason.stringValue.map(finishReasons.contains) ?? false) {
                problems.append("choices[\(i)].finish_reason must be one of \(finishReasons.sorted().joined(separator: ", ")) or null")
            }
            guard let delta = choice["delta"]?.objectValue else {
                problems.append("choices[\(i)].delta must be an object")
                continue
            }
            if let content = delta["content"], !content.isNull, content.stringValue == nil {
                problems.append("choices[\(i)].delta.content must be a string or null")
            }
            problems += toolCalls(delta["tool_calls"], path: "choices[\(i)].delta.tool_calls", streaming: true)
        }
        if !usageOnly, let u = o["usage"], !u.isNull {
            problems += usage(u)
        }
        return problems
    }

    /// Problems of an error body `{"error":{"message","type","param","code"}}`.
    static func error(_ bytes: [UInt8]) -> [String] {
        guard case .object(let o)? = try? JSONValue.parse(bytes) else { return ["the error body is not a JSON object"] }
        guard let e = o["error"]?.objectValue else { return [#"the error body has no "error" object"#] }
        var problems: [String] = []
        if e["message"]?.stringValue == nil { problems.append("error.message must be a string") }
        if e["type"]?.stringValue == nil { problems.append("error.type must be a string") }
        for key in ["param", "code"] {
            guard let value = e[key] else {
                problems.append("error.\(key) must be present (a string or null)")
                continue
            }
            if !value.isNull, value.stringValue == nil { problems.append("error.\(key) must be a string or null") }
        }
        return problems
    }

    static func usage(_ value: JSONValue?) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard let u = value.objectValue else { return ["usage must be an object"] }
        var problems: [String] = []
        for key in ["prompt_tokens", "completion_tokens", "total_tokens"] where u[key]?.int64Value == nil {
            problems.append("usage.\(key) must be an integer")
        }
        return problems
    }

    static func toolCalls(_ value: JSONValue?, path: String, streaming: Bool) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard let calls = value.arrayValue else { return ["\(path) must be an array"] }
        var problems: [String] = []
        for (i, call) in calls.enumerated() {
            guard let c = call.objectValue else {
                problems.append("\(path)[\(i)] must be an object")
                continue
            }
            if streaming {
                if c["index"]?.int64Value == nil { problems.append("\(path)[\(i)].index must be an integer") }
            } else {
                if c["id"]?.stringValue == nil { problems.append("\(path)[\(i)].id must be a string") }
                if c["type"]?.stringValue != "function" { problems.append(#"\#(path)[\#(i)].type must be "function""#) }
            }
            if let function = c["function"] {
                guard let f = function.objectValue else {
                    problems.append("\(path)[\(i)].function must be an object")
                    continue
                }
                if let arguments = f["arguments"], arguments.stringValue == nil {
                    problems.append("\(path)[\(i)].function.arguments must be a string (JSON text)")
                }
                if !streaming, f["name"]?.stringValue == nil { problems.append("\(path)[\(i)].function.name must be a string") }
            } else if !streaming {
                problems.append("\(path)[\(i)].function must be present")
            }
        }
        return problems
    }

    /// The assistant text of a non-stream answer (first choice), or nil.
    static func content(ofCompletion bytes: [UInt8]) -> String? {
        guard case .object(let o)? = try? JSONValue.parse(bytes) else { return nil }
        return o["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue?["content"]?.stringValue
    }

    /// The text a chunk adds to the first choice, and the finish reason it carries.
    static func delta(ofChunk bytes: [UInt8]) -> (content: String, finishReason: String?) {
        guard case .object(let o)? = try? JSONValue.parse(bytes), let choice = o["choices"]?.arrayValue?.first?.objectValue else {
            return ("", nil)
        }
        return (choice["delta"]?.objectValue?["content"]?.stringValue ?? "", choice["finish_reason"]?.stringValue)
    }

    /// Every string inside a JSON document (keys excluded), or the whole text when it is not JSON.
    static func strings(in bytes: [UInt8]) -> [String] {
        guard let value = try? JSONValue.parse(bytes) else { return [String(decoding: bytes, as: UTF8.self)] }
        var out: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .string(let s): out.append(s)
            case .array(let a): a.forEach(walk)
            case .object(let o): o.entries.forEach { walk($0.value) }
            default: break
            }
        }
        walk(value)
        return out
    }
}
