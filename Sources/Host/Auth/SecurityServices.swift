import Foundation
import Logging

/// The account-security state one gateway shares between its admin routes: live sessions, the
/// login throttle and the audit log.
struct SecurityServices: Sendable {
    let sessions: SessionRegistry
    let throttle: LoginThrottle
    let audit: AuditLog
    let configuration: GatewayConfiguration.Security

    init(database: GatewayDatabase, configuration: GatewayConfiguration.Security, logger: Logger) throws {
        self.configuration = configuration
        sessions = try SessionRegistry(database: database)
        throttle = LoginThrottle(policy: .init(
            maxFailuresPerUser: configuration.loginMaxFailures, maxFailuresPerAddress: configuration.loginMaxFailuresPerIP,
            lockout: TimeInterval(configuration.loginLockoutSeconds)))
        audit = AuditLog(database: database, logger: logger)
        try audit.prune(retentionDays: configuration.auditRetentionDays)
    }
}
