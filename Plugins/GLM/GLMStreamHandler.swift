import AdapterKit

/// Rewrites every GLM chunk into an OpenAI `chat.completion.chunk`: injects `object`, adds
/// `finish_reason: null` to intermediate choices, maps finish reasons, drops the repeated `tool_calls` finish
/// that GLM sends again on its usage chunk, and moves usage (which GLM always sends on the last chunk) into a
/// separate usage-only chunk flagged `GW_CHUNK_USAGE_ONLY`.
struct GLMStreamHandler: SSEPayloadHandler {
    let apiKey: String
    let log: AdapterLog
    private var modelSent = false
    private var finishSent = false
    private var finishedChoices: Set<Int64> = []

    init(apiKey: String, log: AdapterLog) {
        self.apiKey = apiKey
        self.log = log
    }

    mutating func handle(_ payload: UnsafeRawBufferPointer, terminated: Bool, emit: Emitter) throws(AdapterError)
        -> SSEPayloadOutcome
    {
        var object: JSONObject
        do {
            object = try JSONValue.parseObject(payload)
        } catch {
            throw AdapterError.upstreamFormat("a stream event is not a JSON object (\(error))")
        }
        if let e = object["error"], !e.isNull {
            var body = GLMErrors.map(object, status: 502, apiKey: apiKey)
            if !(400...599).contains(body.status) { body.status = 502 }
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
        object.set("object", .string("chat.completion.chunk"), after: "id")

        var kept: [JSONValue] = []
        var finish: String?
        var networkError = false
        for value in choices {
            guard var choice = value.objectValue else { continue }
            let index = choice["index"]?.int64Value ?? 0
            var duplicateFinish = false
            if let reason = choice["finish_reason"]?.stringValue {
                if finishedChoices.contains(index) {
                    duplicateFinish = true
                    choice["finish_reason"] = .null
                } else if let mapped = GLMProvider.finishReason(reason, log: log) {
                    choice["finish_reason"] = .string(mapped)
                    finishedChoices.insert(index)
                    if finish == nil { finish = mapped }
                } else {
                    networkError = true
                    choice["finish_reason"] = .null
                }
            } else {
                choice["finish_reason"] = .null
            }
            if choice["delta"]?.objectValue == nil { choice["delta"] = .object(JSONObject()) }
            if (duplicateFinish || networkError) && GLMStreamHandler.isEmptyDelta(choice["delta"]) { continue }
            kept.append(.object(choice))
        }
        object["choices"] = .array(kept)

        let usageValue = object.removeValue(forKey: "usage")
        let usage = Usage(openAI: usageValue)
        if !kept.isEmpty || (usage == nil && !networkError && choices.isEmpty) {
            try emit.chunk(object.serialized())
        }
        if let usageValue, usage != nil {
            try emit.chunk(ChatChunk.usageOnly(from: object, usage: usageValue), usageOnly: true)
        }
        if let usage { try emit.usage(usage) }
        if networkError {
            try emit.error(OpenAIErrorBody(status: 502, message: "the upstream answer was interrupted (network_error)",
                                           type: "upstream_error", code: "upstream_error"))
            return .ended
        }
        if let finish {
            if !finishSent {
                try emit.finish(finish)
                finishSent = true
            }
            return .completed
        }
        return .more
    }

    /// A delta that says nothing: no tool calls and only empty or null text.
    static func isEmptyDelta(_ value: JSONValue?) -> Bool {
        guard let delta = value?.objectValue else { return true }
        for entry in delta.entries {
            switch entry.key {
            case "role": continue
            case "content", "reasoning_content", "refusal":
                if case .string(let s) = entry.value, !s.isEmpty { return false }
            default:
                if !entry.value.isNull { return false }
            }
        }
        return true
    }
}
