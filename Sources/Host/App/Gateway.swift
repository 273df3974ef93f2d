import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the gateway the same way for `main` and for tests: database, adapters, snapshot, upstream
/// client, proxy, admin API.
public struct Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let database: GatewayDatabase
    public let registry: AdapterRegistry
    public let snapshots: SnapshotStore
    public let upstream: UpstreamClient
    public let stats: StatsRecorder
    /// The response cache, shared by all endpoints that enable it (nil when `cache.max_bytes` is 0).
    public let cache: ResponseCache?
    let startedAt = Date()
    let logger: Logger
    let signer: AdminTokenSigner
    let secrets: SecretBox
    let security: SecurityServices

    /// Opens everything the gateway needs. Fails with a clear message when the configuration or the
    /// database cannot be used.
    public init(configuration: GatewayConfiguration, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.configuration = configuration
        self.logger = logger
        database = try GatewayDatabase(path: configuration.database.path)
        let dataDirectory = URL(fileURLWithPath: configuration.database.path).deletingLastPathComponent().path

        let jwtSecret = configuration.server.jwtSecret.isEmpty
            ? try SecretFile.loadOrCreate(at: dataDirectory + "/jwt_secret")
            : Array(configuration.server.jwtSecret.utf8)
        if !configuration.server.jwtSecret.isEmpty && configuration.server.jwtSecret.utf8.count < 32 {
            logger.warning("server.jwt_secret is shorter than 32 bytes; use a longer random value")
        }
        signer = AdminTokenSigner(secret: jwtSecret)
        let encryptionKey = configuration.server.secretKey.isEmpty
            ? try SecretFile.loadOrCreate(at: dataDirectory + "/secret_key")
            : Array(configuration.server.secretKey.utf8)
        secrets = SecretBox(keyBytes: encryptionKey)

        registry = AdapterRegistry(directory: configuration.plugins.dir, logger: logger)
        snapshots = SnapshotStore(database: database, registry: registry, secrets: secrets, logger: logger)
        upstream = UpstreamClient(configuration: configuration.upstream)
        stats = StatsRecorder(
            ledger: UsageLedger(database: database, logger: logger, capacity: configuration.stats.ledgerQueueCapacity,
                                retentionDays: configuration.stats.retentionDays),
            metrics: GatewayMetrics(), live: LiveCounters(), logger: logger)
        cache = configuration.cache.maxBytes > 0
            ? ResponseCache(maxBytes: configuration.cache.maxBytes, maxEntryBytes: configuration.cache.maxEntryBytes) : nil
        security = try SecurityServices(database: database, configuration: configuration.security, logger: logger)
        try seedFirstAdmin(environment: environment)
        try snapshots.rebuild()
        registry.onChange = { [snapshots] in try? snapshots.rebuild() }  // hot-loaded adapters reach the providers
    }

    /// Creates the first account on an empty database: `admin` / `admin123` (flagged for a password
    /// change), or the password from `GATEWAY_ADMIN_PASSWORD`.
    private func seedFirstAdmin(environment: [String: String]) throws {
        let hasUsers = try database.pool.read { db in try UserRecord.fetchCount(db) > 0 }
        guard !hasUsers else { return }
        let configured = environment["GATEWAY_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let password = configured ?? "admin123"
        let now = Date()
        var admin = UserRecord(
            id: nil, username: "admin", displayName: "Administrator", email: "", role: "admin",
            passwordHash: Bcrypt.hash(password, cost: PasswordPolicy.bcryptCost),
            mustChangePassword: configured == nil, enabled: true, createdAt: now, updatedAt: now)
        try database.pool.write { db in try admin.insert(db) }
        if configured == nil {
            logger.warning("created the first account admin / admin123: log in and change the password now")
        } else {
            logger.info("created the first account 'admin' with the password from GATEWAY_ADMIN_PASSWORD")
        }
    }

    /// The HTTP application: proxy routes on the event loop (`GatewayHTTPChannel`), everything else
    /// through the router: health checks, the admin API, the console.
    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: GatewayRequestContext.self)
        router.get("healthz") { _, _ in Self.json(#"{"status":"ok"}"#) }
        let database = self.database
        let registry = self.registry
        router.get("readyz") { _, _ -> Response in
            let databaseOK = database.isReachable()
            let adapters = registry.loadedNames.count
            let ready = databaseOK && adapters > 0
            return Self.json(#"{"status":"\#(ready ? "ready" : "not_ready")","database":\#(databaseOK),"adapters":\#(adapters)}"#,
                             status: ready ? .ok : .serviceUnavailable)
        }
        let session = AdminController(
            database: database, snapshots: snapshots, registry: registry, secrets: secrets, signer: signer,
            tokenTTL: TimeInterval(configuration.server.tokenTTLHours * 3600), security: security, logger: logger
        ).addRoutes(to: router)
        StatsController(database: database, stats: stats, registry: registry, startedAt: startedAt).addRoutes(to: session)
        MetricsEndpoint(configuration: configuration.metrics, stats: stats, registry: registry).addRoute(to: router)

        ConsoleController(frontendPath: configuration.server.frontendPath, logger: logger).addRoutes(to: router)

        let cors = CORSPolicy(configuration: configuration.security)
        let proxy = ProxyHandler(snapshots: snapshots, upstream: upstream, limits: configuration.limits, stats: stats,
                                 cache: cache, cors: cors, logger: logger)
        let responder = SecurityResponder(inner: GatewayResponder(router: router.buildResponder()), cors: cors)
        var app = Application(
            responder: responder,
            server: GatewayHTTPChannel.builder(proxy: proxy),
            configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port), serverName: nil),
            onServerRunning: onServerRunning,
            logger: logger)
        // Services stop in reverse order after the server has drained: the ledger flushes last.
        app.addServices(stats.ledger, UpstreamClientService(client: upstream))
        app.addServices(registry.watcher(mode: AdapterWatcher.Mode(rawValue: configuration.plugins.watch)))
        return app
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Shuts the upstream client down after the server has stopped.
struct UpstreamClientService: Service {
    let client: UpstreamClient
    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
