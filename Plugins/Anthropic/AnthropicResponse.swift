import AdapterKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Anthropic token counts. Input tokens are split in three (uncached, written to the cache, read from the cache);
/// OpenAI's `prompt_tokens` is their sum and `cached_tokens` the part read from the cache.
struct AnthropicUsage: Equatable {
    var input: Int64 = 0
    var cacheCreation: Int64 = 0
    var cacheRead: Int64 = 0
    var output: Int64 = 0

    /// Reads the fields present in `u`, keeping the others (a `message_delta` may carry only `output_tokens`).
    mutating func update(_ u: JSONObject?) {
        guard let u else { return }
        if let v = Usage.count(u["input_tokens"]) { input = v }
        if let v = Usage.count(u["cache_creation_input_tokens"]) { cacheCreation = v }
        if let v = Usage.count(u["cache_read_input_tokens"]) { cacheRead = v }
        if let v = Usage.count(u["output_tokens"]) { output = v }
    }

    var promptTokens: Int64 { input + cacheCreation + cacheRead }

    var counts: Usage {
        Usage(promptTokens: promptTokens, completionTokens: output, reasoningTokens: nil, cachedTokens: cacheRead)
    }

    /// The OpenAI `usage` object.
    var openAI: JSONValue {
        .object([
            "prompt_tokens": .int(promptTokens), "completion_tokens": .int(output), "total_tokens": .int(promptTokens + output),
            "prompt_tokens_details": .object(["cached_tokens": .int(cacheRead)]),
        ])
    }
}

enum AnthropicResponse {
    /// `stop_reason` -> OpenAI `finish_reason`.
    static func finishReason(_ stopReason: String?, log: AdapterLog) -> String {
        switch stopReason {
        case "end_turn", "stop_sequence", "pause_turn", nil: return "stop"
        case "max_tokens", "model_context_window_exceeded": return "length"
        case "tool_use": return "tool_calls"
        case "refusal": return "content_filter"
        case let other?:
            log(.warning, "unknown upstream stop_reason \(other.prefix(64)); reported as stop")
            return "stop"
        }
    }

    /// Seconds since 1970, for `created` (Anthropic answers carry no timestamp).
    static func now() -> Int64 { Int64(time(nil)) }

    struct Completion {
        let json: [UInt8]
        let model: String
        let usage: AnthropicUsage
        let finishReason: String
    }

    /// An Anthropic `message` -> an OpenAI `chat.completion`.
    static func completion(_ message: JSONObject, log: AdapterLog) throws(AdapterError) -> Completion {
        guard message["type"]?.stringValue == "message", let blocks = message["content"]?.arrayValue else {
            throw AdapterError.upstreamFormat("the upstream answer is not an Anthropic message (type \"message\" with content blocks)")
        }
        guard let id = message["id"]?.stringValue, let model = message["model"]?.stringValue else {
            throw AdapterError.upstreamFormat("the upstream message has no id or model")
        }
        var text = ""
        var sawText = false
        var thinking = ""
        var calls: [JSONValue] = []
        for block in blocks {
            guard let b = block.objectValue, let type = b["type"]?.stringValue else {
                throw AdapterError.upstreamFormat("a content block of the upstream message has no type")
            }
            switch type {
            case "text":
                guard let t = b["text"]?.stringValue else { throw AdapterError.upstreamFormat("a text block has no text") }
                text += t
                sawText = true
            case "thinking":
                thinking += b["thinking"]?.stringValue ?? ""
            case "tool_use":
                guard let callID = b["id"]?.stringValue, let name = b["name"]?.stringValue else {
                    throw AdapterError.upstreamFormat("a tool_use block has no id or name")
                }
                let input = b["input"] ?? .object(JSONObject())
                calls.append(.object([
                    "id": .string(callID), "type": .string("function"),
                    "function": .object(["name": .string(name), "arguments": .string(String(decoding: input.serialized(), as: UTF8.self))]),
                ]))
            default:
                continue  // redacted_thinking, server tool blocks: nothing an OpenAI client can show
            }
        }
        var usage = AnthropicUsage()
        usage.update(message["usage"]?.objectValue)
        let finish = finishReason(message["stop_reason"]?.stringValue, log: log)

        var reply = JSONObject()
        reply["role"] = .string("assistant")
        reply["content"] = sawText || calls.isEmpty ? .string(text) : .null
        reply["refusal"] = .null
        if !calls.isEmpty { reply["tool_calls"] = .array(calls) }
        if !thinking.isEmpty { reply["reasoning_content"] = .string(thinking) }
        var out = JSONObject()
        out["id"] = .string(id)
        out["object"] = .string("chat.completion")
        out["created"] = .int(now())
        out["model"] = .string(model)
        out["choices"] = .array([.object([
            "index": .int(0), "message": .object(reply), "logprobs": .null, "finish_reason": .string(finish),
        ])])
        out["usage"] = usage.openAI
        return Completion(json: out.serialized(), model: model, usage: usage, finishReason: finish)
    }
}

/// Anthropic error bodies (`{"type":"error","error":{"type","message"}}`) -> OpenAI errors.
enum AnthropicErrors {
    /// The client status, OpenAI type and code, and whether retrying can help, for an Anthropic error type.
    static func classify(_ type: String?, status: Int) -> (status: Int, type: String, code: String?, noRetry: Bool) {
        switch type {
        case "invalid_request_error": return (status == 400 ? 400 : clientStatus(status, 400), "invalid_request_error", "invalid_request_error", true)
        case "authentication_error": return (401, "authentication_error", "invalid_api_key", true)
        case "billing_error": return (402, "insufficient_quota", "insufficient_quota", true)
        case "permission_error": return (403, "permission_error", "permission_denied", true)
        case "not_found_error": return (404, "invalid_request_error", "not_found", true)
        case "request_too_large": return (413, "invalid_request_error", "request_too_large", true)
        case "rate_limit_error": return (429, "rate_limit_error", "rate_limit_exceeded", false)
        case "api_error": return (clientStatus(status, 500), "server_error", "server_error", false)
        case "timeout_error": return (504, "timeout_error", "timeout", false)
        case "overloaded_error": return (503, "server_error", "overloaded", false)
        default:
            let s = clientStatus(status, 502)
            return (s, OpenAIErrorBody.defaultType(forStatus: s), OpenAIErrorBody.defaultCode(forStatus: s), OpenAIErrorBody.defaultNoRetry(forStatus: s))
        }
    }

    /// 529 (overloaded) is not a status OpenAI clients know: it becomes a retryable 503. Non-error statuses become
    /// `fallback`.
    static func clientStatus(_ status: Int, _ fallback: Int) -> Int {
        if status == 529 { return 503 }
        return (400...599).contains(status) ? status : fallback
    }

    static func map(_ object: JSONObject?, status: Int, apiKey: String) -> OpenAIErrorBody {
        let error = object?["error"]?.objectValue
        let type = error?["type"]?.stringValue
        let fallbackType = status == 529 ? "overloaded_error" : nil
        let c = classify(type ?? fallbackType, status: status)
        var message = error?["message"]?.stringValue ?? ""
        if message.isEmpty { message = "upstream returned HTTP \(status)" }
        return OpenAIErrorBody(status: c.status, message: OpenAICompatible.scrub(message, secret: apiKey), type: c.type, param: nil,
                               code: c.code, noRetry: c.noRetry)
    }
}
