import AsyncHTTPClient
import Foundation
import GRDB
@testable import Host
import MockProvider
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// The gateway process as users run it, stopped with SIGTERM in the middle of a load: every request
/// that completed must be in the ledger.
@Suite("Graceful shutdown", .serialized)
struct GracefulShutdownTests {
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                try #require(bind(socket, raw, length) == 0)
                try #require(getsockname(socket, raw, &length) == 0)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("SIGTERM during load: the process exits 0 and every completed request is in the ledger")
    func sigtermUnderLoad() async throws {
        let mock = try await MockProvider.start()
        defer { Task { await mock.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sigterm-\(UUID().uuidString)")
        let plugins = directory.appendingPathComponent("plugins.d")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in GatewayHarness.standardAdapters {
            try FileManager.default.copyItem(at: file, to: plugins.appendingPathComponent(file.lastPathComponent))
        }
        let port = try Self.freePort()
        let databasePath = directory.appendingPathComponent("data/gateway.sqlite").path
        let process = Process()
        process.executableURL = RepositoryPaths.buildProducts.appendingPathComponent("gateway")
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment["GATEWAY_SERVER_HOST"] = "127.0.0.1"
        environment["GATEWAY_SERVER_PORT"] = String(port)
        environment["GATEWAY_DATABASE_PATH"] = databasePath
        environment["GATEWAY_PLUGINS_DIR"] = plugins.path
        environment["GATEWAY_ADMIN_PASSWORD"] = GatewayHarness.adminPassword
        environment["GATEWAY_LOGGING_LEVEL"] = "warning"
        process.environment = environment
        process.currentDirectoryURL = directory
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        @Sendable func call(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, token: String? = nil) async throws -> (Int, [String: Any]?) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)" + path)
            request.method = method
            if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
            if let json { request.body = .bytes(try JSONSerialization.data(withJSONObject: json)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        }
        var ready = false
        for _ in 0..<100 {
            if (try? await call(.GET, "/healthz"))?.0 == 200 { ready = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(ready, "the gateway did not start")
        let token = try #require(try await call(.POST, "/admin/login", json: ["username": "admin", "password": GatewayHarness.adminPassword]).1?["token"] as? String)
        let provider = try #require(try await call(.POST, "/admin/providers", json: [
            "name": "mock", "adapter": "openai", "base_url": mock.baseURL(for: .openai), "api_key": MockCredentials.openAIKey,
        ], token: token).1?["id"] as? Int)
        _ = try await call(.POST, "/admin/endpoints", json: ["path": "/load", "provider_id": provider, "model": "gpt-4o-mini"], token: token)
        let key = try #require(try await call(.POST, "/admin/keys", json: ["name": "load"], token: token).1?["key"] as? String)

        // 16 clients send requests that each take ~100 ms upstream; SIGTERM lands while many are in flight.
        let load = LoadState()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    while !load.stop.load(ordering: .relaxed) {
                        guard let (status, _) = try? await call(.POST, "/load", json: chatBody("load [mock first_byte_ms=100]"), token: key) else { return }
                        if status == 200 { load.completed.add(1, ordering: .relaxed) }
                    }
                }
            }
            // SIGTERM once a good number have completed (on a busy machine that takes longer than usual).
            for _ in 0..<300 where load.completed.load(ordering: .relaxed) < 24 {
                try await Task.sleep(for: .milliseconds(100))
            }
            kill(process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            load.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning, "the gateway did not exit after SIGTERM")
        #expect(process.terminationStatus == 0)
        #expect(load.completed.load(ordering: .relaxed) > 20)

        let database = try GatewayDatabase(path: databasePath)
        let okRows = try await database.pool.read { db in try UsageRecord.filter(Column("status") == 200).fetchCount(db) }
        #expect(okRows == load.completed.load(ordering: .relaxed), "every request that completed is in the ledger")
    }
}

/// Shared by the load clients of the shutdown test.
final class LoadState: Sendable {
    let completed = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
}
