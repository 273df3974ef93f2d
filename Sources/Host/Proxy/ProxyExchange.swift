import AdapterHost
import AsyncHTTPClient
import HTTPTypes
import NIOCore

/// One request on a proxy route, from its head to the last byte of its answer. Lives on the client
/// connection's event loop (every method is called there), so it needs no locks.
///
/// Every chat request ends in exactly one ledger row (`finish`): an error answered here, a
/// non-stream answer (`UpstreamCompletion`), a stream (`StreamRelay`) or a client that left.
final class ProxyExchange {
    let proxy: ProxyHandler
    let request: HTTPRequest
    let endpoint: ResolvedEndpoint
    let kind: RoutingSnapshot.RouteKind
    let eventLoop: any EventLoop
    var accounting: RequestAccounting
    private let snapshot: RoutingSnapshot
    // Strong: the exchange may outlive the connection (a provider call finishing after the client left).
    private let connection: ProxyChannelHandler
    private var body = ByteBuffer()
    private var bodyTooLarge = false
    private var prepared: ChatRequestPreparer.Prepared?
    /// Counts the answer as using its adapter version (hot-loading) until it is complete.
    private var lease: AdapterLease?
    private var recorded = false

    /// True once the answer is complete or the client left: nothing more is written.
    private(set) var done = false
    /// True once a stream's 200 head went out: later failures become a final error event.
    private(set) var headCommitted = false
    /// Called when the client leaves before the answer is complete (cancels the provider call).
    var onClientGone: (() -> Void)?

    init(proxy: ProxyHandler, request: HTTPRequest, route: (endpoint: ResolvedEndpoint, kind: RoutingSnapshot.RouteKind),
         snapshot: RoutingSnapshot, connection: ProxyChannelHandler, eventLoop: any EventLoop) {
        self.proxy = proxy
        self.request = request
        self.endpoint = route.endpoint
        self.kind = route.kind
        self.snapshot = snapshot
        self.connection = connection
        self.eventLoop = eventLoop
        accounting = RequestAccounting(requestID: RequestID.make())
        accounting.endpoint = route.endpoint
        if kind == .chat { proxy.stats.live.requestStarted() }
    }

    // MARK: The request

    func receive(_ bytes: ByteBuffer) {
        guard !bodyTooLarge else { return }
        guard body.readableBytes + bytes.readableBytes <= proxy.limits.maxBodyBytes else {
            bodyTooLarge = true
            body = ByteBuffer()
            return
        }
        if body.readableBytes == 0 { body = bytes } else { body.writeImmutableBuffer(bytes) }
    }

    /// The whole request has arrived: answer it.
    func requestComplete() {
        do throws(ProxyError) {
            accounting.key = try proxy.authenticate(request.headerFields, endpoint: endpoint, snapshot: snapshot,
                                                    digest: connection.keyDigest)
            guard endpoint.record.enabled else { throw .endpointDisabled }
            switch kind {
            case .models:
                guard request.method == .get else { throw .methodNotAllowed("GET") }
                respond(ProxyHandler.modelsResponse(endpoint))
            case .chat:
                guard request.method == .post else { throw .methodNotAllowed("POST") }
                try startChat()
            }
        } catch {
            fail(error)
        }
    }

    private func startChat() throws(ProxyError) {
        let provider = endpoint.provider
        switch provider.status {
        case .ready: break
        case .disabled: throw .providerDisabled(provider.name)
        case .adapterMissing: throw .adapterUnavailable(provider.record.adapter)
        case .configError: throw .providerMisconfigured(provider.name)
        }
        guard provider.instance != nil else { throw .adapterUnavailable(provider.record.adapter) }
        guard !bodyTooLarge else { throw .tooLarge(limit: proxy.limits.maxBodyBytes) }
        let prepared = try ChatRequestPreparer.prepare(body: body, endpoint: endpoint, requestID: accounting.requestID)
        body = ByteBuffer()
        self.prepared = prepared
        accounting.modelRequested = prepared.unified.model
        accounting.stream = prepared.unified.stream
        accounting.requestBody = prepared.unified.body
        try consultCache()
    }

    /// Serves the answer from the cache when the endpoint enables it and the request is cacheable;
    /// otherwise (or when this request must fetch the answer for identical ones) asks the provider.
    private func consultCache() throws(ProxyError) {
        guard let prepared else { return }
        let ttl = endpoint.record.cacheTTL
        guard ttl > 0, let cache = proxy.cache,
              endpoint.record.cacheNondeterministic || CacheKey.isDeterministic(prepared.object) else {
            return try forward(fill: nil)
        }
        let key = CacheKey.make(endpointID: endpoint.id, model: prepared.unified.model, request: prepared.object)
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let claim = cache.claim(key) { [eventLoop] entry in
            eventLoop.execute { this.value.cacheFlightLanded(entry) }
        }
        switch claim {
        case .hit(let entry):
            proxy.stats.metrics.cacheLookup(hit: true, endpoint: endpoint.path)
            try serveCached(entry)
        case .fetch:
            proxy.stats.metrics.cacheLookup(hit: false, endpoint: endpoint.path)
            try forward(fill: CacheFill(cache: cache, key: key, ttlSeconds: ttl))
        case .waiting:
            break  // an identical request is asking the provider; its answer arrives in cacheFlightLanded
        }
    }

