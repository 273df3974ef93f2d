/// Everything the gateway can be configured with. Every field has a default, so an empty
/// `config.yaml` (or none) gives a working gateway on :8080.
public struct GatewayConfiguration: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var host = "0.0.0.0"
        public var port = 8080
        /// HS256 secret for admin tokens. Empty: generated once and kept in `jwt_secret` next to the database.
        public var jwtSecret = ""
        /// Folder with the console's files. Empty: the files shipped with the build.
        public var frontendPath = ""
        /// Key that encrypts provider API keys at rest. Empty: generated once and kept in `secret_key` next to the database.
        public var secretKey = ""
        public var tokenTTLHours = 24
        public init() {}
    }

    public struct Database: Sendable, Equatable {
        public var path = "./data/gateway.sqlite"
        public init() {}
    }

    public struct Plugins: Sendable, Equatable {
        public var dir = "./plugins.d"
        /// How new, replaced and removed adapter files are noticed: `inotify` (falls back to polling where
        /// unavailable), `poll` (every second; for NFS and similar), or `off` (only POST /admin/plugins/reload).
        public var watch = "inotify"
        public init() {}
    }

    public struct Limits: Sendable, Equatable {
        /// Largest client request body accepted on proxy routes (413 above).
        public var maxBodyBytes = 4 * 1024 * 1024
        public init() {}
    }

    public struct Upstream: Sendable, Equatable {
        public var connectTimeoutMs = 10_000
        /// Until the upstream sends its first body byte (non-stream) or first event (stream).
        public var firstByteTimeoutMs = 300_000
        /// Longest silence between two stream events once the first has arrived.
        public var idleTimeoutMs = 120_000
        public var totalTimeoutMs = 900_000
        /// SSE comments sent to the client while waiting for the upstream's first event.
        public var keepaliveIntervalMs = 15_000
        /// Concurrent upstream connections per provider host; a request beyond it waits for one. Every
        /// open stream holds a connection, so this bounds the streams per provider (the pool only grows
        /// on demand; idle connections close after 60 s). 256 made the 1,000th concurrent stream wait
        /// seconds for its first event (docs/performance.md).
        public var maxConnectionsPerHost = 2048
        public init() {}
    }

    public struct Stats: Sendable, Equatable {
        /// Days of per-request ledger rows kept; daily aggregates are kept for good.
        public var retentionDays = 90
        /// Usage rows that may wait for the writer before new ones are dropped (and counted).
        public var ledgerQueueCapacity = 100_000
        public init() {}
    }

    public struct Metrics: Sendable, Equatable {
        /// Who may read `/metrics`: `loopback` (default), `token` (Bearer `metrics.token`), `open`, or `off`.
        public var access = "loopback"
        public var token = ""
        public init() {}
    }

    public struct Cache: Sendable, Equatable {
        /// Memory the response cache may use, in bytes.
        public var maxBytes = 64 * 1024 * 1024
        /// Largest single answer the cache keeps.
        public var maxEntryBytes = 1024 * 1024
        public init() {}
    }

    /// Browser access (CORS), login throttling and audit retention. See docs/security.md.
    public struct Security: Sendable, Equatable {
        /// Origins (`https://console.example.com`) whose pages may call the admin API. Empty: none (CORS off).
        public var corsAdminOrigins: [String] = []
        /// Origins whose pages may call the proxy routes; `*` allows any. Empty: none.
        public var corsProxyOrigins: [String] = []
        /// Failed logins for one username before it is locked for `loginLockoutSeconds`.
        public var loginMaxFailures = 5
        /// Failed logins from one client address before it is locked for `loginLockoutSeconds`.
        public var loginMaxFailuresPerIP = 20
        /// How long a locked username or address waits; also how long failures are remembered.
        public var loginLockoutSeconds = 900
        /// Audit events older than this many days are deleted at start-up; 0 keeps them forever.
        public var auditRetentionDays = 365
        public init() {}
    }

    public struct Logging: Sendable, Equatable {
        public var level = "info"
        public init() {}
    }

    public var server = Server()
    public var database = Database()
    public var plugins = Plugins()
    public var limits = Limits()
    public var upstream = Upstream()
    public var logging = Logging()
    public var security = Security()
    public var stats = Stats()
    public var metrics = Metrics()
    public var cache = Cache()

    public init() {}
}
