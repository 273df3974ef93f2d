#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AdapterKit

/// How a GLM key is sent: as is (`Bearer <key>`, the current default) or, for legacy `id.secret` keys, as a
/// short-lived HS256 JWT (`core/_jwt_token.py` of the Zhipu SDKs).
struct GLMCredential: Sendable {
    enum Kind: Sendable {
        case bearer(String)
        case jwt(id: String, secret: [UInt8])
    }
    let kind: Kind

    /// JWT lifetime the SDK uses, in milliseconds.
    static let lifetimeMilliseconds: Int64 = 210_000

    /// - Parameters:
    ///   - key: the configured credential.
    ///   - mode: option `auth`: "auto" (default: `id.secret` keys become JWTs), "api_key" or "jwt".
    init(key: String, mode: String) throws(AdapterError) {
        let split = GLMCredential.splitLegacy(key)
        switch mode {
        case "api_key", "bearer":
            kind = .bearer(key)
        case "jwt":
            guard let split else { throw AdapterError.config("option auth is jwt but the API key is not of the form id.secret") }
            kind = .jwt(id: split.id, secret: Array(split.secret.utf8))
        case "auto":
            if let split { kind = .jwt(id: split.id, secret: Array(split.secret.utf8)) } else { kind = .bearer(key) }
        default:
            throw AdapterError.config("option auth must be auto, api_key or jwt")
        }
    }

    /// `id.secret`: exactly one '.', both parts non-empty, no whitespace.
    static func splitLegacy(_ key: String) -> (id: String, secret: String)? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !key.contains(where: { $0.isWhitespace }) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The `Authorization` header value for a request sent now.
    func authorization(nowMilliseconds: Int64 = GLMCredential.nowMilliseconds()) -> String {
        switch kind {
        case .bearer(let key): return "Bearer \(key)"
        case .jwt(let id, let secret): return "Bearer \(GLMCredential.token(id: id, secret: secret, now: nowMilliseconds))"
        }
    }

    /// The signed token: header `{"alg":"HS256","sign_type":"SIGN"}`, payload
    /// `{"api_key":id,"exp":now+210000,"timestamp":now}` (milliseconds, not the seconds generic JWT uses).
    static func token(id: String, secret: [UInt8], now: Int64) -> String {
        let header = Array(#"{"alg":"HS256","sign_type":"SIGN"}"#.utf8)
        var payload = JSONObject()
        payload["api_key"] = .string(id)
        payload["exp"] = .int(now + lifetimeMilliseconds)
        payload["timestamp"] = .int(now)
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payload.serialized())
        let signature = HMACSHA256.authenticationCode(key: secret, message: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
