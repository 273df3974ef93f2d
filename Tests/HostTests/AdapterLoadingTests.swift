import Foundation
import Host
import MockProvider
import TestSupport
import Testing

/// The C ABI for real: adapters compiled from plain C with `cc`, and broken files in plugins.d.
@Suite("Adapter loading", .serialized)
struct AdapterLoadingTests {
    /// Compiles one of the C fixtures into a shared library in `directory`.
    static func compileCAdapter(_ name: String, into directory: URL, as fileName: String? = nil) throws -> URL {
        let output = directory.appendingPathComponent(fileName ?? "\(name).so")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "cc", "-std=c11", "-Wall", "-Werror", "-shared", "-fPIC", "-O2",
            "-I", RepositoryPaths.root.appendingPathComponent("Sources/PluginAPI/include").path,
            "-o", output.path, RepositoryPaths.fixtures.appendingPathComponent("c-adapter/\(name).c").path,
        ]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cc failed for \(name).c")
        return output
    }

    @Test("an adapter written in plain C serves requests, stream and not")
    func cAdapter() async throws {
        let build = FileManager.default.temporaryDirectory.appendingPathComponent("c-adapter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: build) }
        let library = try Self.compileCAdapter("passthrough", into: build)

        let harness = try await GatewayHarness.start(plugins: [library])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let provider = try await harness.send(.POST, "/admin/providers", json: [
            "name": "c", "adapter": "c-passthrough", "base_url": harness.mock.baseURL(for: .openai), "api_key": MockCredentials.openAIKey,
        ], token: token)
        #expect(provider.status == 201, "\(provider.text)")
        _ = try await harness.createEndpoint(path: "/c", providerID: try #require(provider.json?["id"] as? Int), model: "gpt-4o-mini", token: token)
        let key = try await harness.createKey(token: token)

        let reply = try await harness.send(.POST, "/c", json: chatBody("Hello C"), token: key)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.text.contains("Hello from mock openai"))
        let streamed = try await harness.stream("/c", key: key, body: chatBody("Hello C"))
        #expect(streamed.endedWithDone)
        #expect(streamed.content.contains("Hello from mock openai"))
    }

    @Test("corrupt, symbol-less and wrong-major files are refused with reasons; the others serve")
    func refusedFiles() async throws {
        let build = FileManager.default.temporaryDirectory.appendingPathComponent("bad-adapters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: build) }
        let corrupt = build.appendingPathComponent("corrupt.so")
        var generator = SplitMix64(seed: 7)
        try Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }).write(to: corrupt)
        let noEntry = try Self.compileCAdapter("no_entry", into: build)
        let wrongMajor = try Self.compileCAdapter("wrong_major", into: build)

        let harness = try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [corrupt, noEntry, wrongMajor])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let plugins = try await harness.send(.GET, "/admin/plugins", token: token)
        let refused = try #require(plugins.json?["refused"] as? [[String: Any]])
        let reasons = Dictionary(uniqueKeysWithValues: refused.compactMap { entry -> (String, String)? in
            guard let file = entry["file"] as? String, let reason = entry["reason"] as? String else { return nil }
            return (URL(fileURLWithPath: file).lastPathComponent, reason)
        })
        #expect(Set(reasons.keys) == ["corrupt.so", "no_entry.so", "wrong_major.so"], "\(plugins.text)")
        #expect(reasons["no_entry.so"]?.contains("gateway_plugin_entry") == true)
        #expect(reasons["wrong_major.so"]?.lowercased().contains("major") == true)
        for file in reasons.keys {
            #expect(harness.log.text.contains(file), "the refusal of \(file) is logged")
        }
        let loaded = (plugins.json?["loaded"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(Set(loaded ?? []) == ["openai", "deepseek", "glm"])
        let (key, _) = try await harness.setUpRoute(.glm, path: "/still-works")
        #expect(try await harness.send(.POST, "/still-works", json: chatBody("hi"), token: key).status == 200)
    }
}
