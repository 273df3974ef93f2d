import AdapterKit

/// Forwards OpenAI stream events as received. A payload is parsed only when something must be read from it:
/// the first chunk (model), a non-null `usage`, a non-null `finish_reason`, or an `error` key. Every other
/// payload is only checked to be a well-formed JSON object and passed through byte for byte.
struct OpenAIStreamHandler: SSEPayloadHandler {
    let includeUsage: Bool
    private var modelSent = false
    private var finishSent = false

    init(includeUsage: Bool) { self.includeUsage = includeUsage }

    mutating func handle(_ payload: UnsafeRawBufferPointer, terminated: Bool, emit: Emitter) throws(AdapterError)
        -> SSEPayloadOutcome
    {
        // One validating pass that also says whether anything must be read from the payload.
        guard let keys = JSONScan.chatChunk(payload) else {
            throw AdapterError.upstreamFormat("a stream event is not a JSON object")
        }
        let usageState = keys.usage
        if modelSent, keys.usage != .value, keys.finishReason != .value, keys.error == .absent {
            try forward(payload, usageState: usageState, usageOnly: false, emit: emit)
            return .more
        }

        let object: JSONObject
        do {
            object = try JSONValue.parseObject(payload)
        } catch {
            throw AdapterError.upstreamFormat("a stream event is not a JSON object (\(error))")
        }
        if let e = object["error"], !e.isNull {
            var body = OpenAICompatible.normalizedError(object, status: 502)
            body.status = OpenAICompatible.streamErrorStatus(body)
            try emit.error(body)
            return .ended
        }
        guard let choices = object["choices"]?.arrayValue else {
            throw AdapterError.upstreamFormat("a stream chunk has no choices array")
        }
        if !modelSent, let model = object["model"]?.stringValue, !model.isEmpty {
            try emit.model(model)
            modelSent = true
        }
        let usage = Usage(openAI: object["usage"])
        try forward(payload, usageState: usageState, usageOnly: choices.isEmpty && usage != nil, emit: emit)
        if let usage { try emit.usage(usage) }
        var outcome = SSEPayloadOutcome.more
        for choice in choices {
            if let reason = choice.objectValue?["finish_reason"]?.stringValue {
                if !finishSent {
                    try emit.finish(reason)
                    finishSent = true
                }
                outcome = .completed
            }
        }
        return outcome
    }

    /// Emits the payload unchanged, except that `,"usage":null` is dropped for clients that did not ask for
    /// usage (we asked upstream for it on their behalf).
    private func forward(_ payload: UnsafeRawBufferPointer, usageState: JSONScan.KeyState, usageOnly: Bool, emit: Emitter) throws(AdapterError) {
        if !includeUsage, usageState == .null, let stripped = OpenAICompatible.strippingUsageNull(payload) {
            try emit.chunk(stripped, usageOnly: usageOnly)
        } else {
            try emit.chunk(raw: payload, usageOnly: usageOnly)
        }
    }
}
