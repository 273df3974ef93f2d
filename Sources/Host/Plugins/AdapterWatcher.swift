#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import ServiceLifecycle
import Synchronization

/// Watches the plugins directory and rescans the ``AdapterRegistry`` when an adapter file appears, changes or goes
/// away: with inotify where the kernel has it, else (or while the directory does not exist) with a scan every
/// ``pollInterval``.
///
/// A short quiet period groups the events of one change (an install is a write and a rename, a `cp` many writes).
/// Files still being written can still be seen half-done, e.g. by the poll; the loader refuses a truncated file
/// without mapping it (see `ELFCheck`), and the next event loads the finished one.
public struct AdapterWatcher: Service {
    let registry: AdapterRegistry
    let mode: Mode

    /// How to notice changes.
    public enum Mode: String, Sendable {
        /// inotify, falling back to polling where it is unavailable.
        case inotify
        /// A scan every ``AdapterWatcher/pollInterval``.
        case poll
        /// No watching: only `POST /admin/plugins/reload` rescans.
        case off

        /// `GATEWAY_PLUGINS_WATCH`, `inotify` when unset or unknown.
        init(environment: [String: String]) {
            self = environment["GATEWAY_PLUGINS_WATCH"].flatMap { Mode(rawValue: $0.lowercased()) } ?? .inotify
        }
    }

    /// Scan interval without inotify.
    static let pollInterval = 1.0
    /// Quiet time after a finished write, rename or delete before scanning.
    static let settle = 0.03
    /// Quiet time after an event that may be followed by more writes (a new file being created or written).
    static let settleWhileWriting = 0.5
    /// Longest time events may postpone a scan.
    static let maximumDelay = 2.0

    public func run() async throws {
        if mode == .off {
            registry.setWatchMode("off")
            try? await gracefulShutdown()
            return
        }
        let loop = WatchLoop(registry: registry, pollOnly: mode == .poll)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        loop.run()
                        finished.resume()
                    }
                    thread.name = "adapter-watcher"
                    thread.start()
                }
            } onGracefulShutdown: {
                loop.stop()
            }
        } onCancel: {
            loop.stop()
        }
        registry.setWatchMode("off")
    }
}

/// The watching thread: blocking `poll` on an inotify descriptor, woken every 250 ms to notice `stop()`.
final class WatchLoop: Sendable {
    private let registry: AdapterRegistry
    private let pollOnly: Bool
    private let stopped = Atomic<Bool>(false)

    init(registry: AdapterRegistry, pollOnly: Bool) {
        self.registry = registry
        self.pollOnly = pollOnly
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    #if canImport(Glibc) || canImport(Musl)
    private static let mask = UInt32(IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB
        | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
    #endif

    func run() {
        #if canImport(Glibc) || canImport(Musl)
        let fd = pollOnly ? -1 : inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        defer { if fd >= 0 { close(fd) } }
        var watching = fd >= 0 && addWatch(fd)
        registry.setWatchMode(watching ? "inotify" : "poll")
        // Changes between the registry's first scan and the watch being in place.
        registry.rescan()
        while !isStopped {
            if watching {
                switch waitForChange(fd) {
                case .none: continue
                case .change: registry.rescan()
                case .lostDirectory:
                    registry.rescan()
                    watching = false
                    registry.setWatchMode("poll")
                }
            } else {
                sleep(seconds: AdapterWatcher.pollInterval)
                if isStopped { break }
                if fd >= 0, addWatch(fd) {
                    watching = true
                    registry.setWatchMode("inotify")
                }
                registry.rescan()
            }
        }
        #else
        registry.setWatchMode("poll")
        while !isStopped {
            sleep(seconds: AdapterWatcher.pollInterval)
            if !isStopped { registry.rescan() }
        }
        #endif
    }

    private func sleep(seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !isStopped, Date() < end { usleep(50_000) }
    }

    #if canImport(Glibc) || canImport(Musl)
    private func addWatch(_ fd: Int32) -> Bool {
        inotify_add_watch(fd, registry.directory, Self.mask) >= 0
    }

    private enum Outcome { case none, change, lostDirectory }

    /// Waits up to 250 ms for a relevant event, then for the events of the same change to settle.
    private func waitForChange(_ fd: Int32) -> Outcome {
        guard var events = readEvents(fd, timeoutMs: 250), events.relevant || events.lostDirectory else { return .none }
        let start = Date()
        while !events.lostDirectory, Date().timeIntervalSince(start) < AdapterWatcher.maximumDelay, !isStopped {
            let quiet = events.finished ? AdapterWatcher.settle : AdapterWatcher.settleWhileWriting
            guard let more = readEvents(fd, timeoutMs: Int32(quiet * 1000)) else { break }
            events.merge(more)
        }
        return events.lostDirectory ? .lostDirectory : .change
    }

    /// What a batch of inotify events said.
    private struct Events {
        /// An adapter file (or the queue) changed.
        var relevant = false
        /// A write finished, or a file was renamed or deleted: the change is probably complete.
        var finished = false
        /// The directory itself was deleted or moved; the watch is gone.
        var lostDirectory = false

        mutating func merge(_ other: Events) {
            relevant = relevant || other.relevant
            finished = finished || other.finished
            lostDirectory = lostDirectory || other.lostDirectory
        }
    }

    /// Reads the events available within `timeoutMs`; nil when none came.
    private func readEvents(_ fd: Int32, timeoutMs: Int32) -> Events? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMs) > 0 else { return nil }
        var events = Events()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + 16 <= count {
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    offset += 16 + length
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        events.relevant = true
                        events.finished = true
                    }
                    if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                        events.lostDirectory = true
                    }
                    guard name.hasSuffix(".so"), !name.hasPrefix(".") else { continue }
                    events.relevant = true
                    if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB) != 0 {
                        events.finished = true
                    }
                }
            }
        }
        return events
    }
    #endif
}
