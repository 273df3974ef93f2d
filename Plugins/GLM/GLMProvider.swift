import AdapterKit

/// Zhipu GLM (bigmodel.cn / z.ai): an OpenAI look-alike with different parameter ranges, business error
/// codes, no `object` fields, usage only on the last chunk, and extra finish reasons.
final class GLMProvider: ProviderAdapter {
    let credential: GLMCredential
    let apiKey: String
    let log: AdapterLog

    init(config: InstanceConfig, log: AdapterLog) throws(AdapterError) {
        try OpenAICompatible.checkHeaderValue(config.apiKey, what: "the API key")
        guard !config.apiKey.isEmpty else { throw AdapterError.config("GLM needs an API key") }
        let options = try config.options()
        var mode = "auto"
        if let v = options["auth"], !v.isNull {
            guard let s = v.stringValue else { throw AdapterError.config("option auth must be a string") }
            mode = s
        }
        credential = try GLMCredential(key: config.apiKey, mode: mode)
        apiKey = config.apiKey
        self.log = log
    }

    func translateRequest(_ request: AdapterRequest, emit: Emitter) throws(AdapterError) {
        let body = try GLMRequest.translate(request.body, requestID: request.requestID, log: log)
        try emit.method("POST")
        try emit.path("/chat/completions")
        try emit.header("Authorization", credential.authorization())
        try emit.header("Content-Type", "application/json")
        try emit.header("Accept", request.stream ? "text/event-stream" : "application/json")
        try emit.body(body)
    }

    func translateResponse(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        var object: JSONObject
        do {
            object = try JSONValue.parseObject(response.body)
        } catch {
            throw AdapterError.upstreamFormat("the upstream answer is not a JSON object (\(error))")
        }
        if let e = object["error"], !e.isNull {
            // A 2xx that is really an error: mapped by its business code, 502 when the code is unknown.
            try emit.error(GLMErrors.map(object, status: 502, apiKey: apiKey))
            return
        }
        guard var choices = object["choices"]?.arrayValue else {
            throw AdapterError.upstreamFormat("the upstream answer has no choices array")
        }
        for i in choices.indices {
            guard var choice = choices[i].objectValue else { continue }
            if let reason = choice["finish_reason"]?.stringValue {
                guard let mapped = GLMProvider.finishReason(reason, log: log) else {
                    // network_error: the model's answer broke off upstream; it is not a usable answer.
                    try emit.error(OpenAIErrorBody(status: 502, message: "the upstream answer was interrupted (network_error)",
                                                   type: "upstream_error", code: "upstream_error"))
                    return
                }
                choice["finish_reason"] = .string(mapped)
            }
            if !choice.contains("logprobs") { choice["logprobs"] = .null }
            if var message = choice["message"]?.objectValue {
                if !message.contains("content") { message.set("content", .null, after: "role") }
                if !message.contains("refusal") { message.set("refusal", .null, after: "content") }
                if !message.contains("role") { message.set("role", .string("assistant"), after: "") }
                choice["message"] = .object(message)
            }
            choices[i] = .object(choice)
        }
        object["choices"] = .array(choices)
        object.set("object", .string("chat.completion"), after: "id")
        if let model = object["model"]?.stringValue, !model.isEmpty { try emit.model(model) }
        if let usage = Usage(openAI: object["usage"]) { try emit.usage(usage) }
        if let reason = OpenAICompatible.firstFinishReason(object) { try emit.finish(reason) }
        try emit.response(object.serialized())
    }

    func translateError(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        let object = try? JSONValue.parseObject(response.body)
        try emit.error(GLMErrors.map(object, status: response.status, apiKey: apiKey))
    }

    func makeStream(_ request: AdapterRequest) throws(AdapterError) -> any StreamTranslator {
        SSEChatStream(handler: GLMStreamHandler(apiKey: apiKey, log: log))
    }

    /// GLM finish reasons on the OpenAI scale; nil for `network_error` (the answer broke off: an error).
    static func finishReason(_ reason: String, log: AdapterLog) -> String? {
        switch reason {
        case "stop", "length", "tool_calls", "content_filter", "function_call": return reason
        case "sensitive": return "content_filter"
        case "model_context_window_exceeded": return "length"
        case "network_error": return nil
        default:
            log(.warning, "unknown upstream finish_reason \(reason.prefix(64)); reported as stop")
            return "stop"
        }
    }
}
