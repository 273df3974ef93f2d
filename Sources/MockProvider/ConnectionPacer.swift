import NIOCore

/// Pauses between writes on one connection and notices when the client has gone.
///
/// Pauses are `Task.sleep`s, so thousands of slow streams cost no threads. A long pause is cut into slices so a
/// client that disconnects during it is noticed within ``slice``, not at the next write.
struct ConnectionPacer: Sendable {
    /// The client closed the connection.
    struct ClientGone: Error {}

    let channel: any Channel
    static let slice = 100

    /// Sleeps for `milliseconds`.
    /// - Throws: ``ClientGone`` as soon as the connection is closed; `CancellationError` when the server stops.
    func pause(milliseconds: Int) async throws {
        try ensureConnected()
        var remaining = milliseconds
        while remaining > 0 {
            let step = min(remaining, Self.slice)
            try await Task.sleep(for: .milliseconds(step))
            remaining -= step
            try ensureConnected()
        }
    }

    /// - Throws: ``ClientGone`` when the connection is closed.
    func ensureConnected() throws {
        // `isActive` is atomic on NIO socket channels. With remote half-closure off (Hummingbird's default) the
        // channel closes as soon as it reads the client's FIN, which it does because the request has been read.
        guard channel.isActive else { throw ClientGone() }
    }
}
