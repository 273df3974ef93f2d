import AdapterKit

/// Unified (OpenAI) request body -> GLM request body. Follows the Zhipu SDK's own clamping and the documented
/// parameter differences; unknown fields pass through.
enum GLMRequest {
    /// Fields GLM does not have; sending them is at best ignored.
    static let dropped = ["n", "logprobs", "top_logprobs", "logit_bias", "presence_penalty", "frequency_penalty",
                          "parallel_tool_calls", "stream_options"]

    static func translate(_ body: UnsafeRawBufferPointer, requestID: String, log: AdapterLog) throws(AdapterError) -> [UInt8] {
        var o = try OpenAICompatible.parseRequest(body)

        if var messages = o["messages"]?.arrayValue {
            for i in messages.indices {
                guard var m = messages[i].objectValue, m["role"] == .string("developer") else { continue }
                m["role"] = .string("system")
                messages[i] = .object(m)
            }
            o["messages"] = .array(messages)
        }

        // temperature: GLM takes (0, 1); the SDK clamps to [0.01, 0.99] and turns <= 0 into greedy decoding.
        if let t = o["temperature"] {
            if t.isNull {
                o["temperature"] = nil
            } else {
                guard let value = t.doubleValue else { throw AdapterError.invalidRequest("temperature must be a number") }
                if value <= 0 {
                    o["do_sample"] = .bool(false)
                    o["temperature"] = nil
                    o["top_p"] = nil
                } else if value < 0.01 {
                    o["temperature"] = .double(0.01)
                } else if value > 0.99 {
                    o["temperature"] = .double(0.99)
                }
            }
        }
        if let p = o["top_p"] {
            if p.isNull {
                o["top_p"] = nil
            } else {
                guard let value = p.doubleValue else { throw AdapterError.invalidRequest("top_p must be a number") }
                if value >= 1 { o["top_p"] = .double(0.99) } else if value <= 0 { o["top_p"] = .double(0.01) }
            }
        }

        // stop: GLM takes one stop word (as a one-element list).
        if let stop = o["stop"] {
            switch stop {
            case .string(let s): o["stop"] = .array([.string(s)])
            case .array(let words):
                if let first = words.first(where: { $0.stringValue != nil }) {
                    if words.count > 1 { log(.debug, "GLM accepts one stop word; \(words.count - 1) dropped") }
                    o["stop"] = .array([first])
                } else {
                    o["stop"] = nil
                }
            default: o["stop"] = nil
            }
        }

        // user -> user_id (GLM wants 6 to 128 characters; anything else would be rejected).
        if let user = o.removeValue(forKey: "user"), o["user_id"] == nil, let s = user.stringValue {
            if (6...128).contains(s.count) {
                o["user_id"] = .string(s)
            } else {
                log(.debug, "user dropped: GLM's user_id must have 6 to 128 characters")
            }
        }

        o["request_id"] = .string(requestID.isEmpty ? randomRequestID() : requestID)

        for key in dropped { o[key] = nil }

        if let m = o.removeValue(forKey: "max_completion_tokens"), !m.isNull { o["max_tokens"] = m }

        // tool_choice: GLM knows only "auto"; "none" means: do not offer the tools at all.
        if let choice = o["tool_choice"] {
            if choice == .string("none") {
                o["tools"] = nil
                o["tool_choice"] = nil
            } else if choice.isNull {
                o["tool_choice"] = nil
            } else if choice != .string("auto") {
                o["tool_choice"] = .string("auto")
            }
        }
        return o.serialized()
    }

    static func randomRequestID() -> String {
        var g = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var out = Array("gw-".utf8)
        for _ in 0..<24 { out.append(hex[Int(g.next() % 16)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
