import Foundation
import GRDB

/// The embedded SQLite database (WAL, busy timeout, versioned migrations). Admin writes and
/// start-up read it; the request hot path never does (it reads `ConfigSnapshot`).
public final class GatewayDatabase: Sendable {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating folders and the file when needed) and migrates the database at `path`.
    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        configuration.label = "gateway"
        pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        try Self.migrator.migrate(pool)
    }

    /// Size of the database file and its WAL in bytes.
    public var sizeInBytes: Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }

    /// Whether a trivial query succeeds (for `/readyz`).
    public func isReachable() -> Bool {
        (try? pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// Every schema change, in order. Each concern registers its migrations in its own function so
    /// parallel work does not collide; the order of these calls is the order on disk.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        registerCoreMigrations(&migrator)
        registerSecurityMigrations(&migrator)
        registerLedgerMigrations(&migrator)
        return migrator
    }

    static func registerCoreMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1: users, providers, endpoints, keys") { db in
            try db.create(table: "user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("username", .text).notNull().unique(onConflict: .abort)
                t.column("displayName", .text).notNull().defaults(to: "")
                t.column("email", .text).notNull().defaults(to: "")
                t.column("role", .text).notNull().check { ["admin", "user"].contains($0) }
                t.column("passwordHash", .text).notNull()
                t.column("mustChangePassword", .boolean).notNull().defaults(to: false)
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "provider") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique(onConflict: .abort)
                t.column("adapter", .text).notNull()
                t.column("baseURL", .text).notNull()
                // AES-GCM sealed box (nonce + ciphertext + tag); NULL when the provider has no key.
                t.column("apiKeySealed", .blob)
                t.column("apiKeyHint", .text).notNull().defaults(to: "")
                t.column("modelsJSON", .text).notNull().defaults(to: "[]")
                t.column("optionsJSON", .text).notNull().defaults(to: "{}")
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "endpoint") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique(onConflict: .abort)
                t.column("name", .text).notNull().defaults(to: "")
                t.column("description", .text).notNull().defaults(to: "")
                t.column("providerId", .integer).notNull().references("provider", onDelete: .restrict)
                t.column("model", .text).notNull()
                t.column("allowModelOverride", .boolean).notNull().defaults(to: false)
                t.column("systemPrompt", .text).notNull().defaults(to: "")
                t.column("systemPromptMode", .text).notNull().defaults(to: "prepend")
                t.column("streamPolicy", .text).notNull().defaults(to: "client")
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "apiKey") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("keyHash", .text).notNull().unique(onConflict: .abort)
                t.column("prefix", .text).notNull()
                t.column("userId", .integer).references("user", onDelete: .cascade)
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("createdAt", .datetime).notNull()
                t.column("lastUsedAt", .datetime)
            }
        }
    }
}
