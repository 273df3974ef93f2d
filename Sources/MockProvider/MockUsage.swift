/// Token usage as the mock reported it in an answer.
///
/// `reasoningTokens` are counted inside `completionTokens`, and `cachedTokens` inside `promptTokens`, as the
/// providers do. GLM puts no reasoning count on the wire, so a GLM answer records `reasoningTokens == 0`.
public struct MockUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var reasoningTokens: Int
    public var cachedTokens: Int

    /// `promptTokens + completionTokens`.
    public var totalTokens: Int { promptTokens + completionTokens }

    public init(promptTokens: Int, completionTokens: Int, reasoningTokens: Int = 0, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
        self.cachedTokens = cachedTokens
    }
}
