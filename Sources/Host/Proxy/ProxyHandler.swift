import AdapterHost
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import JSONCore
import NIOCore

/// Serves the proxy routes of every endpoint: `POST P`, `POST P/chat/completions` and `GET P/models`.
/// Reads only the in-memory snapshot; the database is never touched here.
public struct ProxyHandler: Sendable {
    let snapshots: SnapshotStore
    let upstream: UpstreamClient
    let limits: GatewayConfiguration.Limits
    let stats: StatsRecorder
    /// The response cache; nil when `cache.max_bytes` is 0.
    let cache: ResponseCache?
    let logger: Logger

    /// Answers `request` when its path belongs to an endpoint; returns nil otherwise.
    func respond(to request: Request, path: String, snapshot: RoutingSnapshot) async -> Response? {
        guard let (endpoint, kind) = snapshot.route(for: path) else { return nil }
        var accounting = RequestAccounting(requestID: RequestID.make())
        accounting.endpoint = endpoint
        let requestID = accounting.requestID
        // Every chat request ends in exactly one ledger row: here for errors, in `chat` or the stream relay otherwise.
        if kind == .chat { stats.live.requestStarted() }
        do {
            let key = try authenticate(request, endpoint: endpoint, snapshot: snapshot)
            accounting.key = key
            guard endpoint.record.enabled else { throw ProxyError.endpointDisabled }
            var response: Response
            switch kind {
            case .models:
                guard request.method == .get else { throw ProxyError.methodNotAllowed("GET") }
                response = modelsResponse(endpoint)
            case .chat:
                guard request.method == .post else { throw ProxyError.methodNotAllowed("POST") }
                response = try await chat(request, endpoint: endpoint, accounting: &accounting)
            }
            response.headers[.requestID] = requestID
            return response
        } catch let error as ProxyError {
            if kind == .chat { stats.finish(accounting, status: Int(error.status.code), errorClass: error.code) }
            return Self.errorResponse(error, requestID: requestID)
        } catch {
            logger.error("proxy failure", metadata: ["request_id": "\(requestID)", "error": "\(error)"])
            if kind == .chat { stats.finish(accounting, status: 500, errorClass: "internal_error") }
            return Self.errorResponse(.internal("The gateway failed to handle this request."), requestID: requestID)
        }
    }

    /// Finds the client key and checks that it may call `endpoint` now: enabled, not expired, its
    /// owner's account enabled, the endpoint within its scope. Reads only the snapshot; the key is
    /// hashed at once and never logged.
    private func authenticate(_ request: Request, endpoint: ResolvedEndpoint, snapshot: RoutingSnapshot) throws(ProxyError) -> ClientKeyEntry {
        guard let header = request.headers[.authorization] else { throw .missingKey }
        let token: Substring
        if header.count > 7, header.prefix(7).lowercased() == "bearer " {
            token = header.dropFirst(7).drop(while: { $0 == " " })
        } else {
            throw .missingKey
        }
        guard !token.isEmpty, token.utf8.count <= 256 else { throw .invalidKey }
        let digest = ClientKey.digest(of: token)
        // The dictionary compares digests of what the client sent, so its timing tells nothing about
        // stored keys; the constant-time comparison then confirms the match byte for byte.
        guard let entry = snapshot.keysByHash[ClientKey.hex(digest)], ClientKey.constantTimeEquals(entry.digest, digest) else {
            throw .invalidKey
        }
        guard entry.enabled else { throw .disabledKey }
        guard entry.ownerEnabled else { throw .keyOwnerDisabled }
        if let expiresAt = entry.expiresAt, Int64(Date().timeIntervalSince1970) >= expiresAt { throw .expiredKey }
        guard entry.allows(endpoint: endpoint.id) else { throw .keyNotAllowed(endpoint.path) }
        return entry
    }

    private func modelsResponse(_ endpoint: ResolvedEndpoint) -> Response {
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
        return Self.jsonResponse(status: .ok, body: body.byteBuffer)
    }

