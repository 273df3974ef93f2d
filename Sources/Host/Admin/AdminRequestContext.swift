import Foundation
import Hummingbird
import JSONCore
import NIOCore

/// The signed-in account of an admin API request.
public struct SessionUser: Sendable {
    public let id: Int64
    public let username: String
    public let role: String
    public let mustChangePassword: Bool
    public let tokenID: String

    public var isAdmin: Bool { role == "admin" }
}

/// Request context of the gateway's router: the signed-in user (set by `AdminAuthMiddleware`) and
/// the peer address.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: SessionUser?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Admin JSON bodies are small; anything bigger is refused before parsing.
    public var maxUploadSize: Int { 1024 * 1024 }

    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The peer's IP address as text ("" for non-IP sockets), for the audit log and login throttling.
    public var clientAddress: String { remoteAddress?.ipAddress ?? "" }

    /// The signed-in user; throws 401 when there is none.
    public func requireUser() throws -> SessionUser {
        guard let user else { throw AdminError.unauthorized }
        return user
    }

    /// The signed-in user when an admin; 403 otherwise.
    public func requireAdmin() throws -> SessionUser {
        let user = try requireUser()
        guard user.isAdmin else { throw AdminError.forbidden }
        return user
    }
}

extension Request {
    /// Decodes an admin JSON body strictly: invalid JSON is a 400, unknown fields and wrong types are
    /// 422 with the field named.
    mutating func decodeAdminBody<T: Decodable>(_ type: T.Type, allowedFields: Set<String>, context: GatewayRequestContext) async throws -> T {
        try await decodeAdminBodyAndKeys(type, allowedFields: allowedFields, context: context).value
    }

    /// Like `decodeAdminBody`, and also returns the top-level keys present (for partial updates
    /// where `null` and absent differ, and for naming changed fields in the audit log).
    mutating func decodeAdminBodyAndKeys<T: Decodable>(
        _ type: T.Type, allowedFields: Set<String>, context: GatewayRequestContext
    ) async throws -> (value: T, keys: Set<String>) {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: context.maxUploadSize)
        } catch {
            throw AdminError(status: .contentTooLarge, code: "request_too_large", message: "The request body is larger than \(context.maxUploadSize) bytes.")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(buffer)
        } catch {
            throw AdminError.invalidJSON(error.description)
        }
        guard let object = parsed.objectValue else { throw AdminError.invalidJSON("the body must be a JSON object") }
        // A repeated key could be read one way here and another way by the decoder below.
        var seen = Set<String>()
        for key in object.keys where !seen.insert(key).inserted {
            throw AdminError.field(key, "appears more than once")
        }
        let unknown = object.keys.filter { !allowedFields.contains($0) }
        if !unknown.isEmpty {
            // Names are echoed back, so a hostile body cannot make the answer huge.
            let named = unknown.prefix(10).map { String($0.prefix(64)) }
            throw AdminError.validation(Dictionary(named.map { ($0, "unknown field") }, uniquingKeysWith: { a, _ in a }))
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return (try decoder.decode(T.self, from: Data(buffer.readableBytesView)), seen)
        } catch let DecodingError.typeMismatch(expected, info) {
            throw AdminError.field(Self.fieldName(info.codingPath), "must be \(Self.typeName(expected))")
        } catch let DecodingError.valueNotFound(expected, info) {
            throw AdminError.field(Self.fieldName(info.codingPath), "must be \(Self.typeName(expected)), not null")
        } catch let DecodingError.keyNotFound(key, info) {
            throw AdminError.field(Self.fieldName(info.codingPath + [key]), "is required")
        } catch let DecodingError.dataCorrupted(info) {
            throw AdminError.field(Self.fieldName(info.codingPath), "has an invalid value")
        }
    }

    private static func fieldName(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Double.Type: "a number"
        case is [String].Type: "an array of strings"
        default: "of type \(type)"
        }
    }
}
