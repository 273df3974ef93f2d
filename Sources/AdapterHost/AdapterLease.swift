import Synchronization

/// One request counted as using a ``LoadedAdapter`` version, from ``LoadedAdapter/beginUse()`` until ``end()``
/// (or until the lease is released, whichever comes first). `GET /admin/plugins` shows the counts, so an admin
/// can see when a replaced version has finished its last stream.
public final class AdapterLease: Sendable {
    public let adapter: LoadedAdapter
    private let open = Atomic<Bool>(true)

    init(adapter: LoadedAdapter) {
        self.adapter = adapter
        adapter.leaseStarted()
    }

    /// Ends the use; later calls do nothing.
    public func end() {
        if open.exchange(false, ordering: .relaxed) { adapter.leaseEnded() }
    }

    deinit { end() }
}
