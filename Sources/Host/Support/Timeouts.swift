/// Runs `operation`, failing with `error` when it has not finished after `milliseconds`.
/// The operation is cancelled when the time runs out.
func withTimeout<T: Sendable>(
    milliseconds: Int, error: @autoclosure @escaping @Sendable () -> ProxyError,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(milliseconds))
            throw error()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw error() }
        return result
    }
}
