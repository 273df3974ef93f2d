import AdapterHost
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The pooled, streaming HTTP client that talks to providers.
public final class UpstreamClient: Sendable {
    let http: HTTPClient
    let timeouts: GatewayConfiguration.Upstream
    private let templates = Mutex<[String: HTTPClient.Request]>([:])
    /// Largest upstream body the gateway will hold for a non-stream answer or an error.
    static let maximumBodyBytes = 64 * 1024 * 1024

    public init(configuration: GatewayConfiguration.Upstream) {
        var config = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            // The read timeout is the first-byte limit of non-stream answers (a gap before the first byte
            // or between reads); streams have their own first-event and idle deadlines in StreamRelay, which
            // are never longer. It costs nothing per request, unlike a timer task.
            timeout: .init(
                connect: .milliseconds(Int64(configuration.connectTimeoutMs)),
                read: .milliseconds(Int64(max(configuration.firstByteTimeoutMs, configuration.idleTimeoutMs)))),
            decompression: .disabled)
        config.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost)
        // A refused connection fails the request at once (502) instead of being retried until the
        // connect timeout: clients and their SDKs retry faster than a silent 10 s wait.
        config.connectionPool.retryConnectionEstablishment = false
        // No tracer: the default no-op one still opens a span and parses the URL again for its
        // attributes on every request (~8 % of a request's CPU, docs/performance.md).
        config.tracing.tracer = nil
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
        timeouts = configuration
    }

    public func shutdown() async throws { try await http.shutdown() }

    /// Callbacks on the client connection's event loop, and an idle upstream connection of that loop
    /// when there is one (any other otherwise; AsyncHTTPClient then hops). Not `.delegateAndChannel`:
    /// connections bound to a loop are closed as soon as they are idle, so under load nearly every
    /// request opened a new TCP connection (measured: 15 % of CPU in connection set-up, 309 µs per
    /// request against 212 µs before).
    static func eventLoopPreference(_ eventLoop: any EventLoop) -> HTTPClient.EventLoopPreference {
        .delegate(on: eventLoop)
    }

    /// Builds the HTTP request the adapter described, against the provider's base URL, for the proxy's
    /// event-loop path (`UpstreamCompletion`, `StreamRelay`).
    func makeRequest(_ upstream: UpstreamRequest, baseURL: String, stream: Bool) throws(ProxyError) -> HTTPClient.Request {
        var request = try template(method: upstream.method, url: baseURL + upstream.path)
        request.headers = Self.headers(for: upstream, stream: stream)
        request.body = upstream.body.readableBytes > 0 ? .byteBuffer(upstream.body) : nil
        return request
    }

    /// A request for `method` and `url` without headers or body. Parsing the URL (Foundation's `URL` and
    /// AsyncHTTPClient's own split) was ~2.5 % of a request's CPU; endpoints call a handful of URLs, so
    /// the parsed requests are kept (and dropped together if there are ever more than 1,024).
    private func template(method: String, url: String) throws(ProxyError) -> HTTPClient.Request {
        let key = method + " " + url
        if let cached = templates.withLock({ $0[key] }) { return cached }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: HTTPMethod(rawValue: method))
        } catch {
            throw ProxyError(status: .badGateway, type: "upstream_error", code: "upstream_error",
                             message: "The provider's base URL cannot be used (\(error)).")
        }
        templates.withLock { templates in
            if templates.count >= 1024 { templates.removeAll() }
            templates[key] = request
        }
        return request
    }

    /// The same request for async callers (the console's provider test).
    func makeAsyncRequest(_ upstream: UpstreamRequest, baseURL: String, stream: Bool) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + upstream.path)
        request.method = HTTPMethod(rawValue: upstream.method)
        request.headers = Self.headers(for: upstream, stream: stream)
        if upstream.body.readableBytes > 0 {
            request.body = .bytes(upstream.body)
        }
        return request
    }

    /// The adapter's headers, with content type, accept and user agent filled in.
    private static func headers(for upstream: UpstreamRequest, stream: Bool) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for header in upstream.headers {
            headers.add(name: header.name, value: header.value)
        }
        if !headers.contains(name: "content-type"), upstream.body.readableBytes > 0 {
            headers.add(name: "content-type", value: "application/json")
        }
        if !headers.contains(name: "accept") {
            headers.add(name: "accept", value: stream ? "text/event-stream" : "application/json")
        }
        headers.add(name: "user-agent", value: "llm-gateway/1.0")
        return headers
    }

    /// Turns a client-library failure into the error the client of the gateway sees. Messages say what
    /// happened without URLs or headers, which could carry credentials.
    static func classify(_ error: any Error, phase: String) -> ProxyError {
        if let proxyError = error as? ProxyError { return proxyError }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
                return .timeout("Connecting to the provider timed out.")
            case .deadlineExceeded:
                return .timeout("The provider did not finish its answer within the total time limit.")
            case .readTimeout:
                return .timeout("The provider sent nothing for too long (upstream.first_byte_timeout_ms).")
            case .remoteConnectionClosed:
                return .upstream("The provider closed the connection \(phase).")
            default:
                return .upstream("The provider could not be reached (\(clientError.shortDescription)).")
            }
        }
        if error is CancellationError {
            return .upstream("The request to the provider was cancelled.")
        }
        let text = String(describing: error)
        if text.contains("refused") || text.contains("ECONNREFUSED") {
            return .upstream("The provider refused the connection.")
        }
        return .upstream("The provider could not be reached \(phase).")
    }
}

extension HTTPClientError {
    /// A bounded description without variable values, usable in messages and metric labels.
    var shortDescription: String {
        let text = String(describing: self)
        return String(text.prefix(80))
    }
}
