import Foundation
import Hummingbird
import NIOCore

/// A real HTTP server on loopback that plays OpenAI, DeepSeek and Zhipu GLM.
///
/// ```swift
/// let mock = try await MockProvider.start()
/// let url = mock.baseURL(for: .openai) + "/chat/completions"
/// // ... send requests with MockCredentials.openAIKey ...
/// #expect(mock.requests().last?.completed == true)
/// await mock.stop()
/// ```
///
/// ## Routes
/// - OpenAI: `POST /openai/v1/chat/completions`, `GET /openai/v1/models`.
/// - DeepSeek: `POST /deepseek/chat/completions` and `/deepseek/v1/chat/completions`, `GET /deepseek/models`.
/// - GLM: `POST /glm/api/paas/v4/chat/completions`.
/// - `GET /_mock/health`; `GET /_mock/requests` (the recorded requests as JSON: `flavor`, `method`, `path`,
///   `headers`, `body` as parsed JSON, `reported_usage`, `completed`, `client_disconnected`);
///   `DELETE /_mock/requests`.
///
/// Every provider route checks `Authorization: Bearer` against ``MockCredentials`` (GLM also takes a valid,
/// unexpired HS256 JWT) and answers a wrong key with the provider's 401.
///
/// ## Answers
/// The text is `Hello from mock <flavor>! You said: <echo>`, where the echo is the first 40 Unicode scalars of
/// the last user message with its directives removed. It is cut into word-sized pieces (the whitespace before a
/// word plus the word); each piece is one stream chunk and one completion token, and the pieces concatenate to
/// the exact text. `prompt_tokens` is ceil(UTF-8 bytes of all message contents / 4), at least 1. Reasoning, when
/// on, is "Thinking about it." (3 tokens, counted inside `completion_tokens`): DeepSeek for models named
/// `*reasoner*` or `thinking:{"type":"enabled"}`, GLM for `thinking:{"type":"enabled"}`, any flavor with the
/// `reasoning` directive (OpenAI only counts reasoning tokens, it streams no reasoning text). Non-stream answers
/// carry the same text and usage. The usage put on the wire is recorded as ``MockRecordedRequest/reportedUsage``.
///
/// ## Directives
/// Written anywhere in the last user message as `[mock key=value flag ...]`; several brackets may appear.
/// - `chunks=N`: the answer is `w1 w2 ... wN` (N ≤ 100,000).
/// - `interval_ms=N`: pause between stream events. `first_byte_ms=N`: pause before the status line.
///   `headers_then_wait_ms=N`: send 200 and headers at once, then pause before the first event.
/// - `keepalive=N` (`keepalive_ms=M` apart): N `: keep-alive` comments before the first event of a stream, or
///   N blank lines before a non-stream body, as DeepSeek does while a request is queued.
/// - `drop_after=N`: stream: close the connection after N token chunks (reasoning, text or tool-call chunks),
///   before the closing chunks if N is larger; no `[DONE]`. Non-stream: headers and half the body, then close.
/// - `stream_error_after=N`: after N token chunks, `data: {"error":...}` in the provider's shape, then the end
///   of the body (no `[DONE]`).
/// - `error=STATUS`: the provider's error body for that status (OpenAI 400/401/404/429/500/503, `quota` flag for
///   `insufficient_quota`; DeepSeek 400/401/402/422/429/500/503). GLM: `glm_code=CODE` chooses the business code,
///   sent with its usual status (1000–1004 → 401; 1113, 1302–1310 → 429; 1261, 1301 and others → 400) unless
///   `error=` gives one.
/// - `tools`: a call to the request's first function with `{"<first required property>":"Lisbon"}`; OpenAI and
///   DeepSeek stream the call head then 4-character argument fragments, GLM sends the whole call in one delta.
/// - `reasoning` (or `reasoning=off`), `cached=N` (cached prompt tokens, at most the prompt), `no_usage`,
///   `finish=REASON` (the provider-native finish reason), `garbage` (a 200 whose body is neither JSON nor SSE).
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
            server: .http1(configuration: .init(additionalChannelHandlers: [CloseOnInputClosedHandler(), DirectBodyWriter.Installer()])),
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
