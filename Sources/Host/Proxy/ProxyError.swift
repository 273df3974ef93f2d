import HTTPTypes
import Hummingbird
import JSONCore
import NIOCore

/// An error answered to a client of a proxy route, always in the OpenAI error shape
/// `{"error":{"message","type","param","code"}}`.
public struct ProxyError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var type: String
    public var code: String
    public var message: String
    public var param: String?
    /// Tells the openai SDKs not to retry (they honour `x-should-retry`).
    public var noRetry = false

    public init(status: HTTPResponse.Status, type: String, code: String, message: String, param: String? = nil, noRetry: Bool = false) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.noRetry = noRetry
    }

    /// The error object as JSON, `{"error":{...}}`.
    public var body: ByteBuffer {
        let error: JSONObject = [
            "message": .string(message), "type": .string(type),
            "param": param.map(JSONValue.string) ?? .null, "code": .string(code),
        ]
        return JSONValue.object(["error": .object(error)]).byteBuffer
    }

    // MARK: The errors the gateway itself raises

    public static func invalidJSON(_ detail: String) -> ProxyError {
        ProxyError(status: .badRequest, type: "invalid_request_error", code: "invalid_json",
                   message: "The request body is not valid JSON: \(detail).")
    }
    public static func invalidField(_ field: String, _ message: String) -> ProxyError {
        ProxyError(status: .badRequest, type: "invalid_request_error", code: "invalid_request", message: message, param: field)
    }
    public static let missingKey = ProxyError(
        status: .unauthorized, type: "invalid_request_error", code: "invalid_api_key",
        message: "Missing API key. Send it as 'Authorization: Bearer <key>'.")
    public static let invalidKey = ProxyError(
        status: .unauthorized, type: "invalid_request_error", code: "invalid_api_key",
        message: "Invalid API key.")
    public static let disabledKey = ProxyError(
        status: .unauthorized, type: "invalid_request_error", code: "invalid_api_key",
        message: "This API key is disabled.")
    public static func endpointNotFound(_ path: String) -> ProxyError {
        ProxyError(status: .notFound, type: "invalid_request_error", code: "endpoint_not_found",
                   message: "No API endpoint is configured at \(path).")
    }
    public static let endpointDisabled = ProxyError(
        status: .forbidden, type: "invalid_request_error", code: "endpoint_disabled",
        message: "This API endpoint is disabled.")
    public static func methodNotAllowed(_ allowed: String) -> ProxyError {
        ProxyError(status: .methodNotAllowed, type: "invalid_request_error", code: "method_not_allowed",
                   message: "Use \(allowed) on this route.")
    }
    public static func tooLarge(limit: Int) -> ProxyError {
        ProxyError(status: .contentTooLarge, type: "invalid_request_error", code: "request_too_large",
                   message: "The request body is larger than the limit of \(limit) bytes.")
    }
    public static func adapterUnavailable(_ adapter: String) -> ProxyError {
        ProxyError(status: .serviceUnavailable, type: "server_error", code: "adapter_unavailable",
                   message: "The provider adapter '\(adapter)' is not loaded on this gateway.")
    }
    public static func providerDisabled(_ name: String) -> ProxyError {
        ProxyError(status: .serviceUnavailable, type: "server_error", code: "provider_disabled",
                   message: "The provider '\(name)' behind this endpoint is disabled.")
    }
    public static func providerMisconfigured(_ name: String) -> ProxyError {
        ProxyError(status: .serviceUnavailable, type: "server_error", code: "provider_unavailable",
                   message: "The provider '\(name)' behind this endpoint is misconfigured; an administrator must fix it.")
    }
    public static func upstream(_ message: String) -> ProxyError {
        ProxyError(status: .badGateway, type: "upstream_error", code: "upstream_error", message: message)
    }
    public static func timeout(_ message: String) -> ProxyError {
        ProxyError(status: .gatewayTimeout, type: "upstream_error", code: "upstream_timeout", message: message)
    }
    public static func `internal`(_ message: String) -> ProxyError {
        ProxyError(status: .internalServerError, type: "server_error", code: "internal_error", message: message)
    }
}
