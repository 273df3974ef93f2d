import AdapterHost
import JSONCore
import NIOCore

/// Validates a client's chat-completions body and applies the endpoint's policy (model, system
/// prompt, stream), producing the unified request the adapter translates.
struct ChatRequestPreparer {
    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]

    struct Prepared: Sendable {
        var unified: UnifiedRequest
        /// The model the client asked for, when it named one.
        var requestedModel: String?
        /// The unified request as JSON (what `unified.body` holds), for the response cache key.
        var object: JSONObject
    }

    static func prepare(body: ByteBuffer, endpoint: ResolvedEndpoint, requestID: String) throws(ProxyError) -> Prepared {
        let root: JSONValue
        do {
            root = try JSONValue.parse(body)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard var request = root.objectValue else {
            throw .invalidField("body", "The request body must be a JSON object.")
        }
        try validate(request)

        // Model: the endpoint decides unless it lets clients choose.
        let endpointModel = endpoint.record.model
        let requestedModel = request["model"]?.stringValue
        var model = endpointModel
        if let requestedModel, !requestedModel.isEmpty, requestedModel != endpointModel {
            guard endpoint.record.allowModelOverride else {
                throw ProxyError(status: .badRequest, type: "invalid_request_error", code: "model_not_allowed",
                                 message: "This endpoint serves the model '\(endpointModel)'; it does not accept '\(requestedModel)'.",
                                 param: "model")
            }
            let offered = endpoint.provider.models
            guard offered.isEmpty || offered.contains(requestedModel) else {
                throw ProxyError(status: .badRequest, type: "invalid_request_error", code: "model_not_allowed",
                                 message: "The model '\(requestedModel)' is not offered here. Available: \(([endpointModel] + offered.filter { $0 != endpointModel }).joined(separator: ", ")).",
                                 param: "model")
            }
            model = requestedModel
        }
        request["model"] = .string(model)

        // System prompt: prepended, or replacing the client's own system/developer messages.
        if let systemMessage = endpoint.systemMessage, case .array(var messages) = request["messages"] {
            if endpoint.record.systemPromptMode == "override" {
                messages.removeAll { message in
                    let role = message.objectValue?["role"]?.stringValue
                    return role == "system" || role == "developer"
                }
            }
            messages.insert(systemMessage, at: 0)
            request["messages"] = .array(messages)
        }

        // Stream policy.
        let clientStream = request["stream"]?.boolValue ?? false
        let stream: Bool
        switch endpoint.record.streamPolicy {
        case "always": stream = true
        case "never": stream = false
        default: stream = clientStream
        }
        request["stream"] = .bool(stream)
        let includeUsage = stream && (request["stream_options"]?.objectValue?["include_usage"]?.boolValue ?? false)
        if !stream { request["stream_options"] = nil }

        let unified = UnifiedRequest(model: model, body: JSONValue.object(request).byteBuffer, stream: stream,
                                     includeUsage: includeUsage, requestID: requestID)
        return Prepared(unified: unified, requestedModel: requestedModel, object: request)
    }

    /// Type checks for the fields the gateway and adapters rely on. Unknown fields pass through.
    private static func validate(_ request: JSONObject) throws(ProxyError) {
        guard let messagesValue = request["messages"] else {
            throw .invalidField("messages", "'messages' is required: a non-empty array of chat messages.")
        }
        guard case .array(let messages) = messagesValue else {
            throw .invalidField("messages", "'messages' must be an array, not \(messagesValue.typeName).")
        }
        guard !messages.isEmpty else {
            throw .invalidField("messages", "'messages' must contain at least one message.")
        }
        for (index, message) in messages.enumerated() {
            guard let object = message.objectValue else {
                throw .invalidField("messages[\(index)]", "messages[\(index)] must be an object, not \(message.typeName).")
            }
            guard let role = object["role"]?.stringValue else {
                throw .invalidField("messages[\(index)].role", "messages[\(index)].role must be a string.")
            }
            guard roles.contains(role) else {
                throw .invalidField("messages[\(index)].role", "messages[\(index)].role '\(role)' is not one of \(roles.sorted().joined(separator: ", ")).")
            }
            switch object["content"] {
            case nil, .null?, .string?, .array?: break
            case let other?:
                throw .invalidField("messages[\(index)].content", "messages[\(index)].content must be a string or an array of parts, not \(other.typeName).")
            }
        }
        try expect(request, "model", "string") { if case .string = $0 { true } else { false } }
        try expect(request, "stream", "boolean") { if case .bool = $0 { true } else { false } }
        try expect(request, "stream_options", "object") { if case .object = $0 { true } else { false } }
        for field in ["temperature", "top_p", "frequency_penalty", "presence_penalty"] {
            try expect(request, field, "number") { if case .number = $0 { true } else { false } }
        }
        for field in ["max_tokens", "max_completion_tokens", "n", "seed", "top_logprobs"] {
            try expect(request, field, "integer") { $0.int64Value != nil }
        }
        try expect(request, "stop", "string or array of strings") { value in
            switch value {
            case .string: true
            case .array(let items): items.allSatisfy { $0.stringValue != nil }
            default: false
            }
        }
        try expect(request, "tools", "array") { if case .array = $0 { true } else { false } }
        try expect(request, "user", "string") { if case .string = $0 { true } else { false } }
        if let temperature = request["temperature"]?.doubleValue, !(0...2).contains(temperature) {
            throw .invalidField("temperature", "'temperature' must be between 0 and 2.")
        }
        if let n = request["n"]?.int64Value, n < 1 {
            throw .invalidField("n", "'n' must be at least 1.")
        }
    }

    /// Throws when `field` is present, not null, and fails `check`.
    private static func expect(_ request: JSONObject, _ field: String, _ expected: String, _ check: (JSONValue) -> Bool) throws(ProxyError) {
        guard let value = request[field], !value.isNull else { return }
        guard check(value) else {
            throw .invalidField(field, "'\(field)' must be \(expected.first.map { "aeiou".contains($0) } == true ? "an" : "a") \(expected), not \(value.typeName).")
        }
    }
}