    /// Serves one chat request. Non-stream answers are recorded here; a stream is recorded by its relay
    /// when it ends.
    private func chat(_ request: Request, endpoint: ResolvedEndpoint, accounting: inout RequestAccounting) async throws -> Response {
        let provider = endpoint.provider
        switch provider.status {
        case .ready: break
        case .disabled: throw ProxyError.providerDisabled(provider.name)
        case .adapterMissing: throw ProxyError.adapterUnavailable(provider.record.adapter)
        case .configError: throw ProxyError.providerMisconfigured(provider.name)
        }
        guard let instance = provider.instance else { throw ProxyError.adapterUnavailable(provider.record.adapter) }
        let lease = instance.adapter.beginUse()  // in-use count of this adapter version until the answer is complete

        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limits.maxBodyBytes)
        } catch {
            throw ProxyError.tooLarge(limit: limits.maxBodyBytes)
        }
        let prepared = try ChatRequestPreparer.prepare(body: body, endpoint: endpoint, requestID: accounting.requestID)
        accounting.modelRequested = prepared.unified.model
        accounting.stream = prepared.unified.stream
        accounting.requestBody = prepared.unified.body
        var fill: CacheFill?
        if let cached = try await lookUpCache(prepared, endpoint: endpoint, fill: &fill) {
            accounting.cacheHit = true
            accounting.modelAnswered = cached.model
            let response = try Self.cachedResponse(cached, stream: prepared.unified.stream, includeUsage: prepared.unified.includeUsage)
            stats.finish(accounting, status: 200, errorClass: nil)
            return response
        }
        let upstreamRequest: UpstreamRequest
        do {
            upstreamRequest = try instance.translateRequest(prepared.unified)
        } catch {
            throw Self.adapterError(error, adapter: provider.record.adapter)
        }
        let httpRequest = upstream.makeRequest(upstreamRequest, baseURL: provider.record.baseURL, stream: prepared.unified.stream)
        if prepared.unified.stream {
            return try await StreamRelay(upstream: upstream, instance: instance, request: prepared.unified, stats: stats, logger: logger,
                                         lease: lease, cacheFill: fill)
                .start(httpRequest, accounting: &accounting)
        }
        defer { lease.end() }
        let (response, errorClass) = try await completion(httpRequest, instance: instance, unified: prepared.unified, accounting: &accounting)
        if errorClass == nil, let fill, let answer = accounting.answerForCache {
            fill.complete(with: ResponseCache.Entry(body: answer, usage: accounting.usage, model: accounting.modelAnswered))
        }
        stats.finish(accounting, status: Int(response.status.code), errorClass: errorClass)
        return response
    }

    /// Consults the response cache when the endpoint enables it and the request is cacheable. Returns a
    /// cached answer, or nil with `fill` set when this request must fetch the answer for the others.
    private func lookUpCache(_ prepared: ChatRequestPreparer.Prepared, endpoint: ResolvedEndpoint, fill: inout CacheFill?) async throws -> ResponseCache.Entry? {
        let ttl = endpoint.record.cacheTTL
        guard ttl > 0, let cache, endpoint.record.cacheNondeterministic || CacheKey.isDeterministic(prepared.object) else { return nil }
        let key = CacheKey.make(endpointID: endpoint.id, model: prepared.unified.model, request: prepared.object)
        switch await cache.claim(key) {
        case .hit(let entry):
            stats.metrics.cacheLookup(hit: true, endpoint: endpoint.path)
            return entry
        case .fetch:
            stats.metrics.cacheLookup(hit: false, endpoint: endpoint.path)
            fill = CacheFill(cache: cache, key: key, ttlSeconds: ttl)
            return nil
        }
    }

    /// A cached answer as JSON, or replayed as an SSE stream for streaming clients.
    static func cachedResponse(_ entry: ResponseCache.Entry, stream: Bool, includeUsage: Bool) throws -> Response {
        guard stream else { return jsonResponse(status: .ok, body: entry.body) }
        guard let events = CompletionReplayer.sse(from: entry.body, includeUsage: includeUsage) else {
            throw ProxyError.internal("A cached answer could not be replayed.")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: events))
    }

    /// A non-stream answer: wait for the whole upstream body, then translate it.
    /// - Returns: the response and, when it is an error, its class for the ledger.
    private func completion(
        _ httpRequest: HTTPClientRequest, instance: AdapterInstance, unified: UnifiedRequest, accounting: inout RequestAccounting
    ) async throws -> (Response, String?) {
        let timeouts = upstream.timeouts
        let client = upstream.http
        let (status, contentType, body): (Int, String, ByteBuffer)
        accounting.upstreamBegins()
        do {
            // The first-byte limit is the client's read timeout (see UpstreamClient).
            let head = try await client.execute(httpRequest, deadline: .now() + .milliseconds(Int64(timeouts.totalTimeoutMs)))
            status = Int(head.status.code)
            contentType = head.headers.first(name: "content-type") ?? ""
            accounting.upstreamAccepted = (200..<300).contains(status)
            body = try await head.body.collect(upTo: UpstreamClient.maximumBodyBytes)
            accounting.upstreamCompletes()
        } catch {
            accounting.upstreamCompletes()
            throw UpstreamClient.classify(error, phase: "before the answer was complete")
        }

        guard (200..<300).contains(status) else {
            let translated = instance.translateError(unified, status: status, contentType: contentType, body: body)
            return (Self.adapterErrorResponse(translated), "provider_\(translated.status)")
        }
        let translated: TranslatedResponse
        do {
            translated = try instance.translateResponse(unified, status: status, contentType: contentType, body: body)
        } catch {
            throw ProxyError.upstream("The provider's answer could not be read: \(error.message)")
        }
        accounting.usage = translated.usage
        accounting.modelAnswered = translated.model
        if let error = translated.error { return (Self.adapterErrorResponse(error), "provider_\(error.status)") }
        guard let answer = translated.body else {
            throw ProxyError.upstream("The provider's answer could not be read: the adapter produced no response.")
        }
        accounting.responseBody = answer
        return (Self.jsonResponse(status: .ok, body: answer), nil)
    }

    // MARK: Responses

    static func jsonResponse(status: HTTPResponse.Status, body: ByteBuffer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    static func errorResponse(_ error: ProxyError, requestID: String) -> Response {
        var response = jsonResponse(status: error.status, body: error.body)
        response.headers[.requestID] = requestID
        if error.noRetry { response.headers[.shouldRetry] = "false" }
        return response
    }

    static func adapterErrorResponse(_ error: AdapterErrorOutput) -> Response {
        let status = (400...599).contains(error.status) ? error.status : 502
        var response = jsonResponse(status: HTTPResponse.Status(code: status), body: error.body)
        if error.noRetry { response.headers[.shouldRetry] = "false" }
        return response
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
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("x-request-id")!
    static let shouldRetry = HTTPField.Name("x-should-retry")!
}

/// Request ids: `req_` and 16 hex digits of randomness, returned to the client and logged.
enum RequestID {
    static func make() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var value = UInt64.random(in: .min ... .max)
        var bytes = Array("req_".utf8)
        for _ in 0..<16 {
            bytes.append(digits[Int(value & 0xF)])
            value >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
