import Foundation
import Hummingbird
import NIOCore

/// A real HTTP server on loopback that plays OpenAI, DeepSeek and Zhipu GLM.
///
/// Each provider lives under its own path prefix (see ``baseURL(for:)``). Answers are deterministic and follow
/// the providers' wire formats; `[mock ...]` directives in the last user message change the behaviour (delays,
/// drops, errors, tool calls...). Every request to a provider route is recorded.
///
/// ```swift
/// let mock = try await MockProvider.start()
/// defer { Task { await mock.stop() } }
/// let url = mock.baseURL(for: .openai) + "/chat/completions"
/// ```
public final class MockProvider: Sendable {
    /// The port the server listens on.
    public let port: Int
    /// The host it listens on.
    public let host: String

    private let log: RequestLog
    private let server: Task<Void, Never>

    private init(host: String, port: Int, log: RequestLog, server: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.log = log
        self.server = server
    }

    /// Starts a server.
    /// - Parameters:
    ///   - host: address to bind.
    ///   - port: port to bind; 0 picks a free one.
    /// - Returns: once the server is listening.
    /// - Throws: when it cannot bind.
    public static func start(host: String = "127.0.0.1", port: Int = 0) async throws -> MockProvider {
        let log = RequestLog()
        let (events, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        var app = Application(
            router: buildRouter(log: log),
            server: .http1(configuration: .init(additionalChannelHandlers: [CloseOnInputClosedHandler()])),
            configuration: .init(address: .hostname(host, port: port), serverName: nil, backlog: 4096),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? port))
            }
        )
        // Quiet unless asked otherwise: stopping a server with open connections logs cancellations as errors,
        // which would clutter every test's output. `LOG_LEVEL` works as for any Hummingbird app.
        if ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil {
            app.logger.logLevel = .critical
        }
        let server = Task {
            do {
                try await app.run()
                continuation.yield(.failure(MockProviderError.stoppedBeforeListening))
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        for await event in events {
            return MockProvider(host: host, port: try event.get(), log: log, server: server)
        }
        throw MockProviderError.stoppedBeforeListening
    }

    /// The base URL a client of `flavor` would be configured with, e.g. `http://127.0.0.1:<port>/openai/v1`.
    public func baseURL(for flavor: MockFlavor) -> String {
        "http://\(host):\(port)\(flavor.basePath)"
    }

    /// The recorded requests in arrival order. An entry changes while its answer is written.
    public func requests() -> [MockRecordedRequest] {
        log.all()
    }

    /// Forgets the recorded requests.
    public func reset() {
        log.reset()
    }

    /// Stops the server: open connections are closed, running streams end where they are.
    public func stop() async {
        server.cancel()
        await server.value
    }
}

/// Why ``MockProvider/start(host:port:)`` failed without a more specific error.
public struct MockProviderError: Error, CustomStringConvertible {
    private enum Code {
        case stoppedBeforeListening
    }

    private let code: Code

    /// The server stopped before it was listening.
    public static let stoppedBeforeListening = MockProviderError(code: .stoppedBeforeListening)

    public var description: String {
        switch code {
        case .stoppedBeforeListening: "the mock provider stopped before it was listening"
        }
    }
}
