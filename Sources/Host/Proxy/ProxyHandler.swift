import AdapterHost
import AsyncHTTPClient
import Foundation
import HTTPTypes
import JSONCore
import Logging
import NIOCore
import Synchronization

/// What every proxy request shares: the routing snapshot, the upstream client, limits, statistics,
/// the cache. Proxy routes are served on the client connection's event loop (`ProxyChannelHandler`,
/// `ProxyExchange`): no task, no hop to another thread, and the database is never touched.
public struct ProxyHandler: Sendable {
    let snapshots: SnapshotStore
    let upstream: UpstreamClient
    let limits: GatewayConfiguration.Limits
    let stats: StatsRecorder
    /// The response cache; nil when `cache.max_bytes` is 0.
    let cache: ResponseCache?
    let cors: CORSPolicy
    let logger: Logger

    /// Finds the client key and checks that it may call `endpoint` now: enabled, not expired, its
    /// owner's account enabled, the endpoint within its scope. Reads only the snapshot; the key is
    /// hashed at once and never logged.
    /// - Parameter digest: the SHA-256 of a key and its hex (`KeyDigestMemo` remembers the last one of a
    ///   connection, since clients send the same key on every request of a keep-alive connection).
    func authenticate(_ headers: HTTPFields, endpoint: ResolvedEndpoint, snapshot: RoutingSnapshot,
                      digest: (Substring) -> (bytes: [UInt8], hex: String)) throws(ProxyError) -> ClientKeyEntry {
        guard let header = headers[.authorization] else { throw .missingKey }
        let token: Substring
        if header.count > 7, header.prefix(7).lowercased() == "bearer " {
            token = header.dropFirst(7).drop(while: { $0 == " " })
        } else {
            throw .missingKey
        }
        guard !token.isEmpty, token.utf8.count <= 256 else { throw .invalidKey }
        let (digest, hex) = digest(token)
        // The dictionary compares digests of what the client sent, so its timing tells nothing about
        // stored keys; the constant-time comparison then confirms the match byte for byte.
        guard let entry = snapshot.keysByHash[hex], ClientKey.constantTimeEquals(entry.digest, digest) else {
            throw .invalidKey
        }
        guard entry.enabled else { throw .disabledKey }
        guard entry.ownerEnabled else { throw .keyOwnerDisabled }
        if let expiresAt = entry.expiresAt, Int64(Date().timeIntervalSince1970) >= expiresAt { throw .expiredKey }
        guard entry.allows(endpoint: endpoint.id) else { throw .keyNotAllowed(endpoint.path) }
        return entry
    }

    /// `GET P/models`: the endpoint's model, and the provider's others when the endpoint lets clients choose.
    static func modelsResponse(_ endpoint: ResolvedEndpoint) -> ProxyResponse {
        var ids = [endpoint.record.model]
        if endpoint.record.allowModelOverride {
            ids += endpoint.provider.models.filter { $0 != endpoint.record.model }
        }
        let created = Int(endpoint.record.createdAt.timeIntervalSince1970)
        let data = ids.map { id in
            JSONValue.object([
                "id": .string(id), "object": .string("model"), "created": .number(String(created)),
                "owned_by": .string(endpoint.provider.name),
            ])
        }
        let body = JSONValue.object(["object": .string("list"), "data": .array(data)])
        return .json(status: .ok, body: body.byteBuffer)
    }

    /// A cached answer as JSON, or replayed as an SSE stream for streaming clients.
    static func cachedResponse(_ entry: ResponseCache.Entry, stream: Bool, includeUsage: Bool) throws(ProxyError) -> ProxyResponse {
        guard stream else { return .json(status: .ok, body: entry.body) }
        guard let events = CompletionReplayer.sse(from: entry.body, includeUsage: includeUsage) else {
            throw ProxyError.internal("A cached answer could not be replayed.")
        }
        return ProxyResponse(head: StreamRelay.responseHead, body: events)
    }

    /// Maps an adapter's refusal of a request onto the client-facing error.
    static func adapterError(_ error: AdapterCallError, adapter: String) -> ProxyError {
        switch error.status {
        case 1, 2:  // GW_ERR_INVALID_REQUEST, GW_ERR_UNSUPPORTED
            return ProxyError(status: .badRequest, type: "invalid_request_error", code: "unsupported_by_provider", message: error.message)
        default:
            return .internal("The '\(adapter)' adapter failed to translate the request: \(error.message)")
        }
    }

    /// Answers for unknown paths outside the gateway's own space (most likely a mistyped endpoint).
    static func errorResponse(_ error: ProxyError, requestID: String) -> ProxyResponse {
        var response = ProxyResponse.error(error)
        response.head.headerFields[.requestID] = requestID
        return response
    }
}

/// A complete answer of a proxy route: head and whole body.
struct ProxyResponse: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer

    static func json(status: HTTPResponse.Status, body: ByteBuffer) -> ProxyResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(body.readableBytes)
        return ProxyResponse(head: HTTPResponse(status: status, headerFields: headers), body: body)
    }

    static func error(_ error: ProxyError) -> ProxyResponse {
        var response = json(status: error.status, body: error.body)
        if error.noRetry { response.head.headerFields[.shouldRetry] = "false" }
        return response
    }

    static func adapterError(_ error: AdapterErrorOutput) -> ProxyResponse {
        let status = (400...599).contains(error.status) ? error.status : 502
        var response = json(status: HTTPResponse.Status(code: status), body: error.body)
        if error.noRetry { response.head.headerFields[.shouldRetry] = "false" }
        return response
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("x-request-id")!
    static let shouldRetry = HTTPField.Name("x-should-retry")!
}

/// Request ids: `req_` and 16 hex digits, returned to the client and logged. Unique within a process
/// (a counter through a bijective mix) and unpredictable across processes (a random start): a
/// system random number per request cost a `getrandom` system call each.
enum RequestID {
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    static func make() -> String {
        var value = mix(counter.add(1, ordering: .relaxed).newValue)
        return String(unsafeUninitializedCapacity: 20) { buffer in
            let digits: StaticString = "0123456789abcdef"
            buffer[0] = UInt8(ascii: "r"); buffer[1] = UInt8(ascii: "e"); buffer[2] = UInt8(ascii: "q"); buffer[3] = UInt8(ascii: "_")
            for index in 4..<20 {
                buffer[index] = digits.utf8Start[Int(value & 0xF)]
                value >>= 4
            }
            return 20
        }
    }

    /// SplitMix64's finaliser: a bijection, so distinct counters give distinct ids.
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The last client key seen on one connection, hashed. Only ever compared with later keys of the same
/// connection, so an ordinary string comparison tells a client nothing it did not send itself.
struct KeyDigestMemo {
    private var token: Substring?
    private var digest: (bytes: [UInt8], hex: String) = ([], "")

    mutating func digest(of token: Substring) -> (bytes: [UInt8], hex: String) {
        if token != self.token {
            let bytes = ClientKey.digest(of: token)
            self.token = token
            digest = (bytes, ClientKey.hex(bytes))
        }
        return digest
    }
}
