import AdapterKit

/// Anthropic Messages (`POST /v1/messages`): `x-api-key` and `anthropic-version` headers, the system prompt as a
/// top-level field, content blocks, a required `max_tokens`, and an SSE stream of typed events without `[DONE]`.
///
/// Options (the provider's `options` JSON, all optional):
/// - `default_max_tokens` (integer, default 4096): `max_tokens` when the client sends neither `max_tokens` nor
///   `max_completion_tokens` (Anthropic requires it).
/// - `anthropic_version` (string, default `2023-06-01`): the `anthropic-version` header.
/// - `anthropic_beta` (string): an `anthropic-beta` header, e.g. to enable a beta feature.
final class AnthropicProvider: ProviderAdapter {
    let apiKey: String
    let defaultMaxTokens: Int64
    let version: String
    let beta: String?
    let log: AdapterLog

    static let defaultVersion = "2023-06-01"
    static let defaultMaxTokens: Int64 = 4096

    init(config: InstanceConfig, log: AdapterLog) throws(AdapterError) {
        try OpenAICompatible.checkHeaderValue(config.apiKey, what: "the API key")
        let options = try config.options()
        for key in options.keys where !["default_max_tokens", "anthropic_version", "anthropic_beta"].contains(key) {
            throw AdapterError.config("unknown option \(key) (known: default_max_tokens, anthropic_version, anthropic_beta)")
        }
        var maxTokens = AnthropicProvider.defaultMaxTokens
        if let value = options["default_max_tokens"], !value.isNull {
            guard let n = value.int64Value, n > 0 else { throw AdapterError.config("option default_max_tokens must be a positive integer") }
            maxTokens = n
        }
        func text(_ key: String) throws(AdapterError) -> String? {
            guard let value = options[key], !value.isNull else { return nil }
            guard let s = value.stringValue, !s.isEmpty else { throw AdapterError.config("option \(key) must be a non-empty string") }
            try OpenAICompatible.checkHeaderValue(s, what: "option \(key)")
            return s
        }
        apiKey = config.apiKey
        defaultMaxTokens = maxTokens
        version = try text("anthropic_version") ?? AnthropicProvider.defaultVersion
        beta = try text("anthropic_beta")
        self.log = log
    }

    func translateRequest(_ request: AdapterRequest, emit: Emitter) throws(AdapterError) {
        let body = try AnthropicRequest.translate(request.body, stream: request.stream, defaultMaxTokens: defaultMaxTokens, log: log)
        try emit.method("POST")
        try emit.path("/v1/messages")
        if !apiKey.isEmpty { try emit.header("x-api-key", apiKey) }
        try emit.header("anthropic-version", version)
        if let beta { try emit.header("anthropic-beta", beta) }
        try emit.header("Content-Type", "application/json")
        try emit.header("Accept", request.stream ? "text/event-stream" : "application/json")
        try emit.body(body)
    }

    func translateResponse(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        let object: JSONObject
        do {
            object = try JSONValue.parseObject(response.body)
        } catch {
            throw AdapterError.upstreamFormat("the upstream answer is not a JSON object (\(error))")
        }
        if object["type"]?.stringValue == "error" {
            try emit.error(AnthropicErrors.map(object, status: 502, apiKey: apiKey))
            return
        }
        let answer = try AnthropicResponse.completion(object, log: log)
        try emit.model(answer.model)
        try emit.usage(answer.usage.counts)
        try emit.finish(answer.finishReason)
        try emit.response(answer.json)
    }

    func translateError(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError) {
        let object = try? JSONValue.parseObject(response.body)
        try emit.error(AnthropicErrors.map(object, status: response.status, apiKey: apiKey))
    }

    func makeStream(_ request: AdapterRequest) throws(AdapterError) -> any StreamTranslator {
        AnthropicStream(apiKey: apiKey, log: log)
    }
}
