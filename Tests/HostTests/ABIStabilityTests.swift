import Foundation
import Host
import MockProvider
import TestSupport
import Testing

/// The compatibility promise of docs/plugins.md, checked against the frozen copy of the first published header
/// (`Tests/Fixtures/abi-1.0/gateway_plugin.h`, never edited): an adapter built against ABI 1.0 keeps loading and
/// serving in this gateway, and every 1.0 declaration keeps its layout and value. A change that breaks either must
/// bump `GW_ABI_MAJOR`, and then the gateway must refuse the old adapter with a clear reason instead.
@Suite("ABI stability", .serialized)
struct ABIStabilityTests {
    static let frozen = RepositoryPaths.fixtures.appendingPathComponent("abi-1.0")
    static let current = RepositoryPaths.root.appendingPathComponent("Sources/PluginAPI/include")

    /// Runs `cc` with `arguments`; fails the test with the compiler's message.
    static func cc(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-std=c11", "-Wall", "-Werror"] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cc \(arguments.joined(separator: " ")) failed: \(message)")
    }

    static func output(of program: URL) throws -> String {
        let process = Process()
        process.executableURL = program
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("abi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The current header's major, read the way an adapter reads it.
    static func currentMajor(in dir: URL) throws -> Int {
        let source = dir.appendingPathComponent("major.c")
        try Data("#include <stdio.h>\n#include \"gateway_plugin.h\"\nint main(void) { printf(\"%u\", GW_ABI_MAJOR); return 0; }\n".utf8).write(to: source)
        let program = dir.appendingPathComponent("major")
        try cc(["-I", current.path, "-o", program.path, source.path])
        return Int(try output(of: program)) ?? -1
    }

    @Test("the frozen header is still the first published one")
    func frozenHeaderIsUntouched() throws {
        let text = try String(contentsOf: Self.frozen.appendingPathComponent("gateway_plugin.h"), encoding: .utf8)
        #expect(text.contains("#define GW_ABI_MAJOR 1u") && text.contains("#define GW_ABI_MINOR 0u"))
    }

    @Test("every ABI 1.0 declaration has the same layout and value in the current header (or the major was bumped)")
    func layoutIsUnchanged() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = Self.frozen.appendingPathComponent("layout.c")
        let old = dir.appendingPathComponent("layout-1.0"), new = dir.appendingPathComponent("layout-current")
        try Self.cc(["-I", Self.frozen.path, "-o", old.path, layout.path])
        try Self.cc(["-I", Self.current.path, "-o", new.path, layout.path])
        let before = try Self.output(of: old).split(separator: "\n"), after = try Self.output(of: new).split(separator: "\n")
        #expect(before.count > 80, "the layout program printed \(before.count) lines")
        let changed = zip(before, after).filter { $0 != $1 }.map { "1.0: \($0)  now: \($1)" }
        if try Self.currentMajor(in: dir) == 1 {
            #expect(changed.isEmpty, "ABI 1.0 changed without a major bump:\n\(changed.joined(separator: "\n"))")
        } else {
            #expect(changed.contains { $0.contains("GW_ABI_MAJOR") }, "the major changed, and the layout test saw it")
        }
    }

    @Test("an adapter built against the 1.0 header loads and serves requests, stream and not, in the current gateway")
    func oneZeroAdapterServes() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = dir.appendingPathComponent("abi10.so")
        try Self.cc(["-Wextra", "-shared", "-fPIC", "-fvisibility=hidden", "-I", Self.frozen.path, "-o", library.path,
                     Self.frozen.appendingPathComponent("adapter_v1_0.c").path])
        let major = try Self.currentMajor(in: dir)

        let harness = try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [library])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let plugins = try await harness.send(.GET, "/admin/plugins", token: token)
        let loaded = (plugins.json?["loaded"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "abi10" }
        guard major == 1 else {
            // A new major: the promise is a clear refusal, never a crash or a silent misreading.
            let refused = (plugins.json?["refused"] as? [[String: Any]] ?? []).first { ($0["file"] as? String)?.hasSuffix("abi10.so") == true }
            #expect(loaded == nil)
            #expect((refused?["reason"] as? String)?.contains("major") == true, "\(plugins.text)")
            return
        }
        let entry = try #require(loaded, "the 1.0 adapter did not load: \(plugins.text)")
        #expect(entry["abi_version"] as? String == "1.0")

        let provider = try await harness.send(.POST, "/admin/providers", json: [
            "name": "abi10", "adapter": "abi10", "base_url": harness.mock.baseURL(for: .openai), "api_key": MockCredentials.openAIKey,
            "models": ["gpt-4o-mini"],
        ], token: token)
        #expect(provider.status == 201, "\(provider.text)")
        _ = try await harness.createEndpoint(path: "/abi10", providerID: try #require(provider.json?["id"] as? Int), model: "gpt-4o-mini", token: token)
        let key = try await harness.createKey(token: token)

        let reply = try await harness.send(.POST, "/abi10", json: chatBody("Hello from 1.0"), token: key)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json?["abi"] as? String == "1.0")
        #expect(reply.text.contains("Hello from mock openai"))
        let streamed = try await harness.stream("/abi10", key: key, body: chatBody("Hello from 1.0", extra: ["stream_options": ["include_usage": true]]))
        #expect(streamed.endedWithDone)
        #expect(streamed.content.contains("Hello from mock openai"))
        #expect(streamed.jsonEvents.allSatisfy { $0["abi"] as? String == "1.0" })
        let bad = try await harness.send(.POST, "/abi10", json: chatBody("[mock error=429]"), token: key)
        #expect(bad.status == 429)
    }
}
