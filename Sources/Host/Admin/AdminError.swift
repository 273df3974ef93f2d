import Foundation
import HTTPTypes
import Hummingbird
import JSONCore
import NIOCore

/// The one error shape of the admin API:
/// `{"error":{"code":"validation_failed","message":"...","fields":{"path":"must start with /"}}}`.
public struct AdminError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let fields: [String: String]
    /// Seconds for a `Retry-After` header (429 answers).
    public var retryAfter: Int?

    public init(status: HTTPResponse.Status, code: String, message: String, fields: [String: String] = [:], retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.retryAfter = retryAfter
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: JSONObject = ["code": .string(code), "message": .string(message)]
        if !fields.isEmpty {
            error["fields"] = .object(JSONObject(fields.sorted { $0.key < $1.key }.map { JSONObject.Entry(key: $0.key, value: .string($0.value)) }))
        }
        let body = JSONValue.object(["error": .object(error)]).byteBuffer
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    public static func invalidJSON(_ detail: String) -> AdminError {
        AdminError(status: .badRequest, code: "invalid_json", message: "The request body is not valid JSON: \(detail).")
    }
    public static func validation(_ fields: [String: String]) -> AdminError {
        let summary = fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
        return AdminError(status: .unprocessableContent, code: "validation_failed", message: "Invalid input. \(summary)", fields: fields)
    }
    public static func field(_ name: String, _ problem: String) -> AdminError { validation([name: problem]) }
    public static let unauthorized = AdminError(status: .unauthorized, code: "unauthorized", message: "Log in first: send 'Authorization: Bearer <token>' from POST /admin/login.")
    public static let forbidden = AdminError(status: .forbidden, code: "forbidden", message: "Your role does not allow this.")
    /// The account still has its initial (or an administrator-set) password: the console should
    /// show the password form. Only GET /admin/user/info, PUT /admin/user/password and
    /// POST /admin/logout work until then.
    public static let passwordChangeRequired = AdminError(
        status: .forbidden, code: "password_change_required",
        message: "Change your password first: PUT /admin/user/password with current_password and new_password.")
    public static func tooManyAttempts(retryAfter: Int) -> AdminError {
        AdminError(status: .tooManyRequests, code: "too_many_attempts",
                   message: "Too many failed logins; try again in \(retryAfter) seconds.", retryAfter: retryAfter)
    }
    public static func notFound(_ what: String) -> AdminError {
        AdminError(status: .notFound, code: "not_found", message: "\(what) not found.")
    }
    public static func conflict(_ message: String, field: String? = nil) -> AdminError {
        AdminError(status: .conflict, code: "conflict", message: message, fields: field.map { [$0: message] } ?? [:])
    }
}
