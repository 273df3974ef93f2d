import AdapterKit

/// DeepSeek error bodies are OpenAI-shaped but their `type`/`code` are generic ("unknown_error",
/// "invalid_request_error" for everything), so errors are classified by HTTP status.
enum DeepSeekErrors {
    static func map(_ object: JSONObject?, status: Int, apiKey: String) -> OpenAIErrorBody {
        let upstreamMessage = object.flatMap { OpenAIErrorBody.parseUpstream($0)?.message }.flatMap { $0.isEmpty ? nil : $0 }
        func message(_ fallback: String) -> String {
            OpenAICompatible.scrub(upstreamMessage ?? fallback, secret: apiKey)
        }
        switch status {
        case 400:
            return OpenAIErrorBody(status: 400, message: message("Invalid request format"), type: "invalid_request_error",
                                   code: "invalid_request_error", noRetry: true)
        case 401:
            return OpenAIErrorBody(status: 401, message: withoutKeyFragment(message("Authentication Fails")),
                                   type: "authentication_error", code: "invalid_api_key", noRetry: true)
        case 402:
            return OpenAIErrorBody(status: 402, message: message("Insufficient Balance"), type: "insufficient_quota",
                                   code: "insufficient_balance", noRetry: true)
        case 422:
            return OpenAIErrorBody(status: 400, message: message("Invalid parameters"), type: "invalid_request_error",
                                   code: "invalid_parameters", noRetry: true)
        case 429:
            return OpenAIErrorBody(status: 429, message: message("Rate limit reached"), type: "rate_limit_error",
                                   code: "rate_limit_exceeded")
        case 500:
            return OpenAIErrorBody(status: 500, message: message("Server error"), type: "server_error", code: "server_error")
        case 503:
            return OpenAIErrorBody(status: 503, message: message("Server overloaded"), type: "server_error",
                                   code: "server_overloaded")
        default:
            return OpenAIErrorBody.forStatus(status, message: upstreamMessage.map { message($0) })
        }
    }

    /// "Authentication Fails, Your api key: ****9f2c is invalid" -> "Authentication Fails": the fragment
    /// identifies the key and has no place in client-facing errors.
    static func withoutKeyFragment(_ message: String) -> String {
        let bytes = Array(message.utf8)
        let lower = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        guard let at = lower.firstRange(of: Array("your api key".utf8))?.lowerBound else { return message }
        var head = String(decoding: bytes[..<at], as: UTF8.self)
        while let last = head.last, last == " " || last == "," || last == ";" || last == ":" || last == "." { head.removeLast() }
        return head.isEmpty ? "Authentication Fails" : head
    }
}
