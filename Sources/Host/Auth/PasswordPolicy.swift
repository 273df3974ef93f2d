import HummingbirdBcrypt
import NIOPosix

/// Password rules, stated in full in the error message when one is broken, and bcrypt hashing.
enum PasswordPolicy {
    /// bcrypt cost. Measured on the 2-core reference machine (docs/security.md): a login that verifies
    /// a cost-10 hash takes about 60 ms end to end, under the 100 ms budget; cost 11 doubles it.
    static let bcryptCost: UInt8 = 10

    /// The rule as shown to people.
    static let rule = "must be 8 to 72 bytes long, differ from the username and the current password, and not be a common password such as admin123 or 12345678"

    /// Passwords that guessing tools try first; refused whatever their length.
    static let common: Set<String> = [
        "admin123", "password", "password1", "password123", "12345678", "123456789", "1234567890", "87654321",
        "qwertyui", "qwerty123", "11111111", "00000000", "iloveyou", "administrator", "admin1234", "letmein1",
        "changeme", "welcome1", "abc12345", "passw0rd", "gateway1", "superman", "sunshine", "football",
    ]

    /// What is wrong with `password` as a new password, or nil when it is acceptable.
    static func problem(with password: String, username: String, current: String? = nil) -> String? {
        let bytes = password.utf8.count
        if bytes < 8 || bytes > 72 { return rule }
        if password.lowercased() == username.lowercased() || password == current { return rule }
        if common.contains(password.lowercased()) { return rule }
        return nil
    }
}

/// bcrypt off the Swift concurrency pool: one hash takes tens of milliseconds of CPU, which would
/// otherwise stall every other request scheduled on the same cooperative thread. NIO's shared
/// thread pool has one thread per core, which also caps how much CPU a burst of logins can take.
enum PasswordHasher {
    static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: PasswordPolicy.bcryptCost) }
    }

    /// Whether `password` matches `hash`. Passwords over bcrypt's 72-byte limit never match (bcrypt
    /// would silently ignore the rest).
    static func verify(_ password: String, hash: String) async throws -> Bool {
        guard password.utf8.count <= 72 else { return false }
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
