import Crypto
import Foundation

/// The legacy GLM JWT: HS256 over `header.payload`, `exp` and `timestamp` in milliseconds.
enum GLMToken {
    /// Why a bearer token was refused; only for diagnostics, every refusal gets the same 401.
    enum Refusal: Error, Equatable {
        case malformed
        case badSignature
        case wrongKeyID
        case expired
    }

    static func sign(header: String, payload: String, secret: String) -> String {
        let signingInput = base64URL(Data(header.utf8)) + "." + base64URL(Data(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signingInput + "." + base64URL(Data(mac))
    }

    /// Checks a token against the mock's `id.secret` key.
    /// - Parameters:
    ///   - token: `header.payload.signature` as received after `Bearer `.
    ///   - idSecret: the accepted `id.secret` key.
    ///   - nowMillis: the current time in milliseconds since 1970.
    static func verify(_ token: String, idSecret: String, nowMillis: Int) -> Result<Void, Refusal> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerData = decodeBase64URL(parts[0]),
            let payloadData = decodeBase64URL(parts[1]),
            let signature = decodeBase64URL(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let payload = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any],
            header["alg"] as? String == "HS256"
        else { return .failure(.malformed) }

        let keyParts = idSecret.split(separator: ".", maxSplits: 1).map(String.init)
        guard keyParts.count == 2 else { return .failure(.malformed) }
        let signingInput = Data(parts[0].utf8) + Data(".".utf8) + Data(parts[1].utf8)
        let key = SymmetricKey(data: Data(keyParts[1].utf8))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            return .failure(.badSignature)
        }
        guard payload["api_key"] as? String == keyParts[0] else { return .failure(.wrongKeyID) }
        // `exp` is in milliseconds; a token whose exp was written in seconds is long expired, as on the real API.
        guard let exp = (payload["exp"] as? NSNumber)?.int64Value, exp > Int64(nowMillis) else {
            return .failure(.expired)
        }
        return .success(())
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
