import Foundation
import GRDB
import Synchronization

/// The admin sessions that are still valid, by token id (`jti`).
///
/// Every login writes a `session` row; logout, password changes and account changes mark rows
/// revoked. The active set is also kept in memory so the check on each admin request needs no
/// query; a token this process has not seen (issued by another gateway sharing the database, or
/// before a restart) is looked up once and cached. A token is valid only while its row exists,
/// is not revoked and has not expired: a token signed with a leaked secret but never issued by a
/// login is refused too.
///
/// - Important: Several gateways sharing one database see each other's logins at once, but a
///   revocation made on one reaches the others' caches only when they restart. Disabling or
///   deleting a user is seen everywhere at once, since every admin request reads the account.
final class SessionRegistry: Sendable {
    struct Entry: Sendable {
        let userID: Int64
        let expiresAt: Date
    }

    private let active = Mutex<[String: Entry]>([:])
    private let database: GatewayDatabase

    /// Loads the active sessions and deletes rows that expired more than a week ago.
    init(database: GatewayDatabase, now: Date = Date()) throws {
        self.database = database
        let rows = try database.pool.write { db in
            try SessionRecord.filter(Column("expiresAt") < now.addingTimeInterval(-7 * 86400)).deleteAll(db)
            return try SessionRecord.filter(Column("revokedAt") == nil && Column("expiresAt") > now).fetchAll(db)
        }
        active.withLock { cache in
            for row in rows { cache[row.id] = Entry(userID: row.userId, expiresAt: row.expiresAt) }
        }
    }

    /// Records a new session and returns its id, to be put into the token as `jti`.
    func open(userID: Int64, expiresAt: Date, remoteAddress: String, userAgent: String, now: Date = Date()) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let row = SessionRecord(
            id: id, userId: userID, issuedAt: now, expiresAt: expiresAt, revokedAt: nil, revokedReason: nil,
            remoteAddress: remoteAddress, userAgent: String(userAgent.prefix(200)))
        try await database.pool.write { db in try row.insert(db) }
        active.withLock { cache in
            cache[id] = Entry(userID: userID, expiresAt: expiresAt)
            // Expired entries are dropped now and then, so the cache stays as small as the live sessions.
            if cache.count > 1024, cache.count % 256 == 0 { cache = cache.filter { $0.value.expiresAt > now } }
        }
        return id
    }

    /// Whether the session `id` of `userID` is still valid.
    func isActive(_ id: String, userID: Int64, now: Date = Date()) async throws -> Bool {
        if let entry = active.withLock({ $0[id] }) {
            return entry.userID == userID && entry.expiresAt > now
        }
        guard id.utf8.count <= 64, let row = try await database.pool.read({ db in try SessionRecord.fetchOne(db, key: id) }),
            row.userId == userID, row.revokedAt == nil, row.expiresAt > now
        else { return false }
        active.withLock { $0[id] = Entry(userID: row.userId, expiresAt: row.expiresAt) }
        return true
    }

    /// Ends one session (logout).
    func revoke(_ id: String, reason: String, now: Date = Date()) async throws {
        active.withLock { _ = $0.removeValue(forKey: id) }
        try await database.pool.write { db in
            try SessionRecord.filter(key: id).filter(Column("revokedAt") == nil)
                .updateAll(db, Column("revokedAt").set(to: now), Column("revokedReason").set(to: reason))
        }
    }

    /// Ends every session of `userID` except `keep`; returns how many were ended.
    @discardableResult
    func revokeAll(userID: Int64, except keep: String? = nil, reason: String, now: Date = Date()) async throws -> Int {
        // Memory first: from this instant the sessions are refused, even before the write commits.
        active.withLock { cache in
            cache = cache.filter { $0.value.userID != userID || $0.key == keep }
        }
        return try await database.pool.write { db in
            var request = SessionRecord.filter(Column("userId") == userID && Column("revokedAt") == nil && Column("expiresAt") > now)
            if let keep { request = request.filter(Column("id") != keep) }
            return try request.updateAll(db, Column("revokedAt").set(to: now), Column("revokedReason").set(to: reason))
        }
    }
}
