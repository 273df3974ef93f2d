import Foundation
import Synchronization

/// Slows and then locks repeated failed logins, per username and per client address.
///
/// Every attempt counts as a failure the moment it starts and is taken back when it succeeds, so a
/// burst of parallel guesses cannot slip past the limit while the first ones are still being
/// checked. From half the allowed failures on, answers are held back (0.5 s, 1 s, 2 s ... up to
/// 8 s); at the limit the username or address is locked for `lockout` and attempts get 429 with
/// the seconds to wait. Failures are forgotten `lockout` after the last one.
///
/// A successful login clears its username's failures. It does not clear the address's: otherwise
/// someone with one valid account could reset the per-address count between guesses at others.
struct LoginThrottleState: Sendable {
    struct Policy: Sendable, Equatable {
        var maxFailuresPerUser: Int
        var maxFailuresPerAddress: Int
        var lockout: TimeInterval
    }

    struct Counter: Sendable, Equatable {
        var failures = 0
        var lastAttempt: Date
        var lockedUntil: Date?
    }

    enum Decision: Equatable, Sendable {
        /// Go ahead after waiting `delay` seconds (0 for the first few attempts).
        case allowed(delay: TimeInterval)
        /// Locked: answer 429 and tell the client to retry after this many seconds.
        case locked(retryAfter: Int)
    }

    let policy: Policy
    private(set) var counters: [String: Counter] = [:]
    private var attempts = 0
    /// Bound on remembered keys, so spraying random usernames cannot exhaust memory.
    static let capacity = 100_000

    init(policy: Policy) { self.policy = policy }

    static func userKey(_ username: String) -> String { "u:" + username.lowercased().prefix(64) }
    static func addressKey(_ address: String) -> String { "a:" + address }

    private func limit(of key: String) -> Int {
        key.hasPrefix("u:") ? policy.maxFailuresPerUser : policy.maxFailuresPerAddress
    }

    /// Starts an attempt for `keys`, counting it as a failure until `succeeded` takes it back.
    mutating func begin(_ keys: [String], now: Date) -> Decision {
        attempts &+= 1
        if attempts % 1024 == 0 || counters.count >= Self.capacity { forgetStale(now: now) }
        var wait = 0.0
        for key in keys {
            guard let counter = counters[key] else { continue }
            if isStale(counter, now: now) {
                counters[key] = nil
                continue
            }
            if let until = counter.lockedUntil, until > now {
                return .locked(retryAfter: max(1, Int((until.timeIntervalSince(now)).rounded(.up))))
            }
            let slowFrom = (limit(of: key) + 1) / 2
            if counter.failures >= slowFrom {
                wait = max(wait, min(0.5 * pow(2, Double(counter.failures - slowFrom)), 8))
            }
        }
        for key in keys {
            var counter = counters[key] ?? Counter(lastAttempt: now)
            counter.failures += 1
            counter.lastAttempt = now
            if counter.failures >= limit(of: key) { counter.lockedUntil = now.addingTimeInterval(policy.lockout) }
            counters[key] = counter
        }
        return .allowed(delay: wait)
    }

    /// The attempt failed: it stays counted, and a lock it caused runs from now (the answer may have
    /// been held back). Returns the keys this attempt locked.
    mutating func failed(_ keys: [String], now: Date) -> [String] {
        var locked: [String] = []
        for key in keys {
            guard var counter = counters[key] else { continue }
            counter.lastAttempt = now
            if counter.failures >= limit(of: key) {
                counter.lockedUntil = now.addingTimeInterval(policy.lockout)
                if counter.failures == limit(of: key) { locked.append(key) }
            }
            counters[key] = counter
        }
        return locked
    }

    /// The attempt succeeded: the username starts afresh; the address's provisional failure is taken back.
    mutating func succeeded(_ keys: [String]) {
        for key in keys {
            if key.hasPrefix("u:") {
                counters[key] = nil
            } else if var counter = counters[key] {
                counter.failures = max(0, counter.failures - 1)
                if counter.failures < limit(of: key) { counter.lockedUntil = nil }
                counters[key] = counter.failures == 0 ? nil : counter
            }
        }
    }

    /// Not locked any more and no attempt for `lockout`: the failures are forgotten.
    private func isStale(_ counter: Counter, now: Date) -> Bool {
        !(counter.lockedUntil.map { $0 > now } ?? false) && now.timeIntervalSince(counter.lastAttempt) >= policy.lockout
    }

    private mutating func forgetStale(now: Date) {
        counters = counters.filter { !isStale($0.value, now: now) }
        // Still full of live entries: drop those that are not locked rather than grow without bound.
        if counters.count >= Self.capacity { counters = counters.filter { $0.value.lockedUntil != nil } }
    }

    /// Failures remembered for `key` (tests and diagnostics).
    func failures(of key: String) -> Int { counters[key]?.failures ?? 0 }
}

/// The shared, locked `LoginThrottleState` of one gateway.
final class LoginThrottle: Sendable {
    private let state: Mutex<LoginThrottleState>

    init(policy: LoginThrottleState.Policy) { state = Mutex(LoginThrottleState(policy: policy)) }

    func begin(_ keys: [String], now: Date = Date()) -> LoginThrottleState.Decision {
        state.withLock { $0.begin(keys, now: now) }
    }

    func failed(_ keys: [String], now: Date = Date()) -> [String] {
        state.withLock { $0.failed(keys, now: now) }
    }

    func succeeded(_ keys: [String]) {
        state.withLock { $0.succeeded(keys) }
    }
}
