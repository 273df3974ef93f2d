import GRDB

extension GatewayDatabase {
    /// The usage ledger, its daily aggregates and the endpoint cache settings.
    static func registerLedgerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: usage ledger") { db in
            try db.create(table: "usage") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .datetime).notNull().indexed()
                t.column("requestId", .text).notNull()
                t.column("endpointId", .integer).indexed()
                t.column("endpointPath", .text).notNull()
                t.column("providerId", .integer).indexed()
                t.column("providerName", .text).notNull()
                t.column("adapter", .text).notNull()
                t.column("modelRequested", .text).notNull()
                t.column("modelAnswered", .text).notNull()
                t.column("keyId", .integer).indexed()
                t.column("keyName", .text).notNull()
                t.column("userId", .integer).indexed()
                t.column("stream", .boolean).notNull()
                t.column("status", .integer).notNull()
                t.column("errorClass", .text)
                t.column("latencyMs", .double).notNull()
                t.column("ttftMs", .double)
                t.column("upstreamMs", .double)
                t.column("overheadMs", .double)
                t.column("promptTokens", .integer).notNull()
                t.column("completionTokens", .integer).notNull()
                t.column("reasoningTokens", .integer).notNull()
                t.column("cachedTokens", .integer).notNull()
                t.column("tokenSource", .text).notNull()
                t.column("cacheHit", .boolean).notNull()
            }
            // Ids are 0 rather than NULL so the composite key works; 0 means "none".
            try db.create(table: "usageDaily") { t in
                t.column("day", .text).notNull()
                t.column("endpointId", .integer).notNull()
                t.column("providerId", .integer).notNull()
                t.column("model", .text).notNull()
                t.column("keyId", .integer).notNull()
                t.column("userId", .integer).notNull()
                t.column("calls", .integer).notNull()
                t.column("errors", .integer).notNull()
                t.column("promptTokens", .integer).notNull()
                t.column("completionTokens", .integer).notNull()
                t.column("reasoningTokens", .integer).notNull()
                t.column("cachedTokens", .integer).notNull()
                t.column("latencyMsSum", .double).notNull()
                t.column("ttftMsSum", .double).notNull()
                t.column("ttftCount", .integer).notNull()
                t.primaryKey(["day", "endpointId", "providerId", "model", "keyId", "userId"])
            }
            try db.alter(table: "endpoint") { t in
                t.add(column: "cacheTTL", .integer).notNull().defaults(to: 0)
                t.add(column: "cacheNondeterministic", .boolean).notNull().defaults(to: false)
            }
        }
    }
}
