import ArgumentParser
import Foundation
import MockProvider

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the mock upstream provider until SIGTERM or SIGINT.
@main
struct MockProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-provider",
        abstract: "A loopback HTTP server that plays OpenAI, DeepSeek and Zhipu GLM for tests and benchmarks."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one.")
    var port = 0

    func run() async throws {
        raiseOpenFileLimit()
        let signals = SignalWaiter(signals: [SIGTERM, SIGINT])
        let mock = try await MockProvider.start(host: host, port: port)
        // Written straight to the file descriptor, unbuffered: a parent process waits for this line.
        FileHandle.standardOutput.write(Data("mock-provider listening on \(mock.host):\(mock.port)\n".utf8))
        await signals.wait()
        await mock.stop()
    }
}

/// Lifts the soft limit on open files to the hard limit: a benchmark holds a thousand connections open at once.
private func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// Resumes once one of the signals arrives. The signals are ignored by default handling from creation on, so the
/// process is not killed before it can stop the server.
private final class SignalWaiter {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Void>

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        self.stream = stream
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
    }

    func wait() async {
        for await _ in stream { return }
    }
}
