import Foundation
import Hummingbird

/// Providers the mock plays with their own, non-OpenAI wire formats.
///
/// - Anthropic Messages: `POST /anthropic/v1/messages` (base URL `…/anthropic`). Checks `x-api-key` against
///   ``MockCredentials/anthropicKey`` and requires `anthropic-version`; validates the body as the real API does
///   (`max_tokens` required, only user/assistant roles, `tool_result` blocks answering earlier `tool_use` ids,
///   `temperature` within 0...1). Streams the documented event sequence (`message_start`, content blocks with
///   `ping`s between them, `message_delta` with the output total, `message_stop`, no `[DONE]`); errors in
///   Anthropic's shape, `event: error` mid-stream, 529 for `error=529`.
/// - Ollama native chat: `POST /ollama/api/chat` (base URL `…/ollama`). No key needed (a wrong
///   `Authorization` is refused as a proxy would); `stream` defaults to true; message `content` must be a string;
///   tool-call `arguments` must be objects; unknown models get Ollama's 404. Streams newline-delimited JSON, the
///   last line with `"done": true`, `done_reason`, `prompt_eval_count` and `eval_count`; an error mid-stream is a
///   `{"error": ...}` line.
///
/// The answers follow the same rules as the OpenAI-compatible routes (`Hello from mock <api>! You said: …`, one
/// completion token per word piece, `prompt_tokens` = ceil(UTF-8 bytes of all text / 4)) and the same directives
/// (`chunks`, `interval_ms`, `first_byte_ms`, `drop_after`, `stream_error_after`, `error`, `tools`, `cached`
/// (Anthropic), `finish`, `reasoning`). A request's `max_tokens` / `options.num_predict` smaller than the answer
/// cuts it with `max_tokens` / `length`. Requests are recorded with ``MockRecordedRequest/nativeAPI`` set.
public enum MockNativeAPI: String, Sendable, CaseIterable {
    case anthropic
    case ollama

    /// The path under which the API is served, the equivalent of its public base URL.
    public var basePath: String {
        switch self {
        case .anthropic: "/anthropic"
        case .ollama: "/ollama"
        }
    }

    /// Models the mock's Ollama has "pulled"; others get Ollama's 404.
    public static let ollamaModels = ["llama3.2", "qwen3:8b"]
}

extension MockProvider {
    /// The base URL a client of `api` would be configured with, e.g. `http://127.0.0.1:<port>/anthropic`.
    public func baseURL(for api: MockNativeAPI) -> String {
        "http://\(host):\(port)\(api.basePath)"
    }

    /// Registers the native API routes (called once from `buildRouter`).
    static func addNativeRoutes(to router: Router<MockRequestContext>, log: RequestLog) {
        let anthropic = AnthropicRoute(log: log)
        router.post("/anthropic/v1/messages", use: anthropic.messages)
        let ollama = OllamaRoute(log: log)
        router.post("/ollama/api/chat", use: ollama.chat)
    }
}

extension MockCredentials {
    /// Anthropic key, sent as `x-api-key`.
    public static let anthropicKey = "sk-ant-mock-anthropic"
    /// Key a proxy in front of the mock's Ollama accepts as `Authorization: Bearer` (Ollama itself needs none).
    public static let ollamaKey = "ollama-mock-key"
}
