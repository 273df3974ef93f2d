import AdapterKit

/// OpenAI chat completions: the unified format *is* OpenAI's, so this adapter mostly forwards bytes. It only
/// adds authentication, forces `stream_options.include_usage` when streaming, and reads usage, model and
/// finish reason on the way back.
final class OpenAIProvider: ProviderAdapter {
    let apiKey: String
    let organization: String?
    let project: String?
    let log: AdapterLog

    init(config: InstanceConfig, log: AdapterLog) throws(AdapterError) {
        try OpenAICompatible.checkHeaderValue(config.apiKey, what: "the API key")
        let options = try config.options()
        func option(_ key: String) throws(AdapterError) -> String? {
            guard let v = options[key], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw AdapterError.config("option \(key) must be a string") }
            try OpenAICompatible.checkHeaderValue(s, what: "option \(key)")
            return s.isEmpty ? nil : s
        }
        apiKey = config.apiKey
        organization = try option("organization")
        project = try option("project")
        self.log = log
    }

    func translateRequest(_ request: AdapterRequest, emit: Emitter) throws(AdapterError) {
        try emit.method("POST")
        try emit.path("/chat/completions")
        if !apiKey.isEmpty { try emit.header("Authorization", "Bearer \(apiKey)") }
        if let organization { try emit.header("OpenAI-Organization", organization) }
        if let project { try emit.header("OpenAI-Project", project) }
        try emit.header("Content-Type", "application/json")
        try emit.header("Accept", request.stream ? "text/event-stream" : "application/json")
        if let rewritten = try OpenAICompatible.rewriteStreamOptions(request.body, stream: request.stream) {
            try emit.body(rewritten)
        } else {
            try emit.body(raw: request.body)
        }
    }

    func translateResponse(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        let object: JSONObject
        do {
            object = try JSONValue.parseObject(response.body)
        } catch {
            throw AdapterError.upstreamFormat("the upstream answer is not a JSON object (\(error))")
        }
        if let e = object["error"], !e.isNull {
            var body = OpenAICompatible.normalizedError(object, status: 502)
            body.status = 502
            try emit.error(body)
            return
        }
        guard let choices = object["choices"]?.arrayValue else {
            throw AdapterError.upstreamFormat("the upstream answer has no choices array")
        }
        if let model = object["model"]?.stringValue, !model.isEmpty { try emit.model(model) }
        if let usage = Usage(openAI: object["usage"]) { try emit.usage(usage) }
        if let reason = choices.first?.objectValue?["finish_reason"]?.stringValue { try emit.finish(reason) }
        try emit.response(raw: response.body)
    }

    func translateError(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        let object = try? JSONValue.parseObject(response.body)
        let status = (400...599).contains(response.status) ? response.status : 502
        if let object, OpenAICompatible.isCompleteError(object) {
            // Already the shape the client expects: forward it untouched, with the upstream status.
            let normalized = OpenAICompatible.normalizedError(object, status: status)
            let noRetry = normalized.noRetry || OpenAIErrorBody.defaultNoRetry(forStatus: status)
            try emit.error(status: status, raw: response.body, noRetry: noRetry)
            return
        }
        var body = OpenAICompatible.normalizedError(object, status: status)
        body.status = status
        try emit.error(body)
    }

    func makeStream(_ request: AdapterRequest) throws(AdapterError) -> any StreamTranslator {
        SSEChatStream(handler: OpenAIStreamHandler(includeUsage: request.includeUsage))
    }
}
