import Foundation
import GRDB
import JSONCore
import Logging

/// Writes the audit log: who changed what, when and from where. Callers pass field names and
/// non-secret values only; passwords, keys and tokens never reach this type.
struct AuditLog: Sendable {
    let database: GatewayDatabase
    let logger: Logger

    /// Who acted: the signed-in user, or for logins the account the attempt was for.
    struct Actor: Sendable {
        var id: Int64?
        var name: String
        var address: String
    }

    /// Appends one event. A failure to write is logged, not thrown: the change it describes has
    /// already been committed and the caller's answer should say so.
    func record(_ action: String, by actor: Actor, target: (type: String, id: String) = ("", ""), detail: JSONObject = JSONObject()) async {
        let event = AuditEventRecord(
            id: nil, at: Date(), actorId: actor.id, actorName: actor.name, action: action, targetType: target.type,
            targetId: target.id, detailJSON: String(decoding: JSONValue.object(detail).serialized(), as: UTF8.self),
            remoteAddress: actor.address)
        do {
            try await database.pool.write { db in
                var row = event
                try row.insert(db)
            }
        } catch {
            logger.error("cannot write the audit log", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }

    /// Deletes events older than `retentionDays` (0 keeps everything).
    func prune(retentionDays: Int, now: Date = Date()) throws {
        guard retentionDays > 0 else { return }
        let cutoff = now.addingTimeInterval(-Double(retentionDays) * 86400)
        let deleted = try database.pool.write { db in try AuditEventRecord.filter(Column("at") < cutoff).deleteAll(db) }
        if deleted > 0 { logger.info("audit log pruned", metadata: ["deleted": "\(deleted)", "retention_days": "\(retentionDays)"]) }
    }
}

extension GatewayRequestContext {
    /// The signed-in user as an audit actor, with the peer address.
    var auditActor: AuditLog.Actor {
        AuditLog.Actor(id: user?.id, name: user?.username ?? "", address: clientAddress)
    }
}
