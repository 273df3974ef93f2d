import Synchronization
import AdapterHost
import NIOCore

/// A claim on a cache key by the one request that fetches the answer. Whatever happens to the request,
/// the flight ends exactly once: with the answer, or (in deinit) with nothing, which lets waiting
/// identical requests go to the provider themselves.
final class CacheFill: Sendable {
    let cache: ResponseCache
    let key: String
    let ttlSeconds: Int
    private let done = Atomic<Bool>(false)

    init(cache: ResponseCache, key: String, ttlSeconds: Int) {
        self.cache = cache
        self.key = key
        self.ttlSeconds = ttlSeconds
    }

    func complete(with entry: ResponseCache.Entry?) {
        guard done.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        cache.complete(key, with: entry, ttlSeconds: ttlSeconds)
    }

    deinit { complete(with: nil) }
}
