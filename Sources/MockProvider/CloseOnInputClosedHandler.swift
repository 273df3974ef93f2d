import NIOCore

/// Closes the connection when the client half-closes it.
///
/// Hummingbird allows remote half-closure, so a client's FIN alone would leave the channel active and a mock
/// waiting in `headers_then_wait_ms` or between slow chunks would not notice the client had gone until its next
/// write failed. Like nginx, the mock treats the end of the client's input as the client going away.
final class CloseOnInputClosedHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Any

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
