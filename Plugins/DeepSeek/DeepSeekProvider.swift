import AdapterKit

/// DeepSeek: OpenAI-compatible, with `reasoning_content`, cache-hit usage fields, keep-alive comments and
/// blank lines while queued, usage on the finish chunk, and generic error bodies (classified by status).
final class DeepSeekProvider: ProviderAdapter {
    let apiKey: String
    let log: AdapterLog

    init(config: InstanceConfig, log: AdapterLog) throws(AdapterError) {
        try OpenAICompatible.checkHeaderValue(config.apiKey, what: "the API key")
        _ = try config.options()  // no options yet, but they must be a JSON object
        apiKey = config.apiKey
        self.log = log
    }

    func translateRequest(_ request: AdapterRequest, emit: Emitter) throws(AdapterError) {
        try emit.method("POST")
        try emit.path("/chat/completions")
        if !apiKey.isEmpty { try emit.header("Authorization", "Bearer \(apiKey)") }
        try emit.header("Content-Type", "application/json")
        try emit.header("Accept", request.stream ? "text/event-stream" : "application/json")
        // `reasoning_content` in assistant turns is kept: thinking mode requires it back after tool calls.
        if let rewritten = try OpenAICompatible.rewriteStreamOptions(request.body, stream: request.stream) {
            try emit.body(rewritten)
        } else {
            try emit.body(raw: request.body)
        }
    }

    func translateResponse(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        // While a request is queued DeepSeek sends blank lines before the JSON; the parser skips that
        // whitespace. A body of blank lines only is a connection dropped in the queue: a truncated answer.
        if response.body.allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }) {
            throw AdapterError.upstreamFormat("the upstream answer is empty (the connection closed while the request was queued)")
        }
        var object: JSONObject
        do {
            object = try JSONValue.parseObject(response.body)
        } catch {
            throw AdapterError.upstreamFormat("the upstream answer is not a JSON object (\(error))")
        }
        if let e = object["error"], !e.isNull {
            var body = DeepSeekErrors.map(object, status: 502, apiKey: apiKey)
            body.status = 502
            try emit.error(body)
            return
        }
        guard var choices = object["choices"]?.arrayValue else {
            throw AdapterError.upstreamFormat("the upstream answer has no choices array")
        }
        for i in choices.indices {
            guard var choice = choices[i].objectValue else { continue }
            if let reason = choice["finish_reason"]?.stringValue {
                choice["finish_reason"] = .string(DeepSeekProvider.finishReason(reason, log: log))
            }
            if !choice.contains("logprobs") { choice["logprobs"] = .null }
            if var message = choice["message"]?.objectValue {
                if !message.contains("refusal") { message.set("refusal", .null, after: "content") }
                if !message.contains("content") { message.set("content", .null, after: "role") }
                choice["message"] = .object(message)
            }
            choices[i] = .object(choice)
        }
        object["choices"] = .array(choices)
        object.set("object", .string("chat.completion"), after: "id")
        if let model = object["model"]?.stringValue, !model.isEmpty { try emit.model(model) }
        if let u = object["usage"]?.objectValue {
            let (normalized, usage) = DeepSeekProvider.normalizeUsage(u)
            object["usage"] = .object(normalized)
            try emit.usage(usage)
        }
        if let reason = OpenAICompatible.firstFinishReason(object) { try emit.finish(reason) }
        try emit.response(object.serialized())
    }

    func translateError(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        let object = try? JSONValue.parseObject(response.body)
        try emit.error(DeepSeekErrors.map(object, status: response.status, apiKey: apiKey))
    }

    func makeStream(_ request: AdapterRequest) throws(AdapterError) -> any StreamTranslator {
        SSEChatStream(handler: DeepSeekStreamHandler(includeUsage: request.includeUsage, apiKey: apiKey, log: log))
    }

    /// DeepSeek's finish reasons on the OpenAI scale: `insufficient_system_resource` (the server ran out of
    /// capacity mid-answer) becomes `length`, i.e. "the answer was cut", which is what the client must know.
    static func finishReason(_ reason: String, log: AdapterLog) -> String {
        if ChatChunk.openAIFinishReasons.contains(reason) { return reason }
        if reason == "insufficient_system_resource" {
            log(.warning, "upstream ended an answer with insufficient_system_resource; reported as length")
            return "length"
        }
        log(.warning, "unknown upstream finish_reason \(reason.prefix(64)); reported as stop")
        return "stop"
    }

    /// Adds `prompt_tokens_details.cached_tokens` from `prompt_cache_hit_tokens` (keeping DeepSeek's own fields)
    /// and reads the counts.
    static func normalizeUsage(_ u: JSONObject) -> (JSONObject, Usage) {
        var u = u
        var usage = Usage(openAI: .object(u)) ?? Usage()
        if let hit = Usage.count(u["prompt_cache_hit_tokens"]) {
            var details = u["prompt_tokens_details"]?.objectValue ?? JSONObject()
            details["cached_tokens"] = .int(hit)
            u.set("prompt_tokens_details", .object(details), after: "total_tokens")
            usage.cachedTokens = hit
        }
        return (u, usage)
    }
}
