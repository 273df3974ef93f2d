import Crypto

/// Content digests of adapter files, shown to admins so they can match a loaded version with the file they
/// shipped (`sha256sum plugins.d/x.so`).
enum Digest {
    /// Lowercase hexadecimal SHA-256.
    static func sha256(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
