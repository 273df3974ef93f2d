/// The upstream provider the mock plays on a route.
public enum MockFlavor: String, Sendable, CaseIterable {
    case openai
    case deepseek
    case glm

    /// The path under which the provider's API is served, the equivalent of its public base URL.
    ///
    /// DeepSeek also answers under `/deepseek/v1`, as the real API does for OpenAI compatibility.
    public var basePath: String {
        switch self {
        case .openai: "/openai/v1"
        case .deepseek: "/deepseek"
        case .glm: "/glm/api/paas/v4"
        }
    }
}
