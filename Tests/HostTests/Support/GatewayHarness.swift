import AsyncHTTPClient
import Foundation
import Host
import Logging
import MockProvider
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// A real gateway on a loopback port, with its own database and plugins folder, in front of a real
/// mock provider. Tests talk to both over sockets, exactly like users do.
final class GatewayHarness: Sendable {
    let gateway: Gateway
    let port: Int
    let mock: MockProvider
    let directory: URL
    let log: CapturedLog
    private let group: ServiceGroup
    private let runner: Task<Void, any Error>

    static let adminPassword = "harness-admin-password"

    /// Starts a mock provider and a gateway. `plugins` are the adapter files to put into the plugins
    /// folder (defaults to our three adapters); `adminPassword` is GATEWAY_ADMIN_PASSWORD for the first
    /// account (nil: unset, so the account is admin / admin123 and must change it); `configure`
    /// adjusts the configuration.
    static func start(
        plugins: [URL]? = nil,
        adminPassword: String? = GatewayHarness.adminPassword,
        configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) async throws -> GatewayHarness {
        let mock = try await MockProvider.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-test-\(UUID().uuidString)")
        let pluginsDirectory = directory.appendingPathComponent("plugins.d")
        try FileManager.default.createDirectory(at: pluginsDirectory, withIntermediateDirectories: true)
        for file in plugins ?? Self.standardAdapters {
            try FileManager.default.copyItem(at: file, to: pluginsDirectory.appendingPathComponent(file.lastPathComponent))
        }
        var configuration = GatewayConfiguration()
        configuration.server.host = "127.0.0.1"
        configuration.server.port = 0
        configuration.database.path = directory.appendingPathComponent("data/gateway.sqlite").path
        configuration.plugins.dir = pluginsDirectory.path
        configuration.upstream.keepaliveIntervalMs = 300
        configure(&configuration)

        let log = CapturedLog()
        let logger = Logger(label: "gateway") { label in CapturingLogHandler(log: log) }
        let gateway = try Gateway(configuration: configuration, logger: logger,
                                  environment: adminPassword.map { ["GATEWAY_ADMIN_PASSWORD": $0] } ?? [:])
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = gateway.makeApplication { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let runner = Task { try await group.run() }
        var port = 0
        for await value in portStream { port = value }
        try #require(port > 0, "the gateway did not start listening")
        return GatewayHarness(gateway: gateway, port: port, mock: mock, directory: directory, log: log, group: group, runner: runner)
    }

    private init(gateway: Gateway, port: Int, mock: MockProvider, directory: URL, log: CapturedLog, group: ServiceGroup, runner: Task<Void, any Error>) {
        self.gateway = gateway
        self.port = port
        self.mock = mock
        self.directory = directory
        self.log = log
        self.group = group
        self.runner = runner
    }

    static var standardAdapters: [URL] {
        [("OpenAIAdapter", "openai.so"), ("DeepSeekAdapter", "deepseek.so"), ("GLMAdapter", "glm.so")].map { product, _ in
            RepositoryPaths.adapterLibrary(product)
        }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await runner.value
        await mock.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    // MARK: HTTP

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
        /// `error.code` of an OpenAI-shaped or admin error body.
        var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    }

    func send(_ method: HTTPMethod, _ path: String, json: Any? = nil, rawBody: [UInt8]? = nil, token: String? = nil,
              headers extra: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(try JSONSerialization.data(withJSONObject: json))
        } else if let rawBody {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(rawBody)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
    }

    // MARK: Admin helpers

    func adminToken() async throws -> String {
        let reply = try await send(.POST, "/admin/login", json: ["username": "admin", "password": Self.adminPassword])
        try #require(reply.status == 200, "login failed: \(reply.text)")
        return try #require(reply.json?["token"] as? String)
    }

    /// Creates a provider for one mock flavor and returns its id.
    func createProvider(_ flavor: MockFlavor, token: String, name: String? = nil, apiKey: String? = nil, extra: [String: Any] = [:]) async throws -> Int {
        var body: [String: Any] = [
            "name": name ?? "mock-\(flavor.rawValue)-\(UUID().uuidString.prefix(6))",
            "adapter": flavor.rawValue,
            "base_url": mock.baseURL(for: flavor),
            "api_key": apiKey ?? flavor.mockKey,
            "models": flavor.models,
        ]
        body.merge(extra) { _, new in new }
        let reply = try await send(.POST, "/admin/providers", json: body, token: token)
        try #require(reply.status == 201, "provider creation failed: \(reply.text)")
        return try #require(reply.json?["id"] as? Int)
    }

    func createEndpoint(path: String, providerID: Int, model: String, token: String, extra: [String: Any] = [:]) async throws -> Int {
        var body: [String: Any] = ["path": path, "provider_id": providerID, "model": model]
        body.merge(extra) { _, new in new }
        let reply = try await send(.POST, "/admin/endpoints", json: body, token: token)
        try #require(reply.status == 201, "endpoint creation failed: \(reply.text)")
        return try #require(reply.json?["id"] as? Int)
    }

    func createKey(token: String, name: String = "test key") async throws -> String {
        let reply = try await send(.POST, "/admin/keys", json: ["name": name], token: token)
        try #require(reply.status == 201, "key creation failed: \(reply.text)")
        return try #require(reply.json?["key"] as? String)
    }

    /// Provider + endpoint + key in one go: what most proxy tests need.
    func setUpRoute(_ flavor: MockFlavor, path: String, extra: [String: Any] = [:]) async throws -> (key: String, token: String) {
        let token = try await adminToken()
        let provider = try await createProvider(flavor, token: token)
        _ = try await createEndpoint(path: path, providerID: provider, model: flavor.models[0], token: token, extra: extra)
        let key = try await createKey(token: token)
        return (key, token)
    }
}

extension MockFlavor {
    var mockKey: String {
        switch self {
        case .openai: MockCredentials.openAIKey
        case .deepseek: MockCredentials.deepSeekKey
        case .glm: MockCredentials.glmKey
        }
    }

    var models: [String] {
        switch self {
        case .openai: ["gpt-4o-mini", "gpt-4o"]
        case .deepseek: ["deepseek-chat", "deepseek-reasoner"]
        case .glm: ["glm-4.6", "glm-4.5"]
        }
    }
}
