import NIOConcurrencyHelpers

/// The requests the mock received, in arrival order, updated while their answers are written.
///
/// Keeps the latest ``capacity`` entries, so a long benchmark does not grow the mock without bound.
final class RequestLog: Sendable {
    static let capacity = 100_000

    private struct State {
        var order: [Int] = []
        var entries: [Int: MockRecordedRequest] = [:]
        var nextID = 1
    }

    private let state = NIOLockedValueBox(State())

    /// Records a request.
    /// - Returns: its id, used for updates and as the sequence number in answer ids; ids are never reused.
    func append(_ request: MockRecordedRequest) -> Int {
        state.withLockedValue { state in
            let id = state.nextID
            state.nextID += 1
            state.order.append(id)
            state.entries[id] = request
            if state.order.count > Self.capacity + Self.capacity / 10 {
                for old in state.order.prefix(state.order.count - Self.capacity) {
                    state.entries[old] = nil
                }
                state.order.removeFirst(state.order.count - Self.capacity)
            }
            return id
        }
    }

    /// Changes an entry; does nothing if it was removed by ``reset()`` meanwhile.
    func update(_ id: Int, _ change: (inout MockRecordedRequest) -> Void) {
        state.withLockedValue { state in
            guard var entry = state.entries[id] else { return }
            change(&entry)
            state.entries[id] = entry
        }
    }

    func all() -> [MockRecordedRequest] {
        state.withLockedValue { state in state.order.compactMap { state.entries[$0] } }
    }

    func reset() {
        state.withLockedValue { state in
            state.order = []
            state.entries = [:]
        }
    }
}
