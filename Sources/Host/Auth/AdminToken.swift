import Crypto
import Foundation

/// The claims of an admin session token (JWT, HS256).
public struct AdminTokenClaims: Codable, Sendable, Equatable {
    public var sub: String
    public var name: String
    public var role: String
    public var iat: Int64
    public var exp: Int64
    public var jti: String
    public var iss: String
    public var aud: String

    public var userID: Int64? { Int64(sub) }
}

/// Issues and verifies admin tokens. Only HS256 with our issuer and audience is accepted: tokens with
/// `alg: none`, another algorithm, a bad signature, a foreign issuer/audience or past expiry are refused.
public struct AdminTokenSigner: Sendable {
    public static let issuer = "llm-gateway"
    public static let audience = "gateway-admin"
    private let key: SymmetricKey

    public init(secret: [UInt8]) { key = SymmetricKey(data: secret) }

    public func sign(_ claims: AdminTokenClaims) throws -> String {
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Base64URL.encode(try encoder.encode(claims))
        let signingInput = header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(Data(signature))
    }

    public enum Failure: Error, Equatable { case malformed, algorithm, signature, expired, issuer }

    public func verify(_ token: String, now: Date = Date()) throws(Failure) -> AdminTokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count < 8192,
            let headerData = Base64URL.decode(String(parts[0])),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any]
        else { throw .malformed }
        guard header["alg"] as? String == "HS256" else { throw .algorithm }
        guard let signature = Base64URL.decode(String(parts[2])) else { throw .malformed }
        let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        // isValidAuthenticationCode compares in constant time.
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            throw .signature
        }
        guard let payload = Base64URL.decode(String(parts[1])),
            let claims = try? JSONDecoder().decode(AdminTokenClaims.self, from: payload)
        else { throw .malformed }
        guard claims.iss == Self.issuer, claims.aud == Self.audience else { throw .issuer }
        guard Int64(now.timeIntervalSince1970) < claims.exp else { throw .expired }
        return claims
    }
}

/// Base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        guard text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
