import Foundation
import Synchronization
import Testing
import TestSupport

/// Compiles the C adapter fixtures in `Tests/Fixtures/c-adapter` with `cc` into a temporary folder, once per
/// test process and variant.
enum CFixtures {
    private static let cache = Mutex<[String: String]>([:])
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// The path of `<source>.c` built as `<output>.so` with the given `-D` defines.
    static func build(_ source: String, defines: [String] = [], output: String? = nil, into folder: URL? = nil) throws -> String {
        let name = output ?? ([source] + defines).joined(separator: "-")
        let target = (folder ?? directory).appendingPathComponent("\(name).so").path
        if let done = cache.withLock({ $0[target] }) { return done }
        // Tests run in parallel and may build the same fixture at once: each compiles to its own file and
        // renames it into place (atomic), so nobody loads a file that another compiler is still writing.
        let scratch = target + ".\(UInt64.random(in: 0...UInt64.max)).tmp"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-std=c11", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
                             "-I", RepositoryPaths.root.appendingPathComponent("Sources/PluginAPI/include").path]
            + defines.map { "-D\($0)" }
            + ["-o", scratch, RepositoryPaths.fixtures.appendingPathComponent("c-adapter/\(source).c").path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cc failed for \(source).c: \(message)")
        try #require(rename(scratch, target) == 0, "cannot move \(scratch) into place: errno \(errno)")
        cache.withLock { $0[target] = target }
        return target
    }
}