    private func cacheFlightLanded(_ entry: ResponseCache.Entry?) {
        guard !done else { return }
        do throws(ProxyError) {
            if let entry {
                proxy.stats.metrics.cacheLookup(hit: true, endpoint: endpoint.path)
                try serveCached(entry)
            } else {
                try consultCache()  // the other request failed: look again, perhaps fetch
            }
        } catch {
            fail(error)
        }
    }

    private func serveCached(_ entry: ResponseCache.Entry) throws(ProxyError) {
        guard let prepared else { return }
        accounting.cacheHit = true
        accounting.modelAnswered = entry.model
        let response = try ProxyHandler.cachedResponse(entry, stream: prepared.unified.stream, includeUsage: prepared.unified.includeUsage)
        finish(status: 200, errorClass: nil)
        respond(response)
    }

    /// Translates the request through the adapter and sends it to the provider.
    private func forward(fill: CacheFill?) throws(ProxyError) {
        guard let prepared, let instance = endpoint.provider.instance else { return }
        let upstreamRequest: UpstreamRequest
        do {
            upstreamRequest = try instance.translateRequest(prepared.unified)
        } catch {
            throw ProxyHandler.adapterError(error, adapter: endpoint.provider.record.adapter)
        }
        let httpRequest = try proxy.upstream.makeRequest(upstreamRequest, baseURL: endpoint.provider.record.baseURL,
                                                         stream: prepared.unified.stream)
        lease = instance.adapter.beginUse()
        if prepared.unified.stream {
            StreamRelay(exchange: self, instance: instance, request: prepared.unified, cacheFill: fill).start(httpRequest)
        } else {
            UpstreamCompletion(exchange: self, instance: instance, request: prepared.unified, cacheFill: fill).start(httpRequest)
        }
    }

    // MARK: The answer

    /// Records the request in the ledger, statistics and metrics, once. Called before the answer's
    /// last byte is written, so a client that has its answer finds it counted.
    func finish(status: Int, errorClass: String?) {
        guard !recorded else { return }
        recorded = true
        lease?.end()
        lease = nil
        if kind == .chat { proxy.stats.finish(accounting, status: status, errorClass: errorClass) }
    }

    /// Answers with an error (and records it).
    func fail(_ error: ProxyError) {
        finish(status: Int(error.status.code), errorClass: error.code)
        respond(.error(error))
    }

    /// Answers with the provider's error as the adapter translated it (and records it).
    func failFromProvider(_ error: AdapterErrorOutput) {
        let response = ProxyResponse.adapterError(error)
        finish(status: Int(response.head.status.code), errorClass: "provider_\(error.status)")
        respond(response)
    }

    /// Writes a complete answer.
    func respond(_ response: ProxyResponse) {
        guard !done else { return }
        done = true
        onClientGone = nil
        var head = response.head
        decorate(&head.headerFields)
        connection.writeComplete(head, body: response.body, omitBody: request.method == .head, for: self)
    }

    /// Starts a streamed answer with `head`.
    func commitStream(_ head: HTTPResponse) {
        guard !done, !headCommitted else { return }
        headCommitted = true
        var head = head
        decorate(&head.headerFields)
        connection.writeHead(head)
    }

    /// Writes part of a streamed answer; the future completes when the bytes are handed to the socket,
    /// which is the stream's back-pressure.
    func writeBody(_ bytes: ByteBuffer) -> EventLoopFuture<Void> {
        guard !done else { return eventLoop.makeSucceededVoidFuture() }
        return connection.writeBody(bytes, on: eventLoop)
    }

    /// Ends a streamed answer.
    func endStream() {
        guard !done else { return }
        done = true
        onClientGone = nil
        connection.writeEnd(for: self)
    }

    /// False once the client's connection is closing.
    var clientConnected: Bool { connection.clientConnected }

    /// The connection closed before the answer was complete.
    func clientGone() {
        guard !done else { return }
        done = true
        let cancel = onClientGone
        onClientGone = nil
        cancel?()
        // A stream that began keeps its 200; an answer that never began is 499, as nginx logs it.
        finish(status: headCommitted ? 200 : 499, errorClass: "client_disconnected")
    }

    private func decorate(_ fields: inout HTTPFields) {
        fields[.requestID] = accounting.requestID
        proxy.cors.decorate(&fields, space: .proxy, origin: request.headerFields[.origin])
    }
}
