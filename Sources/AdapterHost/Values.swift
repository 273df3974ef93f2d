import NIOCore

/// One request in the unified (OpenAI chat-completions) format, as the host hands it to an adapter.
public struct UnifiedRequest: Sendable {
    /// The model the host resolved for this request.
    public var model: String
    /// OpenAI chat-completions JSON, with "model" and "stream" already set by the host.
    public var body: ByteBuffer
    /// The client asked for SSE (`GW_REQ_STREAM`).
    public var stream: Bool
    /// The client asked for `stream_options.include_usage` (`GW_REQ_INCLUDE_USAGE`).
    public var includeUsage: Bool
    /// The host's request id (ASCII, unique).
    public var requestID: String

    public init(model: String, body: ByteBuffer, stream: Bool, includeUsage: Bool = false, requestID: String) {
        self.model = model
        self.body = body
        self.stream = stream
        self.includeUsage = includeUsage
        self.requestID = requestID
    }
}

/// The HTTP request an adapter wants sent upstream. `path` is appended to the instance's base URL.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: ByteBuffer

    public init(method: String, path: String, headers: [(name: String, value: String)], body: ByteBuffer) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// Token counts an adapter reported; `nil` is "not reported" (-1 in the ABI).
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int64?
    public var completionTokens: Int64?
    public var reasoningTokens: Int64?
    public var cachedTokens: Int64?

    public init(promptTokens: Int64? = nil, completionTokens: Int64? = nil, reasoningTokens: Int64? = nil, cachedTokens: Int64? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
        self.cachedTokens = cachedTokens
    }
}

/// An error for the client: HTTP status and an OpenAI error body `{"error":{...}}`.
public struct AdapterErrorOutput: Sendable {
    public var status: Int
    public var body: ByteBuffer
    /// `GW_ERROR_NO_RETRY`: retrying cannot help (billing, bad key).
    public var noRetry: Bool

    public init(status: Int, body: ByteBuffer, noRetry: Bool) {
        self.status = status
        self.body = body
        self.noRetry = noRetry
    }
}

/// What `translate_response` produced: either `body` (a `chat.completion`) or `error`.
public struct TranslatedResponse: Sendable {
    public var body: ByteBuffer?
    public var error: AdapterErrorOutput?
    public var usage: TokenUsage?
    public var model: String?
    public var finishReason: String?

    public init(
        body: ByteBuffer? = nil, error: AdapterErrorOutput? = nil, usage: TokenUsage? = nil, model: String? = nil,
        finishReason: String? = nil
    ) {
        self.body = body
        self.error = error
        self.usage = usage
        self.model = model
        self.finishReason = finishReason
    }
}

/// One output of a stream translation, in the order the adapter emitted it.
public enum StreamEvent: Sendable {
    /// A `chat.completion.chunk` JSON object (no SSE framing). `usageOnly` chunks carry only usage
    /// (`choices: []`); the host drops them unless the client asked for usage.
    case chunk(ByteBuffer, usageOnly: Bool)
    /// Token counts; a later one replaces an earlier one.
    case usage(TokenUsage)
    /// The model the upstream says answered.
    case model(String)
    /// The OpenAI finish reason.
    case finish(String)
    /// A final error event; the stream is over.
    case error(AdapterErrorOutput)
}
