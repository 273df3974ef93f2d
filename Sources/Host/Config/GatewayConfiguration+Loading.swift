import Foundation
import Yams

/// A configuration problem, reported at start-up with the key that is wrong.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
}

extension GatewayConfiguration {
    /// Every configuration key, its YAML path and its environment variable. This table is the single
    /// list of keys: the YAML reader, the environment reader and the docs all follow it.
    static let keys: [(path: String, apply: @Sendable (inout GatewayConfiguration, String) throws -> Void)] = [
        ("server.host", { $0.server.host = $1 }),
        ("server.port", { $0.server.port = try int($1, "server.port", 0...65535) }),
        ("server.jwt_secret", { $0.server.jwtSecret = $1 }),
        ("server.frontend_path", { $0.server.frontendPath = $1 }),
        ("server.secret_key", { $0.server.secretKey = $1 }),
        ("server.token_ttl_hours", { $0.server.tokenTTLHours = try int($1, "server.token_ttl_hours", 1...24 * 30) }),
        ("database.path", { $0.database.path = $1 }),
        ("plugins.dir", { $0.plugins.dir = $1 }),
        ("plugins.watch", { $0.plugins.watch = try choice($1, "plugins.watch", ["inotify", "poll", "off"]) }),
        ("limits.max_body_bytes", { $0.limits.maxBodyBytes = try int($1, "limits.max_body_bytes", 1024...1 << 30) }),
        ("upstream.connect_timeout_ms", { $0.upstream.connectTimeoutMs = try int($1, "upstream.connect_timeout_ms", 1...3_600_000) }),
        ("upstream.first_byte_timeout_ms", { $0.upstream.firstByteTimeoutMs = try int($1, "upstream.first_byte_timeout_ms", 1...3_600_000) }),
        ("upstream.idle_timeout_ms", { $0.upstream.idleTimeoutMs = try int($1, "upstream.idle_timeout_ms", 1...3_600_000) }),
        ("upstream.total_timeout_ms", { $0.upstream.totalTimeoutMs = try int($1, "upstream.total_timeout_ms", 1...86_400_000) }),
        ("upstream.keepalive_interval_ms", { $0.upstream.keepaliveIntervalMs = try int($1, "upstream.keepalive_interval_ms", 100...3_600_000) }),
        ("upstream.max_connections_per_host", { $0.upstream.maxConnectionsPerHost = try int($1, "upstream.max_connections_per_host", 1...100_000) }),
        ("stats.retention_days", { $0.stats.retentionDays = try int($1, "stats.retention_days", 1...36500) }),
        ("stats.ledger_queue_capacity", { $0.stats.ledgerQueueCapacity = try int($1, "stats.ledger_queue_capacity", 100...10_000_000) }),
        ("metrics.access", { $0.metrics.access = try choice($1, "metrics.access", ["loopback", "token", "open", "off"]) }),
        ("metrics.token", { $0.metrics.token = $1 }),
        ("cache.max_bytes", { $0.cache.maxBytes = try int($1, "cache.max_bytes", 0...1 << 40) }),
        ("cache.max_entry_bytes", { $0.cache.maxEntryBytes = try int($1, "cache.max_entry_bytes", 1...1 << 30) }),
        ("security.cors_admin_origins", { $0.security.corsAdminOrigins = try origins($1, "security.cors_admin_origins", allowWildcard: false) }),
        ("security.cors_proxy_origins", { $0.security.corsProxyOrigins = try origins($1, "security.cors_proxy_origins", allowWildcard: true) }),
        ("security.login_max_failures", { $0.security.loginMaxFailures = try int($1, "security.login_max_failures", 1...1000) }),
        ("security.login_max_failures_per_ip", { $0.security.loginMaxFailuresPerIP = try int($1, "security.login_max_failures_per_ip", 1...100_000) }),
        ("security.login_lockout_seconds", { $0.security.loginLockoutSeconds = try int($1, "security.login_lockout_seconds", 1...86_400) }),
        ("security.audit_retention_days", { $0.security.auditRetentionDays = try int($1, "security.audit_retention_days", 0...36_500) }),
        ("logging.level", { $0.logging.level = try choice($1, "logging.level", ["trace", "debug", "info", "notice", "warning", "error", "critical"]) }),
    ]

    /// The environment variable that overrides a key: `server.jwt_secret` -> `GATEWAY_SERVER_JWT_SECRET`.
    static func environmentName(of path: String) -> String {
        "GATEWAY_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Reads `file` (when given or when `./config.yaml` exists), then applies environment overrides.
    /// - Throws: `ConfigurationError` naming the key or file that is wrong.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        let path = file ?? (FileManager.default.fileExists(atPath: "config.yaml") ? "config.yaml" : nil)
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(description: "cannot read configuration file \(path)")
            }
            try configuration.apply(yaml: text, source: path)
        }
        for key in keys {
            if let value = environment[environmentName(of: key.path)] {
                try key.apply(&configuration, value)
            }
        }
        return configuration
    }

    mutating func apply(yaml text: String, source: String) throws {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError(description: "\(source) is not valid YAML: \(error)")
        }
        guard let document else { return }
        guard let root = document as? [String: Any] else {
            throw ConfigurationError(description: "\(source): the top level must be a mapping")
        }
        let known = Set(Self.keys.map(\.path))
        for (section, body) in root {
            guard let mapping = body as? [String: Any] else {
                throw ConfigurationError(description: "\(source): `\(section)` must be a mapping")
            }
            for (name, value) in mapping {
                let path = "\(section).\(name)"
                guard known.contains(path), let key = Self.keys.first(where: { $0.path == path }) else {
                    throw ConfigurationError(description: "\(source): unknown key `\(path)`")
                }
                if value is NSNull { continue }
                // Lists (CORS origins) arrive as YAML sequences; the key table takes them comma-separated,
                // the form environment variables use.
                if let list = value as? [Any] {
                    try key.apply(&self, list.map { "\($0)" }.joined(separator: ","))
                    continue
                }
                try key.apply(&self, "\(value)")
            }
        }
    }

    private static func int(_ text: String, _ key: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError(description: "`\(key)` must be a whole number in \(range.lowerBound)...\(range.upperBound), got `\(text)`")
        }
        return value
    }

    /// A comma-separated list of browser origins (`scheme://host[:port]`, no path), or `*` when allowed.
    private static func origins(_ text: String, _ key: String, allowWildcard: Bool) throws -> [String] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for item in items {
            if item == "*" {
                guard allowWildcard else {
                    throw ConfigurationError(description: "`\(key)` must list origins; `*` is not allowed for the admin API")
                }
                continue
            }
            guard let url = URL(string: item), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = url.host, !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
            else {
                throw ConfigurationError(description: "`\(key)`: `\(item)` is not an origin like https://app.example.com (scheme, host and optional port; no path)")
            }
        }
        return items.map { $0 == "*" ? $0 : $0.lowercased() }
    }

    private static func choice(_ text: String, _ key: String, _ allowed: [String]) throws -> String {
        guard allowed.contains(text) else {
            throw ConfigurationError(description: "`\(key)` must be one of \(allowed.joined(separator: ", ")), got `\(text)`")
        }
        return text
    }
}
