import AdapterHost
import Dispatch
import NIOCore
import Synchronization

/// An exact-match cache of complete chat answers, bounded by bytes with least-recently-used eviction.
/// Entries expire after their endpoint's `cache_ttl`. Concurrent identical requests share one upstream
/// call: the first one fetches, the others wait for its answer (see `claim`).
public final class ResponseCache: Sendable {
    /// A cached answer: the OpenAI `chat.completion` object and what the provider reported.
    public struct Entry: Sendable {
        public var body: ByteBuffer
        public var usage: TokenUsage?
        public var model: String?
        var expiresAt: Int64 = 0
        var size: Int { body.readableBytes + 128 }

        public init(body: ByteBuffer, usage: TokenUsage?, model: String?) {
            self.body = body
            self.usage = usage
            self.model = model
        }
    }

    private struct Node {
        var entry: Entry
        var previous: String?
        var next: String?
    }

    /// LRU list threaded through the dictionary by key: `head` is the most recently used.
    private struct State {
        var nodes: [String: Node] = [:]
        var head: String?
        var tail: String?
        var bytes = 0
        var flights: [String: [@Sendable (Entry?) -> Void]] = [:]
    }

    private let state = Mutex(State())
    public let maxBytes: Int
    public let maxEntryBytes: Int

    public init(maxBytes: Int, maxEntryBytes: Int) {
        self.maxBytes = maxBytes
        self.maxEntryBytes = maxEntryBytes
    }

    static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

    public var byteCount: Int { state.withLock { $0.bytes } }
    public var count: Int { state.withLock { $0.nodes.count } }

    /// The live entry for `key`, marking it most recently used; expired entries are removed.
    public func get(_ key: String) -> Entry? {
        state.withLock { state in
            guard let node = state.nodes[key] else { return nil }
            if node.entry.expiresAt <= Self.now() {
                Self.remove(key, from: &state)
                return nil
            }
            Self.moveToFront(key, in: &state)
            return node.entry
        }
    }

    /// Stores an answer for `ttlSeconds`, evicting least recently used entries beyond the byte budget.
    /// Answers larger than `maxEntryBytes` are not kept.
    public func put(_ key: String, _ entry: Entry, ttlSeconds: Int) {
        var entry = entry
        guard entry.size <= maxEntryBytes, entry.size <= maxBytes, ttlSeconds > 0 else { return }
        entry.expiresAt = Self.now() + Int64(ttlSeconds) * 1_000_000_000
        state.withLock { state in
            if state.nodes[key] != nil { Self.remove(key, from: &state) }
            state.nodes[key] = Node(entry: entry, previous: nil, next: state.head)
            if let head = state.head { state.nodes[head]?.previous = key }
            state.head = key
            if state.tail == nil { state.tail = key }
            state.bytes += entry.size
            while state.bytes > maxBytes, let tail = state.tail {
                Self.remove(tail, from: &state)
            }
        }
    }

    /// What `claim` decided.
    public enum Claim: Sendable {
        /// The answer is cached.
        case hit(Entry)
        /// This caller must ask the provider, then call `complete(key, with:)`.
        case fetch
        /// An identical request is fetching; `whenDone` will be called with its answer, or with nil when
        /// it failed (the caller then claims again).
        case waiting
    }

    /// Looks `key` up without blocking. When an identical request is in flight, registers `whenDone`
    /// (called once, on the thread that completes that request) and returns `.waiting`.
    public func claim(_ key: String, whenDone: @escaping @Sendable (Entry?) -> Void) -> Claim {
        if let entry = get(key) { return .hit(entry) }
        return state.withLock { state -> Claim in
            if state.flights[key] == nil {
                state.flights[key] = []
                return .fetch
            }
            state.flights[key]!.append(whenDone)
            return .waiting
        }
    }

    /// Ends the flight for `key`: stores the answer (when there is one) and wakes the waiters.
    public func complete(_ key: String, with entry: Entry?, ttlSeconds: Int) {
        if let entry { put(key, entry, ttlSeconds: ttlSeconds) }
        let waiters = state.withLock { state in state.flights.removeValue(forKey: key) ?? [] }
        // Waiters get the fresh answer even when it was too large to keep.
        for waiter in waiters { waiter(entry) }
    }

    private static func moveToFront(_ key: String, in state: inout State) {
        guard state.head != key, let node = state.nodes[key] else { return }
        if let previous = node.previous { state.nodes[previous]?.next = node.next }
        if let next = node.next { state.nodes[next]?.previous = node.previous }
        if state.tail == key { state.tail = node.previous }
        state.nodes[key]?.previous = nil
        state.nodes[key]?.next = state.head
        if let head = state.head { state.nodes[head]?.previous = key }
        state.head = key
    }

    private static func remove(_ key: String, from state: inout State) {
        guard let node = state.nodes.removeValue(forKey: key) else { return }
        if let previous = node.previous { state.nodes[previous]?.next = node.next } else { state.head = node.next }
        if let next = node.next { state.nodes[next]?.previous = node.previous } else { state.tail = node.previous }
        state.bytes -= node.entry.size
    }
}
