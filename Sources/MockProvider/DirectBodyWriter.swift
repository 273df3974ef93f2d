import NIOCore

/// Writes response-body bytes straight to the socket, below Hummingbird's HTTP encoders, and tells the stream
/// it serves when the connection closes or its writability changes.
///
/// It sits first in the pipeline (next to the socket), so a write from its context goes out as it is: the
/// bytes must already be framed for the connection's transfer encoding (chunked, as every streamed answer is).
/// Hummingbird still writes the head and the final `0\r\n\r\n` through its own pipeline; ``StreamPump`` writes
/// the events in between from the event loop, without the per-write hops of the async response writer.
/// Event-loop confined.
final class DirectBodyWriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    /// Installs a ``DirectBodyWriter`` at the front of the pipeline it is added to (Hummingbird's extra channel
    /// handlers go after the HTTP codecs, the writer must go before them).
    final class Installer: ChannelInboundHandler, RemovableChannelHandler, Sendable {
        typealias InboundIn = Any

        func handlerAdded(context: ChannelHandlerContext) {
            try? context.pipeline.syncOperations.addHandler(DirectBodyWriter(), position: .first)
        }
    }

    private var context: ChannelHandlerContext?
    /// The stream or pause waiting on this connection, if any.
    var observer: (any ConnectionObserver)?

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    /// Queues framed bytes; ``flush()`` sends them.
    func write(_ bytes: ByteBuffer) {
        context?.write(NIOAny(bytes), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        let observer = self.observer
        self.observer = nil
        observer?.connectionClosed()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        observer?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }
}

/// What waits on a connection: told by ``DirectBodyWriter`` on the event loop.
protocol ConnectionObserver: AnyObject {
    func connectionClosed()
    func writabilityChanged()
}
