/// One request the mock received on a provider route, and what became of its answer.
///
/// Entries are recorded on arrival and updated while the answer is written, so a request whose stream is still
/// running shows `completed == false` and no `reportedUsage` yet.
public struct MockRecordedRequest: Sendable {
    /// The provider the request was addressed to.
    public var flavor: MockFlavor
    /// HTTP method, e.g. `POST`.
    public var method: String
    /// Request path without the query, e.g. `/openai/v1/chat/completions`.
    public var path: String
    /// Request headers in arrival order, names as the client spelled them.
    public var headers: [(name: String, value: String)]
    /// The raw request body.
    public var body: [UInt8]
    /// The usage the mock put in its answer; nil if it sent none (an error, `no_usage`, or a drop before the usage).
    public var reportedUsage: MockUsage?
    /// The mock wrote its whole answer; false when it dropped the connection on purpose or the client went away.
    public var completed: Bool
    /// The client closed the connection before the answer was complete.
    public var clientDisconnected: Bool
    /// The native API the request was addressed to (Anthropic, Ollama), or nil for the OpenAI-compatible routes;
    /// for native requests `flavor` is `.openai` and carries no meaning.
    public var nativeAPI: MockNativeAPI? = nil

    /// The value of the first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// The body decoded as UTF-8.
    public var bodyString: String { String(decoding: body, as: UTF8.self) }
}
