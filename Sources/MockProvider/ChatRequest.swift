import Foundation

/// The parts of a chat-completions request body the mock's answer depends on.
struct ChatRequest: Sendable {
    var model: String
    var stream: Bool
    /// `stream_options.include_usage` (OpenAI adds the final usage chunk only then).
    var includeUsage: Bool
    /// `stream_options.include_obfuscation`, default true (OpenAI pads every chunk).
    var includeObfuscation: Bool
    /// Text of the last message with role `user`; "" when there is none.
    var lastUserText: String
    /// UTF-8 bytes of all message contents, the basis of `prompt_tokens`.
    var contentBytes: Int
    /// The first `type:function` tool, if any.
    var firstFunction: FunctionTool?
    /// GLM `request_id`, echoed in the answer.
    var requestID: String?
    /// `thinking.type`, when given.
    var thinking: String?

    struct FunctionTool: Sendable {
        var name: String
        /// The argument the mock fills in: the first required property, else the first property by name.
        var argumentName: String?
    }

    /// Why a body could not be used; answered with the provider's 400.
    struct Invalid: Error {
        var message: String
    }

    init(json body: [UInt8]) throws(Invalid) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)), let root = object as? [String: Any] else {
            throw Invalid(message: "We could not parse the JSON body of your request.")
        }
        guard let messages = root["messages"] as? [[String: Any]], !messages.isEmpty else {
            throw Invalid(message: "Missing required parameter: 'messages'.")
        }
        model = root["model"] as? String ?? "mock-model"
        stream = root["stream"] as? Bool ?? false
        let streamOptions = root["stream_options"] as? [String: Any]
        includeUsage = streamOptions?["include_usage"] as? Bool ?? false
        includeObfuscation = streamOptions?["include_obfuscation"] as? Bool ?? true
        requestID = root["request_id"] as? String
        thinking = (root["thinking"] as? [String: Any])?["type"] as? String

        var bytes = 0
        var lastUser = ""
        for message in messages {
            let text = Self.text(of: message["content"])
            bytes += text.utf8.count
            if message["role"] as? String == "user" { lastUser = text }
        }
        contentBytes = bytes
        lastUserText = lastUser

        firstFunction = Self.firstFunction(in: root["tools"])
    }

    /// The first tool of type `function`, with the argument the mock fills in.
    private static func firstFunction(in tools: Any?) -> FunctionTool? {
        for tool in tools as? [[String: Any]] ?? [] {
            guard tool["type"] as? String ?? "function" == "function",
                let function = tool["function"] as? [String: Any],
                let name = function["name"] as? String
            else { continue }
            let parameters = function["parameters"] as? [String: Any]
            let required = parameters?["required"] as? [String]
            let properties = (parameters?["properties"] as? [String: Any])?.keys.sorted()
            return FunctionTool(name: name, argumentName: required?.first ?? properties?.first)
        }
        return nil
    }

    /// A message's text: a string, or the `text` of each part of an array of content parts, joined.
    private static func text(of content: Any?) -> String {
        if let string = content as? String { return string }
        guard let parts = content as? [[String: Any]] else { return "" }
        return parts.compactMap { $0["text"] as? String }.joined()
    }
}
