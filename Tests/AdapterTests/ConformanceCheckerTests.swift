import AdapterCheck
import Foundation
import Synchronization
import Testing
import TestSupport

/// The conformance checker (`gateway adapter check`): every shipped adapter and the C example pass it, and each
/// rule it enforces is caught when an adapter breaks it (fault injection in `Tests/Fixtures/c-adapter/flawed.c`).
@Suite("Conformance checker", .serialized)
struct ConformanceCheckerTests {
    static func samples(_ name: String) throws -> SampleSet {
        try SampleSet(directory: RepositoryPaths.fixtures.appendingPathComponent("adapter-samples/\(name)").path)
    }

    static var ollamaSamples: String { RepositoryPaths.root.appendingPathComponent("examples/ollama/samples").path }

    /// In-process runs do not measure the heap (other tests allocate at the same time); the CLI tests below do.
    static func check(_ file: String, samples: SampleSet) -> CheckReport {
        AdapterChecker(file: file, options: CheckOptions(samples: samples, heapTracking: false, threads: 6, iterations: 8, randomSplitRuns: 12)).run()
    }

    static func failures(_ report: CheckReport) -> String {
        report.items.filter { $0.isFailure || ($0.required && $0.outcome == .skip) }.map { "\($0.id): \($0.detail)" }.joined(separator: "\n")
    }

    @Test("every shipped Swift adapter passes", arguments: [
        ("OpenAIAdapter", "openai"), ("DeepSeekAdapter", "deepseek"), ("GLMAdapter", "glm"), ("AnthropicAdapter", "anthropic"),
    ])
    func shippedAdaptersPass(product: String, samples: String) throws {
        let file = RepositoryPaths.adapterLibrary(product).path
        try #require(FileManager.default.fileExists(atPath: file), "build \(product) first")
        let report = Self.check(file, samples: try Self.samples(samples))
        #expect(report.passed, "\(product):\n\(Self.failures(report))")
        #expect(report.adapterName == samples)
        let ids = Set(report.items.map(\.id))
        for expected in ["entry.symbol", "abi.refuses-unknown-major", "abi.accepts-newer-minor", "instance.invalid-config", "request.unicode",
                         "request.tools", "stream.garbage", "concurrency.shared-instance", "secrets.api-key", "error.not-json"] {
            #expect(ids.contains(expected), "\(product): no item \(expected)")
        }
        #expect(ids.contains { $0.hasPrefix("stream.random-splits[") })
        #expect(ids.contains { $0.hasPrefix("stream.truncated[") })
        // The leak item is skipped in-process and says so, without counting against the adapter.
        let lifecycle = try #require(report.items.first { $0.id == "lifecycle.no-leaks" })
        #expect(lifecycle.outcome == .skip && !lifecycle.required)
    }

    @Test("the C example (examples/ollama) passes with its samples folder")
    func cExamplePasses() throws {
        let file = try CExample.build()
        let report = Self.check(file, samples: try SampleSet(directory: Self.ollamaSamples))
        #expect(report.passed, "\(Self.failures(report))")
        #expect(report.adapterName == "ollama")
        #expect(report.items.contains { $0.id == "stream.error[stream-error.ndjson]" && $0.outcome == .pass })
    }

    @Test("each broken rule is reported by the item that checks it", arguments: [
        ("FLAW_IGNORES_MAJOR", "abi.refuses-unknown-major"),
        ("FLAW_ACCEPTS_BAD_OPTIONS", "instance.invalid-config"),
        ("FLAW_SILENT_FAILURE", "instance.invalid-config"),
        ("FLAW_SPLIT_DEPENDENT", "stream.byte-by-byte[stream.ndjson]"),
        ("FLAW_TRUNCATION_OK", "stream.truncated[stream.ndjson]"),
        ("FLAW_TRUNCATION_OK", "stream.garbage"),
        ("FLAW_NO_USAGE", "stream.whole[stream.ndjson]"),
        ("FLAW_NO_USAGE", "response[response.json]"),
        ("FLAW_LOGS_KEY", "secrets.api-key"),
        ("FLAW_SHARED_BUFFER", "concurrency.shared-instance"),
    ])
    func brokenRulesAreCaught(flaw: String, item: String) throws {
        let file = try CExample.build(flaw: flaw)
        let report = Self.check(file, samples: try SampleSet(directory: Self.ollamaSamples))
        #expect(!report.passed, "\(flaw) passed the check")
        let found = try #require(report.items.first { $0.id == item }, "no item \(item)")
        #expect(found.outcome == .fail, "\(flaw): \(item) is \(found.outcome): \(found.detail)")
        #expect(!found.detail.isEmpty, "a failure says why")
    }

