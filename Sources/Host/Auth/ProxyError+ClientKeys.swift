/// Refusals of a client key that exists but may not be used for this request.
extension ProxyError {
    public static let expiredKey = ProxyError(
        status: .unauthorized, type: "invalid_request_error", code: "invalid_api_key",
        message: "This API key has expired.")
    public static let keyOwnerDisabled = ProxyError(
        status: .unauthorized, type: "invalid_request_error", code: "invalid_api_key",
        message: "The account this API key belongs to is disabled.")
    /// 403: the key is valid but scoped to other endpoints. Says which path, never which key.
    public static func keyNotAllowed(_ path: String) -> ProxyError {
        ProxyError(status: .forbidden, type: "permission_error", code: "key_not_allowed_for_endpoint",
                   message: "This API key may not call the endpoint \(path); use a key that includes it.", noRetry: true)
    }
}
