import Foundation

/// The only credentials the mock accepts. Any other key gets the provider's 401 answer.
public enum MockCredentials {
    /// OpenAI key, sent as `Authorization: Bearer`.
    public static let openAIKey = "sk-mock-openai"
    /// DeepSeek key, sent as `Authorization: Bearer`.
    public static let deepSeekKey = "sk-mock-deepseek"
    /// Plain GLM key, sent as `Authorization: Bearer`.
    public static let glmKey = "mock-glm-key"
    /// Legacy GLM `id.secret` key. The client signs an HS256 JWT with the secret and sends it as `Bearer <jwt>`:
    /// header `{"alg":"HS256","sign_type":"SIGN"}`, payload `{"api_key":"mockid","exp":<ms>,"timestamp":<ms>}`.
    public static let glmIDSecret = "mockid.mocksecret"

    /// The key the mock expects for a flavor, as sent in `Authorization: Bearer`.
    public static func key(for flavor: MockFlavor) -> String {
        switch flavor {
        case .openai: openAIKey
        case .deepseek: deepSeekKey
        case .glm: glmKey
        }
    }

    /// A GLM JWT built the way the Zhipu SDKs build it from ``glmIDSecret``, for tests of expiry and signing.
    /// - Parameters:
    ///   - now: the issue time (`timestamp`).
    ///   - lifetime: added to `now` to give `exp`; negative for an expired token. The SDKs use 210 s.
    ///   - idSecret: the `id.secret` key to sign with; another secret gives a token the mock rejects.
    /// - Returns: `header.payload.signature`, base64url without padding.
    public static func glmJWT(
        now: Date = Date(),
        lifetime: TimeInterval = 210,
        idSecret: String = glmIDSecret
    ) -> String {
        let parts = idSecret.split(separator: ".", maxSplits: 1).map(String.init)
        let id = parts.first ?? ""
        let secret = parts.count > 1 ? parts[1] : ""
        let nowMillis = Int((now.timeIntervalSince1970 * 1000).rounded())
        let expMillis = nowMillis + Int((lifetime * 1000).rounded())
        return GLMToken.sign(
            header: #"{"alg":"HS256","sign_type":"SIGN"}"#,
            payload: #"{"api_key":"\#(id)","exp":\#(expMillis),"timestamp":\#(nowMillis)}"#,
            secret: secret
        )
    }
}
