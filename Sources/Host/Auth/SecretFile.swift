import Foundation

/// Secrets the gateway generates for itself (JWT signing key, provider-key encryption key) live in
/// files readable only by the gateway's user (0600), created once and reused across restarts.
enum SecretFile {
    /// Returns the secret stored at `path`, creating it with `byteCount` random bytes when missing.
    /// The file holds the secret base64-encoded.
    static func loadOrCreate(at path: String, byteCount: Int = 32) throws -> [UInt8] {
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
            let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count >= 16
        {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            return Array(data)
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Create with 0600 from the start so the secret is never readable by others, even briefly.
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((Data(bytes).base64EncodedString() + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        guard created else { throw ConfigurationError(description: "cannot write secret file \(path)") }
        return bytes
    }
}
