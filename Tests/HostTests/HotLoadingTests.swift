import AsyncHTTPClient
import Foundation
@testable import Host
import Logging
import MockProvider
import NIOCore
import Synchronization
import TestSupport
import Testing

/// Hot-loading against a running gateway with requests and streams in flight: files dropped into, replaced in and
/// removed from `plugins.d/` while the gateway serves. The adapter is `Tests/Fixtures/c-adapter/versioned.c`,
/// built per version; it writes its version into every answer and chunk, so each test sees which loaded version
/// served what.
@Suite("Hot-loading", .serialized)
struct HotLoadingTests {
    // MARK: Scenarios

    @Test("a new file is loaded without a restart, shown in /admin/plugins, and serves requests")
    func newFileIsLoaded() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let file = try HotAdapter.build(version: "1.0.0")
        let latency = try await HotAdapter.install(file, into: harness) {
            try await harness.loadedVersion("hot", token: token) == "1.0.0"
        }
        HotFigures.record("new file visible in /admin/plugins after \(latency) ms")

        let plugins = try await harness.plugins(token: token)
        let hot = try #require(plugins.loaded["hot"])
        #expect(hot["file"] as? String == harness.pluginsDirectory.appendingPathComponent("hot.so").path)
        #expect(hot["sha256"] as? String == HotAdapter.sha256(of: file))
        #expect(hot["in_use"] as? Int == 0)
        #expect(hot["loaded_at"] is String)
        #expect((plugins.json["watch"] as? [String: Any])?["mode"] as? String == "inotify")
        #expect(harness.log.text.contains("adapter loaded"))

