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

    /// Lower-case hex SHA-256 of the key, as stored.
    public static func hash(_ key: String) -> String { hex(digest(of: key.utf8)) }

    /// SHA-256 of the key's UTF-8 bytes.
    public static func digest(of key: some StringProtocol) -> [UInt8] { digest(of: key.utf8) }

    static func digest(of bytes: some Sequence<UInt8>) -> [UInt8] { Array(SHA256.hash(data: Array(bytes))) }

    /// Lower-case hex of `digest` (runs on every proxied request, so no String(format:)).
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(digest.count * 2)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The 32 bytes of a stored lower-case hex hash (empty when malformed).
    public static func digest(ofHash hex: String) -> [UInt8] {
        let nibbles = hex.utf8.map { byte -> UInt8? in
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        guard nibbles.count == 64, !nibbles.contains(nil) else { return [] }
        return stride(from: 0, to: 64, by: 2).map { nibbles[$0]! << 4 | nibbles[$0 + 1]! }
    }

    /// Compares two digests in time that depends only on their length.
    public static func constantTimeEquals(_ a: [UInt8], _ b: some Sequence<UInt8>) -> Bool {
        var difference: UInt8 = 0
        var count = 0
        for (index, byte) in b.enumerated() {
            difference |= (index < a.count ? a[index] : 0) ^ byte
            count += 1
        }
        return count == a.count && difference == 0
    }

    /// The part shown in lists so people can tell keys apart: `gw-` plus 8 characters.
    public static func displayPrefix(_ key: String) -> String { String(key.prefix(11)) }
}
