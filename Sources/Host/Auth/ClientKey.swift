import Crypto
import Foundation

/// Client API keys: `gw-` followed by 43 URL-safe characters (256 random bits). Only the SHA-256 of
/// a key is stored; with that much entropy a slow hash adds nothing.
public enum ClientKey {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "gw-" + Base64URL.encode(Data(bytes))
    }

    /// Lower-case hex SHA-256 of the key (runs on every proxied request, so no String(format:)).
    public static func hash(_ key: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(key.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The part shown in lists so people can tell keys apart: `gw-` plus 8 characters.
    public static func displayPrefix(_ key: String) -> String { String(key.prefix(11)) }
}