        let route = try await harness.hotRoute(token: token)
        let reply = try await harness.send(.POST, route.path, json: chatBody("hello hot"), token: route.key)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json?["x_adapter_version"] as? String == "1.0.0")
        let streamed = try await harness.stream(route.path, key: route.key, body: chatBody("hello hot"))
        #expect(streamed.endedWithDone)
        #expect(streamed.jsonEvents.allSatisfy { $0["x_adapter_version"] as? String == "1.0.0" })
    }

    @Test("a newer version replaces the file: new requests use it, requests in flight finish on the old one, which retires when idle")
    func replacementWithTrafficInFlight() async throws {
        let harness = try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [URL(fileURLWithPath: try HotAdapter.build(version: "1.0.0", installName: "hot.so"))])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let route = try await harness.hotRoute(token: token)

        // Three slow streams and three slow non-stream answers, all started on 1.0.0.
        var streams: [OpenStream] = []
        for _ in 0..<3 {
            let stream = try await OpenStream(harness, route.path, key: route.key, body: chatBody("[mock chunks=40 interval_ms=75]"))
            _ = try await stream.next()  // the first chunk arrived: the stream is running
            streams.append(stream)
        }
        let slow = (0..<3).map { _ in
            Task { try await harness.send(.POST, route.path, json: chatBody("[mock first_byte_ms=3000] slow"), token: route.key) }
        }
        try await harness.waitUntil("the six requests in flight show as in use") {
            (try await harness.plugins(token: token).loaded["hot"]?["in_use"] as? Int) == 6
        }

        let latency = try await HotAdapter.install(try HotAdapter.build(version: "1.1.0"), into: harness) {
            try await harness.loadedVersion("hot", token: token) == "1.1.0"
        }
        HotFigures.record("replacement (1.0.0 -> 1.1.0) in force \(latency) ms after the rename, with 6 requests in flight")
        let plugins = try await harness.plugins(token: token)
        let retired = try #require(plugins.retired.first { $0["name"] as? String == "hot" }, "\(plugins.json)")
        #expect(retired["version"] as? String == "1.0.0")
        #expect(retired["in_use"] as? Int == 6)
        #expect(retired["reason"] as? String == "replaced by 1.1.0")
        #expect(plugins.loaded["hot"]?["in_use"] as? Int == 0)

        // New requests: 1.1.0, streams and not.
        let fresh = try await harness.send(.POST, route.path, json: chatBody("after the swap"), token: route.key)
        #expect(fresh.json?["x_adapter_version"] as? String == "1.1.0", "\(fresh.text)")
        let freshStream = try await harness.stream(route.path, key: route.key, body: chatBody("after the swap"))
        #expect(freshStream.jsonEvents.allSatisfy { $0["x_adapter_version"] as? String == "1.1.0" })

        // The old requests finish on 1.0.0, completely.
        for stream in streams {
            let rest = try await stream.rest()
            #expect(rest.endedWithDone, "\(rest.raw.suffix(300))")
            #expect(rest.jsonEvents.count >= 40)
            #expect(rest.jsonEvents.allSatisfy { $0["x_adapter_version"] as? String == "1.0.0" })
        }
        for task in slow {
            let reply = try await task.value
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json?["x_adapter_version"] as? String == "1.0.0")
        }
        // Idle now: its last instance is destroyed and it leaves the list.
        try await harness.waitUntil("the retired version goes idle") {
            try await harness.plugins(token: token).retired.isEmpty
        }
        #expect(harness.log.text.contains("adapter hot 1.0.0 is idle and retired"))
    }

    @Test("the same or an older version is refused with a reason and the loaded version keeps serving")
    func sameOrOlderVersionIsRefused() async throws {
        let harness = try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [URL(fileURLWithPath: try HotAdapter.build(version: "1.2.0", installName: "hot.so"))])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let route = try await harness.hotRoute(token: token)
        for (version, variant) in [("1.2.0", "rebuilt"), ("1.1.9", "older")] {
            let file = try HotAdapter.build(version: version, variant: variant)
            _ = try await HotAdapter.install(file, into: harness) {
                try await harness.plugins(token: token).refused.contains { ($0["reason"] as? String)?.contains("version \(version) is not newer") == true }
            }
            #expect(try await harness.loadedVersion("hot", token: token) == "1.2.0")
            let reply = try await harness.send(.POST, route.path, json: chatBody("still there?"), token: route.key)
            #expect(reply.json?["x_adapter_version"] as? String == "1.2.0")
        }
        // Touching the file (same bytes) changes nothing and is not a refusal.
        let failures = try await harness.plugins(token: token).json["load_failures"] as? Int
        let path = harness.pluginsDirectory.appendingPathComponent("hot.so").path
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
        _ = try await harness.send(.POST, "/admin/plugins/reload", token: token)
        #expect(try await harness.plugins(token: token).json["load_failures"] as? Int == failures)
    }

    @Test("a removed file makes new requests 503 naming the adapter while a running stream finishes; putting it back restores service")
    func removalWithStreamInFlight() async throws {
        let harness = try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [URL(fileURLWithPath: try HotAdapter.build(version: "1.0.0", installName: "hot.so"))])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let route = try await harness.hotRoute(token: token)
        let stream = try await OpenStream(harness, route.path, key: route.key, body: chatBody("[mock chunks=30 interval_ms=40]"))
        _ = try await stream.next()

        let file = harness.pluginsDirectory.appendingPathComponent("hot.so")
        try FileManager.default.removeItem(at: file)
        try await harness.waitUntil("the adapter is gone from /admin/plugins") {
            try await harness.plugins(token: token).loaded["hot"] == nil
        }
        let refused = try await harness.send(.POST, route.path, json: chatBody("anyone?"), token: route.key)
        #expect(refused.status == 503)
        #expect(refused.errorCode == "adapter_unavailable")
        #expect(refused.text.contains("'hot'"), "\(refused.text)")
        let provider = try await harness.send(.GET, "/admin/providers/\(route.providerID)", token: token)
        #expect(provider.json?["status"] as? String == "adapter_missing")

        let rest = try await stream.rest()
        #expect(rest.endedWithDone)
        #expect(rest.jsonEvents.allSatisfy { $0["x_adapter_version"] as? String == "1.0.0" })

        _ = try await HotAdapter.install(try HotAdapter.build(version: "1.0.0"), into: harness) {
            try await harness.loadedVersion("hot", token: token) == "1.0.0"
        }
        let back = try await harness.send(.POST, route.path, json: chatBody("back?"), token: route.key)
        #expect(back.status == 200, "\(back.text)")
    }

    @Test("broken files are refused with reasons in the log and /admin/plugins, and change nothing else")
    func brokenFilesChangeNothing() async throws {
        let harness = try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [URL(fileURLWithPath: try HotAdapter.build(version: "1.0.0", installName: "hot.so"))])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let route = try await harness.hotRoute(token: token)
        let before = try await harness.plugins(token: token)
        let failuresBefore = before.json["load_failures"] as? Int ?? 0

        let build = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: build) }
        var generator = SplitMix64(seed: 11)
        let corrupt = build.appendingPathComponent("corrupt.so")
        try Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }).write(to: corrupt)
        let wrongMajor = try AdapterLoadingTests.compileCAdapter("wrong_major", into: build)
        let whole = try Data(contentsOf: URL(fileURLWithPath: try HotAdapter.build(version: "2.0.0")))
        let truncated = build.appendingPathComponent("truncated.so")
        try whole.prefix(whole.count / 2).write(to: truncated)
        for file in [corrupt, wrongMajor, truncated] {
            _ = try await HotAdapter.install(file.path, into: harness, as: file.lastPathComponent) {
                try await harness.plugins(token: token).refused.contains { ($0["file"] as? String)?.hasSuffix(file.lastPathComponent) == true }
            }
        }
        // The loaded adapter itself replaced by a broken file: the loaded version stays.
        _ = try await HotAdapter.install(corrupt.path, into: harness, as: "hot.so") {
            try await harness.plugins(token: token).refused.contains { ($0["file"] as? String)?.hasSuffix("/hot.so") == true }
        }
        let after = try await harness.plugins(token: token)
        let reasons = Dictionary(uniqueKeysWithValues: after.refused.compactMap { entry -> (String, String)? in
            guard let file = entry["file"] as? String, let reason = entry["reason"] as? String else { return nil }
            return (URL(fileURLWithPath: file).lastPathComponent, reason)
        })
        #expect(reasons["corrupt.so"]?.hasPrefix("not an ELF file") == true)
        #expect(reasons["wrong_major.so"]?.contains("major") == true)
        #expect(reasons["truncated.so"]?.contains("truncated") == true, "\(reasons)")
        #expect(reasons["hot.so"]?.hasPrefix("not an ELF file") == true)
        #expect(after.json["load_failures"] as? Int == failuresBefore + 4)
        #expect(Set(after.loaded.keys) == Set(before.loaded.keys))
        #expect(after.loaded["hot"]?["version"] as? String == "1.0.0")
        for name in ["corrupt.so", "wrong_major.so", "truncated.so"] {
            #expect(harness.log.text.contains("refused adapter \(harness.pluginsDirectory.appendingPathComponent(name).path)"))
        }
        let reply = try await harness.send(.POST, route.path, json: chatBody("still serving"), token: route.key)
        #expect(reply.json?["x_adapter_version"] as? String == "1.0.0")
        let (key, _) = try await harness.setUpRoute(.openai, path: "/others")
        #expect(try await harness.send(.POST, "/others", json: chatBody("hi"), token: key).status == 200)
    }

    @Test("POST /admin/plugins/reload rescans at once and is for admins only")
    func reloadEndpoint() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        try await harness.createUser("viewer", password: "Viewer-pass-2026!", token: token)
        let viewer = try await harness.login("viewer", "Viewer-pass-2026!").token
        #expect(try await harness.send(.POST, "/admin/plugins/reload", token: viewer).status == 403)
        #expect(try await harness.send(.POST, "/admin/plugins/reload").status == 401)

        let file = try HotAdapter.build(version: "1.0.0")
        try HotAdapter.copy(file, to: harness.pluginsDirectory.appendingPathComponent("hot.so"))
        let reply = try await harness.send(.POST, "/admin/plugins/reload", token: token)
        #expect(reply.status == 200, "\(reply.text)")
        // Whether this scan or the watcher's loaded it, the answer shows the state after the scan.
        let loaded = (reply.json?["loaded"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(loaded.contains("hot"))
        #expect(reply.json?["changes"] is [Any])
        #expect((reply.json?["watch"] as? [String: Any])?["scans"] as? Int ?? 0 >= 2)
    }

    @Test("versions swapped again and again under steady traffic: every request succeeds")
    func swapsUnderLoad() async throws {
        let harness = try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [URL(fileURLWithPath: try HotAdapter.build(version: "1.0.0", installName: "hot.so"))])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let route = try await harness.hotRoute(token: token)
        let versions = ["1.1.0", "1.2.0", "1.3.0", "1.4.0"]
        let files = try versions.map { try HotAdapter.build(version: $0) }
        let shared = SwapTally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    var round = 0
                    while shared.running.load(ordering: .relaxed) {
                        round += 1
                        let stream = client % 2 == 0
                        let body = chatBody("[mock chunks=8 interval_ms=15] client \(client) round \(round)")
                        do {
                            if stream {
                                let answer = try await harness.stream(route.path, key: route.key, body: body)
                                let versions = Set(answer.jsonEvents.compactMap { $0["x_adapter_version"] as? String })
                                let ok = answer.status == 200 && answer.endedWithDone && versions.count == 1
                                shared.state.withLock { t in
                                    if ok { t.ok += 1; t.seen.formUnion(versions) } else { t.failed.append("stream: \(answer.raw.suffix(200))") }
                                }
                            } else {
                                let reply = try await harness.send(.POST, route.path, json: body, token: route.key)
                                let version = reply.json?["x_adapter_version"] as? String
                                shared.state.withLock { t in
                                    if reply.status == 200, let version { t.ok += 1; t.seen.insert(version) } else { t.failed.append("\(reply.status) \(reply.text.prefix(200))") }
                                }
                            }
                        } catch {
                            shared.state.withLock { $0.failed.append("\(error)") }
                        }
                    }
                }
            }
            for (version, file) in zip(versions, files) {
                _ = try await HotAdapter.install(file, into: harness) {
                    try await harness.loadedVersion("hot", token: token) == version
                }
                try await harness.waitUntil("requests are served by \(version)") {
                    shared.state.withLock { $0.seen.contains(version) }
                }
            }
            shared.running.store(false, ordering: .relaxed)
            try await group.waitForAll()
        }
        let result = shared.state.withLock { $0 }
        #expect(result.failed.isEmpty, "\(result.failed.prefix(3))")
        #expect(result.seen.isSuperset(of: versions))
        #expect(result.ok > 20)
        HotFigures.record("\(versions.count) swaps under 4 busy clients: \(result.ok) requests, \(result.failed.count) failures")
    }
}

