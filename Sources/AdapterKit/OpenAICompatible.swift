/// Helpers for providers that speak (a dialect of) the OpenAI chat-completions wire format.
public enum OpenAICompatible {
    /// Checks that a credential or header value can be sent in an HTTP header.
    /// - Throws: ``AdapterError/config(_:)`` naming `what` (never the value itself).
    public static func checkHeaderValue(_ value: String, what: String) throws(AdapterError) {
        if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            throw AdapterError.config("\(what) contains control characters")
        }
    }

    /// Parses the unified request body, which must be a JSON object.
    /// - Throws: ``AdapterError/invalidRequest(_:)`` otherwise.
    public static func parseRequest(_ body: UnsafeRawBufferPointer) throws(AdapterError) -> JSONObject {
        do {
            return try JSONValue.parseObject(body)
        } catch {
            throw AdapterError.invalidRequest("the request body is not a JSON object (\(error))")
        }
    }

    /// The OpenAI rule for `stream_options`: when streaming, ask for `include_usage: true` (keeping the other
    /// `stream_options` fields); when not streaming, drop `stream_options` (OpenAI rejects it without
    /// `stream`). Returns nil when the body can be sent unchanged (then it has been checked to be an object).
    public static func rewriteStreamOptions(_ body: UnsafeRawBufferPointer, stream: Bool) throws(AdapterError) -> [UInt8]? {
        if !stream {
            if JSONScan.keyState(body, "stream_options") == .absent {
                guard JSONScan.isObject(body) else { throw AdapterError.invalidRequest("the request body is not a JSON object") }
                return nil
            }
            var object = try parseRequest(body)
            guard object.contains("stream_options") else { return nil }
            object["stream_options"] = nil
            return object.serialized()
        }
        var object = try parseRequest(body)
        var options = object["stream_options"]?.objectValue ?? JSONObject()
        if options["include_usage"] == .bool(true), object["stream"] == .bool(true) { return nil }
        options["include_usage"] = .bool(true)
        object["stream_options"] = .object(options)
        object["stream"] = .bool(true)
        return object.serialized()
    }

    /// Removes `,"usage":null` (the compact form OpenAI sends on every chunk when usage was requested) from a
    /// chunk, for clients that did not ask for usage. Returns nil when the exact form is not present once.
    public static func strippingUsageNull(_ payload: UnsafeRawBufferPointer) -> [UInt8]? {
        let pattern: [UInt8] = Array(#","usage":null"#.utf8)
        let n = payload.count, m = pattern.count
        guard n >= m else { return nil }
        var found: Int?
        var i = 0
        while i + m <= n {
            if payload[i] == pattern[0] {
                var match = true
                for k in 1..<m where payload[i + k] != pattern[k] {
                    match = false
                    break
                }
                if match {
                    if found != nil { return nil }  // twice: leave it alone
                    found = i
                    i += m
                    continue
                }
            }
            i += 1
        }
        guard let at = found else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(n - m)
        out.append(contentsOf: payload[0..<at])
        out.append(contentsOf: payload[(at + m)...])
        return out
    }

    /// Whether `payload`'s error object is complete in the OpenAI sense (`message` and `type` strings, `param`
    /// and `code` present as string or null), so it can be forwarded byte for byte.
    public static func isCompleteError(_ object: JSONObject) -> Bool {
        guard let e = object["error"]?.objectValue else { return false }
        func stringOrNull(_ v: JSONValue?) -> Bool {
            switch v {
            case .string?, .null?: return true
            default: return false
            }
        }
        return e["message"]?.stringValue != nil && e["type"]?.stringValue != nil && stringOrNull(e["param"])
            && stringOrNull(e["code"])
    }

    /// An OpenAI-shaped error from an upstream error object, filling what is missing from the status.
    public static func normalizedError(_ object: JSONObject?, status: Int) -> OpenAIErrorBody {
        var body = OpenAIErrorBody.forStatus(status)
        guard let object, let parsed = OpenAIErrorBody.parseUpstream(object) else { return body }
        if let m = parsed.message, !m.isEmpty { body.message = m }
        if let t = parsed.type, !t.isEmpty { body.type = t }
        body.param = parsed.param
        if let c = parsed.code { body.code = c }
        if body.code == "insufficient_quota" || body.type == "insufficient_quota" || body.code == "invalid_api_key" {
            body.noRetry = true
        }
        return body
    }

    /// The client status for an error event that arrives inside a 200 stream, judged by its type/code.
    public static func streamErrorStatus(_ error: OpenAIErrorBody) -> Int {
        let words = [error.type, error.code ?? ""]
        if words.contains(where: { $0.contains("rate_limit") }) { return 429 }
        if words.contains("insufficient_quota") { return 429 }
        if words.contains("invalid_request_error") { return 400 }
        if words.contains("server_error") { return 500 }
        return 502
    }
}

extension OpenAICompatible {
    /// Replaces every occurrence of `secret` in an upstream message with `****` (upstreams sometimes echo the
    /// key back; error bodies reach clients and logs). Secrets shorter than 8 bytes are left alone: too short
    /// to be a real key and too likely to hit ordinary words.
    public static func scrub(_ message: String, secret: String) -> String {
        guard secret.utf8.count >= 8, message.contains(secret) else { return message }
        return message.split(separator: secret, omittingEmptySubsequences: false).joined(separator: "****")
    }

    /// The first choice's finish reason, for `GW_OUT_FINISH`.
    public static func firstFinishReason(_ object: JSONObject) -> String? {
        object["choices"]?.arrayValue?.first?.objectValue?["finish_reason"]?.stringValue
    }
}
