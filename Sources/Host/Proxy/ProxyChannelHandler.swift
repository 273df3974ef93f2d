import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Serves proxy routes straight from the client connection's event loop; every other request (admin
/// API, console, health, CORS preflights) goes on down the pipeline to Hummingbird's router.
///
/// Why: through Hummingbird's per-connection task, Swift concurrency and the async HTTP client, one
/// proxied request woke ~10 threads and cost ~200 µs of CPU (docs/performance.md). Here the request
/// is parsed, authenticated, translated and sent upstream over a connection of the same event loop,
/// and the answer is written back in the loop turn that read it.
///
/// One handler per connection, after Hummingbird's connection-state handler (which therefore sees
/// every request and answer: idle timeout and graceful-shutdown quiescing work for both kinds).
/// Answers leave in request order: a request pipelined behind an unfinished answer waits.
final class ProxyChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        case idle
        /// Reading a proxy request's body.
        case reading(ProxyExchange)
        /// The request is read; its answer is being produced.
        case answering(ProxyExchange)
        /// Passing a router request's parts on.
        case forwarding
    }

    private let proxy: ProxyHandler
    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// Router requests whose answers are not complete yet.
    private var routerAnswersPending = 0
    /// Parts of later requests that must wait for an earlier answer (HTTP pipelining).
    private var held = CircularBuffer<HTTPRequestPart>()
    private var closeAfterAnswer = false
    private var keys = KeyDigestMemo()

    init(proxy: ProxyHandler) {
        self.proxy = proxy
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Hummingbird's connection-state handler, before this one, does not pass channelInactive on.
        context.channel.closeFuture.assumeIsolated().whenComplete { _ in self.abandonExchange() }
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if held.isEmpty, dispatch(part, context: context) { return }
        held.append(part)
    }

    /// Handles `part`, or returns false when it must wait for an earlier answer.
    private func dispatch(_ part: HTTPRequestPart, context: ChannelHandlerContext) -> Bool {
        switch state {
        case .reading(let exchange):
            switch part {
            case .body(let bytes): exchange.receive(bytes)
            case .end:
                state = .answering(exchange)
                exchange.requestComplete()
            case .head: break  // the HTTP decoder never sends a head before the previous end
            }
        case .answering:
            return false
        case .forwarding:
            if case .end = part { state = .idle }
            context.fireChannelRead(wrapInboundOut(part))
        case .idle:
            guard case .head(let head) = part, let route = proxyRoute(head) else {
                if case .head = part {
                    routerAnswersPending += 1
                    state = .forwarding
                }
                context.fireChannelRead(wrapInboundOut(part))
                return true
            }
            if routerAnswersPending > 0 { return false }
            closeAfterAnswer = head.headerFields[.connection]?.lowercased().contains("close") ?? false
            if head.headerFields[.expect]?.lowercased() == "100-continue" {
                // curl sends this for bodies over 1 KiB and waits a second for it before sending the body.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
            state = .reading(ProxyExchange(proxy: proxy, request: head, route: route.route, snapshot: route.snapshot,
                                           connection: self, eventLoop: context.eventLoop))
        }
        return true
    }

    /// The endpoint and route kind when `head` is for a proxy route. CORS preflights go to the router,
    /// which answers them for every path.
    private func proxyRoute(_ head: HTTPRequest) -> (route: (endpoint: ResolvedEndpoint, kind: RoutingSnapshot.RouteKind), snapshot: RoutingSnapshot)? {
        if head.method == .options, head.headerFields[.origin] != nil, head.headerFields[.accessControlRequestMethod] != nil {
            return nil
        }
        var path = Substring(head.path ?? "/")
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        let snapshot = proxy.snapshots.snapshot
        guard let route = snapshot.route(for: String(path)) else { return nil }
        return (route, snapshot)
    }

    /// The client half-closed its side. Like nginx, take it as the client leaving: an answer in
    /// progress is abandoned and its provider call cancelled (a client waiting for an answer does not
    /// close its side; one that gave up does).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { abandonExchange() }
        context.fireUserInboundEventTriggered(event)
    }

    private func abandonExchange() {
        switch state {
        case .reading(let exchange), .answering(let exchange): exchange.clientGone()
        case .idle, .forwarding: break
        }
        state = .idle
        held.removeAll()
    }

    // MARK: Outbound: the router's answers pass through

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            // max: Hummingbird answers an unparsable request with a 400 whose head never came through here.
            routerAnswersPending = max(0, routerAnswersPending - 1)
            if routerAnswersPending == 0 { releaseHeld() }
        }
    }

    // MARK: Writing proxy answers (called by ProxyExchange)

    /// Writes a whole answer; `omitBody` for HEAD requests (the head still says how long it is).
    func writeComplete(_ head: HTTPResponse, body: ByteBuffer, omitBody: Bool, for exchange: ProxyExchange) {
        guard let context else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0, !omitBody { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        answered(exchange)
    }

    /// The SHA-256 of a client key and its hex, computed once per key and connection.
    func keyDigest(_ token: Substring) -> (bytes: [UInt8], hex: String) { keys.digest(of: token) }

    /// False once the client's connection is closing: a failed write means the client left.
    var clientConnected: Bool { context?.channel.isActive ?? false }

    func writeHead(_ head: HTTPResponse) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    func writeBody(_ bytes: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.body(bytes)), promise: promise)
        return promise.futureResult
    }

    func writeEnd(for exchange: ProxyExchange) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        answered(exchange)
    }

    /// `exchange`'s answer is complete: close if the client asked, else serve what waited behind it.
    private func answered(_ exchange: ProxyExchange) {
        guard case .answering(let current) = state, current === exchange else { return }
        state = .idle
        if closeAfterAnswer {
            held.removeAll()
            context?.close(promise: nil)
            return
        }
        releaseHeld()
    }

    private func releaseHeld() {
        guard let context else { return }
        // Take the part out before handling it: an answer completed while handling it (an error
        // answered at once) releases the next parts from inside this loop.
        var forwarded = false
        defer {
            // Hummingbird's side hands parts on at the end of a read; these come outside of one.
            if forwarded { context.fireChannelReadComplete() }
        }
        while let part = held.popFirst() {
            if case .forwarding = state { forwarded = true }
            guard dispatch(part, context: context) else {
                held.prepend(part)
                return
            }
            if case .forwarding = state { forwarded = true }
        }
    }
}
