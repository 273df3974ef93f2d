import GRDB

extension GatewayDatabase {
    /// Accounts, sessions, key scoping and the audit log (issue 3). Registered right after the core
    /// migrations; see `migrator` for the order on disk.
    static func registerSecurityMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2: sessions, key scopes, audit log") { db in
            try db.alter(table: "user") { t in
                t.add(column: "passwordChangedAt", .datetime)
                t.add(column: "lastLoginAt", .datetime)
            }
            // Usernames are unique regardless of case, so "Admin" cannot impersonate "admin" in lists.
            try db.execute(sql: "CREATE UNIQUE INDEX user_username_nocase ON user(username COLLATE NOCASE)")

            try db.alter(table: "apiKey") { t in
                t.add(column: "expiresAt", .datetime)
                // false: the key works only on the endpoints listed in apiKeyEndpoint (possibly none).
                t.add(column: "allEndpoints", .boolean).notNull().defaults(to: true)
            }
            try db.create(index: "apiKey_userId", on: "apiKey", columns: ["userId"])
            try db.create(table: "apiKeyEndpoint") { t in
                t.column("apiKeyId", .integer).notNull().references("apiKey", onDelete: .cascade)
                t.column("endpointId", .integer).notNull().references("endpoint", onDelete: .cascade)
                t.primaryKey(["apiKeyId", "endpointId"])
            }
            try db.create(index: "apiKeyEndpoint_endpointId", on: "apiKeyEndpoint", columns: ["endpointId"])

            // One row per issued admin token (by its `jti`); the token itself is never stored.
            try db.create(table: "session") { t in
                t.primaryKey("id", .text)
                t.column("userId", .integer).notNull().references("user", onDelete: .cascade)
                t.column("issuedAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
                t.column("revokedReason", .text)
                t.column("remoteAddress", .text).notNull().defaults(to: "")
                t.column("userAgent", .text).notNull().defaults(to: "")
            }
            try db.create(index: "session_userId", on: "session", columns: ["userId"])

            // Who changed what, when and from where. No foreign key to user: events outlive accounts.
            try db.create(table: "auditEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("actorId", .integer)
                t.column("actorName", .text).notNull().defaults(to: "")
                t.column("action", .text).notNull()
                t.column("targetType", .text).notNull().defaults(to: "")
                t.column("targetId", .text).notNull().defaults(to: "")
                t.column("detailJSON", .text).notNull().defaults(to: "{}")
                t.column("remoteAddress", .text).notNull().defaults(to: "")
            }
            try db.create(index: "auditEvent_at", on: "auditEvent", columns: ["at"])
            try db.create(index: "auditEvent_action", on: "auditEvent", columns: ["action"])
        }
    }
}