/// The registry and its watcher on their own, in polling mode (for file systems without inotify).
@Suite("Hot-loading: registry and polling watcher")
struct AdapterRegistryWatchTests {
    @Test("versions compare by semantic versioning precedence")
    func semanticVersions() throws {
        let ordered = ["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
                       "1.0.1", "1.2.0", "1.10.0", "2.0.0"]
        let versions = try ordered.map { try #require(SemanticVersion($0), "\($0)") }
        for (a, b) in zip(versions, versions.dropFirst()) { #expect(a < b, "\(a) < \(b)") }
        #expect(SemanticVersion("v1.2.3+build.7") == SemanticVersion("1.2.3"))
        for bad in ["1.0", "1.0.0.0", "01.a.3", "1.0.0-", "", "latest"] { #expect(SemanticVersion(bad) == nil, "\(bad)") }
    }

    @Test("polling finds new files; of two files with one adapter name the first wins, the second takes over when it goes")
    func pollingAndDuplicates() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = AdapterRegistry(directory: folder.path, logger: Logger(label: "registry-test"))
        let changes = Atomic<Int>(0)
        registry.onChange = { changes.add(1, ordering: .relaxed) }
        let watcher = registry.watcher(mode: .poll)
        let running = Task { try await watcher.run() }
        defer { running.cancel() }

        func until(_ what: String, _ condition: () -> Bool) async throws {
            let deadline = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
            while !condition() {
                guard DispatchTime.now().uptimeNanoseconds < deadline else {
                    Issue.record("timed out waiting until \(what)")
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try HotAdapter.copy(try HotAdapter.build(version: "1.0.0"), to: folder.appendingPathComponent("10-hot.so"))
        try await until("the poll loads 10-hot.so") { registry.adapter(named: "hot")?.file.hasSuffix("10-hot.so") == true }
        #expect(registry.report.watchMode == "poll")
        #expect(changes.load(ordering: .relaxed) >= 1)

        try HotAdapter.copy(try HotAdapter.build(version: "1.1.0"), to: folder.appendingPathComponent("20-hot.so"))
        try await until("20-hot.so is refused as a duplicate") { registry.snapshot.refused.contains { $0.file.hasSuffix("20-hot.so") } }
        #expect(registry.snapshot.refused.first?.reason.hasPrefix("duplicate adapter name hot") == true)
        #expect(registry.adapter(named: "hot")?.version == "1.0.0")

        try FileManager.default.removeItem(at: folder.appendingPathComponent("10-hot.so"))
        try await until("20-hot.so takes over") { registry.adapter(named: "hot")?.file.hasSuffix("20-hot.so") == true }
        #expect(registry.adapter(named: "hot")?.version == "1.1.0")
        #expect(registry.snapshot.refused.isEmpty)
        #expect(registry.report.retired.isEmpty, "nothing uses the removed version: it is idle at once")
    }
}

// MARK: - Support

/// Builds and installs the versioned C fixture.
enum HotAdapter {
    private static let cache = Mutex<[String: String]>([:])
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hot-adapters-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// `versioned.c` built as adapter `hot` with `version`; `variant` gives different bytes for the same version.
    /// With `installName`, the result is a folder entry to hand to `GatewayHarness.start(plugins:)` under that name.
    static func build(version: String, variant: String = "", installName: String? = nil) throws -> String {
        let key = "\(version)-\(variant)"
        let built: String
        if let done = cache.withLock({ $0[key] }) {
            built = done
        } else {
            let output = directory.appendingPathComponent("hot-\(key).so").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["cc", "-std=c11", "-O2", "-Wall", "-Werror", "-shared", "-fPIC",
                                 "-I", RepositoryPaths.root.appendingPathComponent("Sources/PluginAPI/include").path,
                                 "-DADAPTER_NAME=\"hot\"", "-DADAPTER_VERSION=\"\(version)\"", "-DVARIANT=\"\(variant)\"",
                                 "-o", output, RepositoryPaths.fixtures.appendingPathComponent("c-adapter/versioned.c").path]
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "cc failed for versioned.c \(version)")
            cache.withLock { $0[key] = output }
            built = output
        }
        guard let installName else { return built }
        let folder = directory.appendingPathComponent("install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let named = folder.appendingPathComponent(installName)
        try FileManager.default.copyItem(atPath: built, toPath: named.path)
        return named.path
    }

    static func copy(_ file: String, to destination: URL) throws {
        let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).tmp")
        try? FileManager.default.removeItem(at: temporary)
        try FileManager.default.copyItem(atPath: file, toPath: temporary.path)
        guard rename(temporary.path, destination.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Installs `file` as `plugins.d/<name>` the safe way (a copy renamed over the old file, as the install script
    /// does) and waits until `done` holds.
    /// - Returns: milliseconds from the rename to `done`.
    @discardableResult
    static func install(_ file: String, into harness: GatewayHarness, as name: String = "hot.so",
                        until done: @escaping @Sendable () async throws -> Bool) async throws -> Int {
        let destination = harness.pluginsDirectory.appendingPathComponent(name)
        let temporary = harness.pluginsDirectory.appendingPathComponent(".\(name).tmp")
        try? FileManager.default.removeItem(at: temporary)
        try FileManager.default.copyItem(atPath: file, toPath: temporary.path)
        let start = DispatchTime.now()
        guard rename(temporary.path, destination.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        try await harness.waitUntil("\(name) is picked up", done)
        return Int((DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000)
    }

    static func sha256(of file: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", file]
        let out = Pipe()
        process.standardOutput = out
        try? process.run()
        process.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}

extension GatewayHarness {
    var pluginsDirectory: URL { directory.appendingPathComponent("plugins.d") }

    struct Plugins {
        let json: [String: Any]
        var loaded: [String: [String: Any]] {
            Dictionary((json["loaded"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        }
        var retired: [[String: Any]] { json["retired"] as? [[String: Any]] ?? [] }
        var refused: [[String: Any]] { json["refused"] as? [[String: Any]] ?? [] }
    }

    func plugins(token: String) async throws -> Plugins {
        let reply = try await send(.GET, "/admin/plugins", token: token)
        try #require(reply.status == 200, "\(reply.text)")
        return Plugins(json: reply.json ?? [:])
    }

    func loadedVersion(_ name: String, token: String) async throws -> String? {
        try await plugins(token: token).loaded[name]?["version"] as? String
    }

    /// Polls `condition` every 10 ms until it holds; fails the test after 20 s. (A deadline, not a timing assertion.)
    func waitUntil(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + 20_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    /// A provider on adapter `hot` (the mock's OpenAI routes), an endpoint and a key.
    func hotRoute(token: String) async throws -> (path: String, key: String, providerID: Int) {
        let provider = try await send(.POST, "/admin/providers", json: [
            "name": "hot-\(UUID().uuidString.prefix(6))", "adapter": "hot", "base_url": mock.baseURL(for: .openai),
            "api_key": MockCredentials.openAIKey, "models": ["gpt-4o-mini"],
        ], token: token)
        try #require(provider.status == 201, "\(provider.text)")
        let id = try #require(provider.json?["id"] as? Int)
        let path = "/hot-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await createEndpoint(path: path, providerID: id, model: "gpt-4o-mini", token: token)
        return (path, try await createKey(token: token), id)
    }
}

/// A streamed answer read event by event, so a test can act while it is running.
final class OpenStream: @unchecked Sendable {
    // @unchecked: used by one test task at a time.
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = ""
    private(set) var result: SSEStream

    init(_ harness: GatewayHarness, _ path: String, key: String, body: [String: Any]) async throws {
        var request = HTTPClientRequest(url: harness.baseURL + path)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        var body = body
        body["stream"] = true
        request.body = .bytes(try JSONSerialization.data(withJSONObject: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        result = SSEStream(status: Int(response.status.code), contentType: response.headers.first(name: "content-type") ?? "")
        iterator = response.body.makeAsyncIterator()
    }

    /// The next `data:` payload, or nil at the end.
    func next() async throws -> String? {
        while true {
            if let range = pending.range(of: "\n\n") {
                let block = String(pending[..<range.lowerBound])
                pending = String(pending[range.upperBound...])
                for line in block.split(separator: "\n") where line.hasPrefix("data:") {
                    let payload = String(line.dropFirst(line.hasPrefix("data: ") ? 6 : 5))
                    result.events.append(payload)
                    return payload
                }
                continue
            }
            guard let buffer = try await iterator.next() else { return nil }
            let text = String(buffer: buffer)
            result.raw += text
            pending += text
        }
    }

    /// Reads to the end and returns everything received.
    func rest() async throws -> SSEStream {
        while try await next() != nil {}
        return result
    }
}

/// What the clients of `swapsUnderLoad` share.
final class SwapTally: Sendable {
    let running = Atomic<Bool>(true)
    let state = Mutex<(ok: Int, failed: [String], seen: Set<String>)>((0, [], []))
}

enum HotFigures {
    static func record(_ line: String) { print("[figure] hot-loading: \(line)") }
}
