import AdapterCheck
import AdapterCheckSupport
import ArgumentParser
import Foundation

/// `gateway adapter ...`: tools for adapter authors and admins.
struct AdapterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Work with provider adapter files (.so).",
        subcommands: [Check.self])

    /// `gateway adapter check PATH.so [--samples DIR] [--json]`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an adapter against the gateway's ABI before shipping or installing it.",
            discussion: """
                Loads the file in isolation (a private copy; nothing else is loaded) and checks, item by item: the \
                entry symbol and ABI negotiation, the descriptor, instance creation with valid and invalid \
                configuration, request translation of representative requests, answers, errors and streams from the \
                samples (fed whole, byte by byte and in random splits), truncated and garbage upstream input, usage, \
                secrets, leaks and concurrent use of one instance. docs/plugins.md describes every item and the \
                samples folder.

                Exit status: 0 when every required item passed, 1 when one did not, 2 when the arguments or the \
                samples cannot be used, 3 when the adapter crashed the checker.
                """)

        @Argument(help: "The adapter shared library to check.")
        var path: String

        @Option(help: "Folder of sample upstream bodies (response.json, error-429.json, stream.sse, manifest.json, ...). Default: PATH without .so plus '.samples' when that folder exists.")
        var samples: String?

        @Flag(help: "Write the report as JSON on standard output.")
        var json = false

        @Option(help: "Seed of the random splits and garbage input, to replay a failure.")
        var seed: UInt64 = 0x5EED

        @Option(help: "Threads sharing one instance in the concurrency item.")
        var threads = 8

        @Flag(help: "Skip the heap-growth (leak) measurement.")
        var noLeakCheck = false

        func run() throws {
            guard FileManager.default.fileExists(atPath: path) else {
                FileHandle.standardError.write(Data("gateway adapter check: \(path): no such file\n".utf8))
                throw ExitCode(2)
            }
            var folder = samples
            if folder == nil {
                let sibling = (path.hasSuffix(".so") ? String(path.dropLast(3)) : path) + ".samples"
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: sibling, isDirectory: &isDirectory), isDirectory.boolValue { folder = sibling }
            }
            let sampleSet: SampleSet
            do {
                sampleSet = try folder.map { try SampleSet(directory: $0) } ?? SampleSet()
            } catch {
                FileHandle.standardError.write(Data("gateway adapter check: \(error)\n".utf8))
                throw ExitCode(2)
            }

            var options = CheckOptions(samples: sampleSet, heapTracking: !noLeakCheck, threads: max(2, threads), seed: seed)
            let jsonOutput = json
            options.willStart = { id, title, report in
                // What standard output shows if the adapter crashes during this item.
                var crashed = report
                crashed.crashedItem = id
                crashed.items.append(CheckItem(id: id, title: title, required: true, outcome: .fail,
                                               detail: "the adapter crashed the checker during this item (see standard error)", milliseconds: 0))
                let text = jsonOutput ? String(decoding: crashed.json(), as: UTF8.self)
                    : CheckReport.line(crashed.items[crashed.items.count - 1]) + "\n" + crashed.summary() + "\n"
                acs_set_crash_report(text, id)
            }
            if !jsonOutput {
                print("gateway adapter check \(path)")
                print(folder.map { "samples: \($0)" + (sampleSet.ignored.isEmpty ? "" : " (ignored: \(sampleSet.ignored.joined(separator: ", ")))") }
                    ?? "samples: none (answers and streams cannot be checked; see --samples)")
                options.didFinish = { item in
                    print(CheckReport.line(item))
                    fflush(nil)  // a crash later must not swallow the lines already printed (nil: every stream)
                }
            }
            acs_install_crash_handler(3)
            let report = AdapterChecker(file: path, options: options).run()
            acs_set_crash_report(nil, nil)
            if jsonOutput {
                FileHandle.standardOutput.write(Data(report.json()))
            } else {
                print(report.summary())
            }
            if !report.passed { throw ExitCode(1) }
        }
    }
}
