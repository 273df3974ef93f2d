import AdapterKit

/// DeepSeek streams: payloads pass through unchanged unless they carry usage, a finish reason or an error.
/// Usage rides on the finish chunk; it is split into the finish chunk (without usage) and a separate
/// usage-only chunk (`choices: []`, flagged `GW_CHUNK_USAGE_ONLY`) with `prompt_tokens_details.cached_tokens`
/// filled from `prompt_cache_hit_tokens`. `: keep-alive` comments are dropped by the framer.
struct DeepSeekStreamHandler: SSEPayloadHandler {
    let includeUsage: Bool
    let apiKey: String
    let log: AdapterLog
    private var modelSent = false
    private var finishSent = false

    init(includeUsage: Bool, apiKey: String, log: AdapterLog) {
        self.includeUsage = includeUsage
        self.apiKey = apiKey
        self.log = log
    }

    mutating func handle(_ payload: UnsafeRawBufferPointer, terminated: Bool, emit: Emitter) throws(AdapterError)
        -> SSEPayloadOutcome
    {
        // One validating pass that also says whether anything must be read from the payload.
        guard let keys = JSONScan.chatChunk(payload) else {
            throw AdapterError.upstreamFormat("a stream event is not a JSON object")
        }
        if modelSent, keys.usage != .value, keys.finishReason != .value, keys.error == .absent {
            try emit.chunk(raw: payload)
            return .more
        }

        var object: JSONObject
        do {
            object = try JSONValue.parseObject(payload)
        } catch {
            throw AdapterError.upstreamFormat("a stream event is not a JSON object (\(error))")
        }
        if let e = object["error"], !e.isNull {
            var body = DeepSeekErrors.map(object, status: 502, apiKey: apiKey)
            if let parsed = OpenAIErrorBody.parseUpstream(object) {
                body.type = parsed.type ?? body.type
                body.code = parsed.code ?? body.code
            }
            body.status = OpenAICompatible.streamErrorStatus(body)
            try emit.error(body)
            return .ended
        }
        guard var choices = object["choices"]?.arrayValue else {
            throw AdapterError.upstreamFormat("a stream chunk has no choices array")
        }
        if !modelSent, let model = object["model"]?.stringValue, !model.isEmpty {
            try emit.model(model)
            modelSent = true
        }

        var changed = false
        var finish: String?
        for i in choices.indices {
            guard var choice = choices[i].objectValue, let reason = choice["finish_reason"]?.stringValue else { continue }
            let mapped = DeepSeekProvider.finishReason(reason, log: log)
            if mapped != reason {
                choice["finish_reason"] = .string(mapped)
                choices[i] = .object(choice)
                changed = true
            }
            if finish == nil { finish = mapped }
        }
        if changed { object["choices"] = .array(choices) }

        var usageChunk: [UInt8]?
        var usage: Usage?
        if let u = object["usage"]?.objectValue {
            let (normalized, counts) = DeepSeekProvider.normalizeUsage(u)
            usage = counts
            usageChunk = ChatChunk.usageOnly(from: object, usage: .object(normalized))
            object["usage"] = nil
            changed = true
        }

        if !choices.isEmpty || usageChunk == nil {
            if changed { try emit.chunk(object.serialized()) } else { try emit.chunk(raw: payload) }
        }
        if let usageChunk { try emit.chunk(usageChunk, usageOnly: true) }
        if let usage { try emit.usage(usage) }
        if let finish {
            if !finishSent {
                try emit.finish(finish)
                finishSent = true
            }
            return .completed
        }
        return .more
    }
}
