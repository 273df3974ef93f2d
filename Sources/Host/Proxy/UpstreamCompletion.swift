import AdapterHost
import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A non-stream answer: collects the provider's whole body, translates it and answers the client.
///
/// Every callback runs on the client connection's event loop, with the exchange (`@unchecked Sendable`
/// for AsyncHTTPClient's protocol; never shared). See `UpstreamClient.eventLoopPreference`.
final class UpstreamCompletion: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    private let exchange: ProxyExchange
    private let instance: AdapterInstance
    private let request: UnifiedRequest
    /// Set when this request fetches an answer for the response cache.
    private let cacheFill: CacheFill?
    private var status = 0
    private var contentType = ""
    private var body = ByteBuffer()
    private var tooLarge = false
    private var task: HTTPClient.Task<Void>?

    init(exchange: ProxyExchange, instance: AdapterInstance, request: UnifiedRequest, cacheFill: CacheFill?) {
        self.exchange = exchange
        self.instance = instance
        self.request = request
        self.cacheFill = cacheFill
    }

    func start(_ httpRequest: HTTPClient.Request) {
        let upstream = exchange.proxy.upstream
        exchange.accounting.upstreamBegins()
        // The client left: stop the provider's work (and its bill) at once.
        exchange.onClientGone = { [self] in task?.cancel() }
        // The first-byte limit is the client's read timeout (see UpstreamClient).
        task = upstream.http.execute(
            request: httpRequest, delegate: self, eventLoop: UpstreamClient.eventLoopPreference(exchange.eventLoop),
            deadline: .now() + .milliseconds(Int64(upstream.timeouts.totalTimeoutMs)))
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        contentType = head.headers.first(name: "content-type") ?? ""
        exchange.accounting.upstreamAccepted = (200..<300).contains(status)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        if body.readableBytes + buffer.readableBytes > UpstreamClient.maximumBodyBytes {
            tooLarge = true
            task.cancel()
        } else if body.readableBytes == 0 {
            body = buffer
        } else {
            body.writeImmutableBuffer(buffer)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        exchange.accounting.upstreamCompletes()
        guard !exchange.done else { return }
        if tooLarge {
            exchange.fail(.upstream("The provider's answer is larger than \(UpstreamClient.maximumBodyBytes) bytes."))
        } else {
            exchange.fail(UpstreamClient.classify(error, phase: "before the answer was complete"))
        }
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        exchange.accounting.upstreamCompletes()
        guard !exchange.done else { return }
        guard (200..<300).contains(status) else {
            return exchange.failFromProvider(instance.translateError(request, status: status, contentType: contentType, body: body))
        }
        let translated: TranslatedResponse
        do {
            translated = try instance.translateResponse(request, status: status, contentType: contentType, body: body)
        } catch {
            return exchange.fail(.upstream("The provider's answer could not be read: \(error.message)"))
        }
        exchange.accounting.usage = translated.usage
        exchange.accounting.modelAnswered = translated.model
        if let error = translated.error { return exchange.failFromProvider(error) }
        guard let answer = translated.body else {
            return exchange.fail(.upstream("The provider's answer could not be read: the adapter produced no response."))
        }
        exchange.accounting.responseBody = answer
        if let cacheFill, let cached = exchange.accounting.answerForCache {
            cacheFill.complete(with: ResponseCache.Entry(body: cached, usage: translated.usage, model: translated.model))
        }
        exchange.finish(status: 200, errorClass: nil)
        exchange.respond(.json(status: .ok, body: answer))
    }
}
