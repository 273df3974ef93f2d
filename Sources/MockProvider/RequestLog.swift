import NIOConcurrencyHelpers

/// The requests the mock received, in arrival order, updated while their answers are written.
final class RequestLog: Sendable {
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