    @Test("without samples, answers and streams are reported as not checked, and the check fails")
    func noSamples() throws {
        let report = Self.check(try CExample.build(), samples: SampleSet())
        #expect(!report.passed)
        let skipped = report.items.filter { $0.outcome == .skip && $0.required }.map(\.id)
        #expect(skipped.contains("response.samples") && skipped.contains("stream.samples"), "\(skipped)")
        #expect(report.items.first { $0.id == "request.plain" }?.outcome == .pass)
    }

    @Test("files that are not adapters fail the first items with reasons")
    func notAnAdapter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("notes.so")
        try Data("hello".utf8).write(to: text)
        var report = Self.check(text.path, samples: SampleSet())
        #expect(report.items.first?.id == "file.elf" && report.items.first?.outcome == .fail)
        #expect(report.items.count == 1)
        report = Self.check(try CFixtures.build("no_entry"), samples: SampleSet())
        #expect(report.items.first { $0.id == "entry.symbol" }?.outcome == .fail)
        report = Self.check(try CFixtures.build("wrong_major"), samples: SampleSet())
        let negotiation = try #require(report.items.first { $0.id == "abi.negotiation" })
        #expect(negotiation.outcome == .fail && negotiation.detail.contains("major"), "\(negotiation.detail)")
    }

    @Test("the samples folder: conventions by file name, manifest lists and settings")
    func samplesFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("samples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["response.json", "error-429.json", "error-503-overloaded.html", "stream.sse", "stream-error.sse", "notes.txt"] {
            try Data("x".utf8).write(to: folder.appendingPathComponent(name))
        }
        var set = try SampleSet(directory: folder.path)
        #expect(set.responses.map(\.name) == ["response.json"])
        #expect(set.errors.map(\.status) == [429, 503])
        #expect(set.streams.map(\.name) == ["stream.sse"])
        #expect(set.errorStreams.map(\.name) == ["stream-error.sse"])
        #expect(set.ignored == ["notes.txt"])
        try Data(#"{"model":"m1","config":{"api_key":"k","options":{"a":1}},"errors":[{"file":"notes.txt","status":529,"expect_status":503}]}"#.utf8)
            .write(to: folder.appendingPathComponent("manifest.json"))
        set = try SampleSet(directory: folder.path)
        #expect(set.model == "m1")
        #expect(set.config?.optionsJSON == #"{"a":1}"#)
        #expect(set.errors.count == 1 && set.errors[0].status == 529 && set.errors[0].expectStatus == 503)
        #expect(throws: SampleSet.Problem.self) { try SampleSet(directory: folder.appendingPathComponent("missing").path) }
    }

    // MARK: The command line, in its own process: exit status, --json, the leak measurement, crash reports

    @Test("`gateway adapter check` passes the C example with exit status 0 and measures the heap")
    func commandLinePasses() throws {
        let run = try GatewayCLI.run(["adapter", "check", try CExample.build(), "--samples", Self.ollamaSamples, "--json"])
        #expect(run.status == 0, "\(run.stderr)\n\(run.stdout.prefix(4000))")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["passed"] as? Bool == true)
        let items = try #require(json["items"] as? [[String: Any]])
        let leak = try #require(items.first { $0["id"] as? String == "lifecycle.no-leaks" })
        #expect(leak["outcome"] as? String == "pass" && leak["required"] as? Bool == true, "\(leak)")
        let figures = try #require(json["figures"] as? [String: Any])
        #expect(figures["heap growth"] != nil && figures["stream throughput"] != nil)
        CheckFigures.record("C example, whole check (debug build): \(json["summary"] ?? "")")
    }

    @Test("a leaking adapter fails the leak item and exits with status 1")
    func commandLineCatchesLeaks() throws {
        let run = try GatewayCLI.run(["adapter", "check", try CExample.build(flaw: "FLAW_LEAKS"), "--samples", Self.ollamaSamples])
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stdout.contains("FAIL  lifecycle.no-leaks"), "\(run.stdout)")
        #expect(run.stdout.contains("RESULT: FAIL"))
    }

    @Test("an adapter that crashes the checker is reported with the item it crashed in, exit status 3")
    func commandLineReportsCrashes() throws {
        let run = try GatewayCLI.run(["adapter", "check", try CExample.build(flaw: "FLAW_CRASH_ON_HTML"), "--samples", Self.ollamaSamples, "--json"])
        #expect(run.status == 3, "\(run.status) \(run.stderr)")
        #expect(run.stderr.contains("crashed the checker with SIGSEGV"), "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        #expect(json["passed"] as? Bool == false)
        #expect(json["crashed_during"] as? String == "stream.garbage", "\(json["crashed_during"] ?? "nil")")
    }

    @Test("usage errors exit with status 2")
    func commandLineUsageErrors() throws {
        #expect(try GatewayCLI.run(["adapter", "check", "/nonexistent/x.so"]).status == 2)
        let missing = try GatewayCLI.run(["adapter", "check", try CExample.build(), "--samples", "/nonexistent/samples"])
        #expect(missing.status == 2 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
    }
}

