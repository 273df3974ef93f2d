import AdapterHost
import Foundation
import Testing
import TestSupport

@Suite struct AdapterDirectoryTests {
    /// A directory with the three Swift adapters, the C pass-through, and every kind of broken file.
    @Test func scanLoadsTheGoodAndRefusesTheBad() throws {
        let dir = CFixtures.directory.appendingPathComponent("plugins.d-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for product in ["OpenAIAdapter", "DeepSeekAdapter", "GLMAdapter"] {
            let source = RepositoryPaths.adapterLibrary(product)
            try #require(FileManager.default.fileExists(atPath: source.path), "build \(product) first")
            try FileManager.default.copyItem(at: source, to: dir.appendingPathComponent("lib\(product).so"))
        }
        // Later in name order than libOpenAIAdapter.so, with the same adapter name: refused as a duplicate.
        try FileManager.default.copyItem(at: RepositoryPaths.adapterLibrary("OpenAIAdapter"), to: dir.appendingPathComponent("openai-copy.so"))
        _ = try CFixtures.build("passthrough", output: "c-passthrough", into: dir)
        _ = try CFixtures.build("wrong_major", output: "wrong_major", into: dir)
        _ = try CFixtures.build("no_entry", output: "no_entry", into: dir)
        _ = try CFixtures.build("bad_descriptor", output: "bad_descriptor", into: dir)
        _ = try CFixtures.build("bad_descriptor", defines: ["BAD_MAJOR"], output: "bad_major", into: dir)
        _ = try CFixtures.build("bad_descriptor", defines: ["MISSING_CALLBACK"], output: "missing_callback", into: dir)
        _ = try CFixtures.build("bad_descriptor", defines: ["BAD_NAME"], output: "bad_name", into: dir)
        _ = try CFixtures.build("bad_descriptor", defines: ["BAD_UTF8_VERSION"], output: "bad_version", into: dir)
        var g = SplitMix64(seed: 42)
        try Data((0..<8192).map { _ in UInt8(truncatingIfNeeded: g.next()) }).write(to: dir.appendingPathComponent("corrupt.so"))
        try Data().write(to: dir.appendingPathComponent("empty.so"))
        try Data("not a library".utf8).write(to: dir.appendingPathComponent("README.txt"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.so"), withIntermediateDirectories: true)

        let log = LogSink()
        let result = AdapterDirectory.scan(dir.path, log: log.closure)
        #expect(result.loaded.map(\.name).sorted() == ["c-passthrough", "deepseek", "glm", "openai"])
        let reasons = Dictionary(uniqueKeysWithValues: result.refused.map { (URL(fileURLWithPath: $0.file).lastPathComponent, $0.reason) })
        #expect(reasons["wrong_major.so"] == "adapter does not support host ABI major 1 (entry returned NULL)")
        #expect(reasons["no_entry.so"] == "no symbol gateway_plugin_entry")
        #expect(reasons["bad_descriptor.so"] == "descriptor struct_size 64 is smaller than the ABI 1.0 size 120")
        #expect(reasons["bad_major.so"] == "descriptor abi_version 2.0 has major 2, host speaks 1")
        #expect(reasons["missing_callback.so"] == "missing callback translate_error")
        #expect(reasons["bad_name.so"]?.hasPrefix("invalid adapter name") == true)
        #expect(reasons["bad_version.so"]?.hasPrefix("invalid adapter version") == true)
        // Checked before dlopen: files that are not complete ELF shared libraries are never mapped.
        #expect(reasons["corrupt.so"]?.hasPrefix("not an ELF file") == true)
        #expect(reasons["empty.so"] == "the file is empty")
        #expect(reasons["openai-copy.so"] == "duplicate adapter name openai (already loaded from \(dir.path)/libOpenAIAdapter.so)")
        #expect(reasons.count == 10)
        #expect(log.lines.withLock { lines in lines.filter { $0.0 == .error }.count } == 10)

        // Loaded adapters work.
        let glm = try #require(result.loaded.first { $0.name == "glm" })
        let up = try glm.makeInstance(baseURL: "", apiKey: "k", optionsJSON: "{}").translateRequest(request(#"{"model":"glm-4.6","messages":[]}"#))
        #expect(up.path == "/chat/completions")
    }

    @Test func missingDirectoryLoadsNothing() {
        let log = LogSink()
        let result = AdapterDirectory.scan("/nonexistent/plugins.d", log: log.closure)
        #expect(result.loaded.isEmpty && result.refused.isEmpty)
        #expect(log.contains("cannot read the adapter directory"))
    }

    @Test func loadErrorsNameTheFile() throws {
        let path = try CFixtures.build("no_entry")
        do throws(AdapterLoadError) {
            _ = try LoadedAdapter.load(path: path, log: { _, _ in })
            Issue.record("loaded")
        } catch {
            #expect(error.file.hasSuffix("no_entry.so"))
            #expect(error.description.contains("no symbol gateway_plugin_entry"))
        }
    }
}
