import Crypto
import Foundation

/// Seals provider credentials at rest with AES-256-GCM. The key comes from configuration or a
/// generated 0600 key file; plaintext exists only in memory.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(keyBytes: [UInt8]) {
        key = SymmetricKey(data: keyBytes.count == 32 ? keyBytes : Array(SHA256.hash(data: keyBytes)))
    }

    public func seal(_ plaintext: String) throws -> Data {
        guard let combined = try AES.GCM.seal(Data(plaintext.utf8), using: key).combined else {
            throw ConfigurationError(description: "AES-GCM produced no combined box")
        }
        return combined
    }

    /// Returns nil when the box was sealed with another key or was tampered with.
    public func open(_ sealed: Data) -> String? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed), let data = try? AES.GCM.open(box, using: key) else {
            return nil
        }
        return String(data: data, encoding: .utf8)
    }

    /// What an admin sees instead of a secret: `sk-...abcd`, or `****` for short values.
    public static func mask(_ secret: String) -> String {
        if secret.isEmpty { return "" }
        guard secret.count > 8 else { return "****" }
        return "\(secret.prefix(3))...\(secret.suffix(4))"
    }
}
