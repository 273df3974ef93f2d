import AdapterKit

/// GLM errors are `{"error":{"code":"<number>","message":"..."}}` with the HTTP status; the business code
/// says more than the status (1113 "arrears" arrives as 429 but is billing), so map by code first.
enum GLMErrors {
    static func map(_ object: JSONObject?, status: Int, apiKey: String) -> OpenAIErrorBody {
        let parsed = object.flatMap { OpenAIErrorBody.parseUpstream($0) }
        let codeText = parsed?.code
        let code = codeText.flatMap { Int($0) }
        let upstreamMessage = parsed?.message.flatMap { $0.isEmpty ? nil : OpenAICompatible.scrub($0, secret: apiKey) }
        func body(_ status: Int, _ type: String, _ code: String?, _ fallback: String, param: String? = nil, noRetry: Bool)
            -> OpenAIErrorBody
        {
            OpenAIErrorBody(status: status, message: upstreamMessage ?? fallback, type: type, param: param, code: code, noRetry: noRetry)
        }
        switch code {
        case 1113?:
            return body(402, "insufficient_quota", "insufficient_quota", "Insufficient balance or no resource package", noRetry: true)
        case 1302?, 1303?, 1304?, 1305?, 1308?, 1310?:
            return body(429, "rate_limit_error", "rate_limit_exceeded", "Rate limit reached", noRetry: false)
        case 1261?:
            return body(400, "invalid_request_error", "context_length_exceeded", "The prompt is too long", param: "messages", noRetry: true)
        case 1301?:
            var b = body(400, "invalid_request_error", "content_filter", "The content was flagged as unsafe", noRetry: true)
            if let filter = object?["contentFilter"] { b.extra = [JSONObject.Entry(key: "contentFilter", value: filter)] }
            return b
        case (1000...1004)?:
            return body(401, "authentication_error", "invalid_api_key", "Authentication failed", noRetry: true)
        case 1211?:
            return body(404, "invalid_request_error", "model_not_found", "The model does not exist", noRetry: true)
        case (1210...1215)?:
            return body(400, "invalid_request_error", "invalid_request_error", "Invalid request parameters", noRetry: true)
        default:
            var b = OpenAIErrorBody.forStatus(status, message: upstreamMessage)
            if let codeText { b.code = codeText }
            return b
        }
    }
}
