import NIOCore

/// Paces the writes of one answer on its connection and notices when the client has gone.
///
/// A pause is one scheduled callback on the connection's event loop, so thousands of slow answers cost neither
/// threads nor the dispatch timer traffic of `Task.sleep`. ``DirectBodyWriter`` ends a pause as soon as the
/// connection closes, so a client that disconnects during a long pause is noticed at once, not at the next write.
/// (Streamed answers are paced by ``StreamPump`` instead.)
struct ConnectionPacer: Sendable {
    /// The client closed the connection.
    struct ClientGone: Error {}

    let channel: any Channel

    /// Sleeps for `milliseconds`.
    /// - Throws: ``ClientGone`` as soon as the connection is closed; `CancellationError` when the server stops.
    func pause(milliseconds: Int) async throws {
        try await pause(until: .now() + .milliseconds(Int64(milliseconds)))
    }

    /// Sleeps until `deadline`.
    /// - Throws: ``ClientGone`` as soon as the connection is closed; `CancellationError` when the server stops.
    func pause(until deadline: NIODeadline) async throws {
        try ensureConnected()
        guard deadline > .now() else { return }
        let pause = Pause(channel: channel, deadline: deadline)
        let eventLoop = channel.eventLoop
        eventLoop.execute { pause.start() }
        try await withTaskCancellationHandler {
            try await pause.promise.futureResult.get()
        } onCancel: {
            eventLoop.execute { pause.finish(.failure(CancellationError())) }
        }
        try ensureConnected()
    }

    /// - Throws: ``ClientGone`` when the connection is closed.
    func ensureConnected() throws {
        // `isActive` is atomic on NIO socket channels. A FIN from the client closes the channel too
        // (see `CloseOnInputClosedHandler`).
        guard channel.isActive else { throw ClientGone() }
    }

    /// One pause: a scheduled callback, ended early by the connection closing. Event-loop confined.
    private final class Pause: NIOScheduledCallbackHandler, ConnectionObserver, @unchecked Sendable {
        let channel: any Channel
        let deadline: NIODeadline
        let promise: EventLoopPromise<Void>
        private var timer: NIOScheduledCallback?
        private var writer: DirectBodyWriter?
        private var finished = false

        init(channel: any Channel, deadline: NIODeadline) {
            self.channel = channel
            self.deadline = deadline
            self.promise = channel.eventLoop.makePromise()
        }

        func start() {
            guard !finished else { return }
            guard channel.isActive else { return finish(.failure(ClientGone())) }
            writer = try? channel.pipeline.syncOperations.handler(type: DirectBodyWriter.self)
            writer?.observer = self
            do {
                timer = try channel.eventLoop.scheduleCallback(at: deadline, handler: self)
            } catch {
                finish(.failure(error))
            }
        }

        func handleScheduledCallback(eventLoop: some EventLoop) {
            timer = nil
            finish(.success(()))
        }

        func connectionClosed() {
            finish(.failure(ClientGone()))
        }

        func writabilityChanged() {}

        func finish(_ result: Result<Void, any Error>) {
            guard !finished else { return }
            finished = true
            timer?.cancel()
            timer = nil
            if let writer, writer.observer === self { writer.observer = nil }
            writer = nil
            promise.completeWith(result)
        }
    }
}
