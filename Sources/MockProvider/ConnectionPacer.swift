import NIOCore

/// Paces the writes of one answer on its connection and notices when the client has gone.
///
/// Pauses are timers on the connection's event loop, so thousands of slow streams cost neither threads nor the
/// dispatch timer traffic of `Task.sleep`. A long pause is cut into slices so a client that disconnects during
/// it is noticed within ``slice``, not at the next write.
struct ConnectionPacer: Sendable {
    /// The client closed the connection.
    struct ClientGone: Error {}

    let channel: any Channel
    static let slice = TimeAmount.milliseconds(100)

    /// Sleeps for `milliseconds`.
    /// - Throws: ``ClientGone`` as soon as the connection is closed; `CancellationError` when the server stops.
    func pause(milliseconds: Int) async throws {
        try await pause(until: .now() + .milliseconds(Int64(milliseconds)))
    }

    /// Sleeps until `deadline`.
    /// - Throws: ``ClientGone`` as soon as the connection is closed; `CancellationError` when the server stops.
    func pause(until deadline: NIODeadline) async throws {
        try ensureConnected()
        while case let now = NIODeadline.now(), now < deadline {
            try await sleep(until: min(deadline, now + Self.slice))
            try ensureConnected()
        }
    }

    /// - Throws: ``ClientGone`` when the connection is closed.
    func ensureConnected() throws {
        // `isActive` is atomic on NIO socket channels. A FIN from the client closes the channel too
        // (see `CloseOnInputClosedHandler`).
        guard channel.isActive else { throw ClientGone() }
    }

    private func sleep(until deadline: NIODeadline) async throws {
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {}
        do {
            try await withTaskCancellationHandler {
                try await timer.futureResult.get()
            } onCancel: {
                timer.cancel()
            }
        } catch EventLoopError.cancelled {
            throw CancellationError()
        }
    }
}
