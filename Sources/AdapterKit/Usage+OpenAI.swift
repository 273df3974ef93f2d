extension Usage {
    /// Reads an OpenAI `usage` object: prompt and completion tokens, reasoning tokens from
    /// `completion_tokens_details.reasoning_tokens`, cached tokens from `prompt_tokens_details.cached_tokens`.
    /// Returns nil when `value` is not an object.
    public init?(openAI value: JSONValue?) {
        guard let u = value?.objectValue else { return nil }
        self.init(
            promptTokens: Usage.count(u["prompt_tokens"]),
            completionTokens: Usage.count(u["completion_tokens"]),
            reasoningTokens: Usage.count(u["completion_tokens_details"]?.objectValue?["reasoning_tokens"]),
            cachedTokens: Usage.count(u["prompt_tokens_details"]?.objectValue?["cached_tokens"]))
    }

    /// A non-negative integer token count, or nil.
    public static func count(_ v: JSONValue?) -> Int64? {
        guard let i = v?.int64Value, i >= 0 else { return nil }
        return i
    }
}

/// Small pieces shared by OpenAI-compatible chunk rewriting.
public enum ChatChunk {
    /// The five OpenAI finish reasons.
    public static let openAIFinishReasons: Set<String> = ["stop", "length", "tool_calls", "content_filter", "function_call"]

    /// A usage-only chunk (`choices: []`) with the id, created and model of `chunk`.
    public static func usageOnly(from chunk: JSONObject, usage: JSONValue) -> [UInt8] {
        var out = JSONObject()
        out["id"] = chunk["id"] ?? .string("")
        out["object"] = .string("chat.completion.chunk")
        out["created"] = chunk["created"] ?? .int(0)
        out["model"] = chunk["model"] ?? .string("")
        if let fp = chunk["system_fingerprint"], !fp.isNull { out["system_fingerprint"] = fp }
        out["choices"] = .array([])
        out["usage"] = usage
        return out.serialized()
    }
}