/// Builds the C example (and its fault-injected variants) with `cc`, once per variant and test process.
enum CExample {
    private static let cache = Mutex<[String: String]>([:])

    static func build(flaw: String? = nil) throws -> String {
        let name = flaw.map { "flawed-\($0)" } ?? "ollama"
        if let done = cache.withLock({ $0[name] }) { return done }
        let output = CFixtures.directory.appendingPathComponent("\(name).so").path
        let root = RepositoryPaths.root
        var arguments = ["cc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden", "-D_GNU_SOURCE",
                         "-I", root.appendingPathComponent("Sources/PluginAPI/include").path,
                         "-I", root.appendingPathComponent("examples/ollama").path, "-o", output]
        if let flaw {
            arguments += ["-D\(flaw)", RepositoryPaths.fixtures.appendingPathComponent("c-adapter/flawed.c").path]
        } else {
            arguments += [root.appendingPathComponent("examples/ollama/ollama_adapter.c").path]
        }
        arguments.append(root.appendingPathComponent("examples/ollama/json_lite.c").path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cc failed: \(message)")
        cache.withLock { $0[name] = output }
        return output
    }
}

/// Runs the built `gateway` executable.
enum GatewayCLI {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String]) throws -> Run {
        let binary = RepositoryPaths.buildProducts.appendingPathComponent("gateway")
        try #require(FileManager.default.fileExists(atPath: binary.path), "build the gateway executable first")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read standard error on another thread while standard output is read here, so neither pipe fills up.
        let errors = Collected()
        let handle = err.fileHandleForReading
        Thread {
            errors.data = handle.readDataToEndOfFile()
            errors.done.signal()
        }.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errors.done.wait()
        return Run(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                   stderr: String(decoding: errors.data, as: UTF8.self))
    }

    /// Written by the reader thread before it signals, read after the wait.
    final class Collected: @unchecked Sendable {
        var data = Data()
        let done = DispatchSemaphore(value: 0)
    }
}

/// Figures measured by tests, printed once so a run shows them.
enum CheckFigures {
    static func record(_ line: String) {
        print("[figure] \(line)")
    }
}
