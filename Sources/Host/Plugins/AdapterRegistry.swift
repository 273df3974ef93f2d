import AdapterHost
import Foundation
import Logging
import Synchronization

/// The adapters loaded from the plugins directory, the versions they replaced, and the files that were refused
/// with why. ``rescan()`` brings it up to date with the directory; ``AdapterWatcher`` calls it when files change
/// and `POST /admin/plugins/reload` on demand.
///
/// Rules (docs/plugins.md, "Hot-loading"):
/// - A new file is checked and loaded; a file that fails is refused with a reason and changes nothing else.
/// - A replaced file with the same adapter name and a newer semantic version becomes the version new
///   requests use; the old version is *retired*: running requests keep it (they hold its instance), and its
///   last instance is destroyed when they end. Libraries are never unloaded (see ``LoadedAdapter``).
/// - A replaced file with the same or an older version is refused; the loaded version stays.
/// - A removed file makes its adapter unavailable for new requests (providers answer 503 `adapter_unavailable`).
/// - Two files with the same adapter name: the first in file-name order wins; the other waits and takes over
///   if the first goes away.
public final class AdapterRegistry: Sendable {
    /// The adapters in use and the files refused, for callers that need only that.
    public struct State: Sendable {
        /// The active adapters, one per name, sorted by file name.
        public var loaded: [LoadedAdapter]
        /// Files refused at their last change, sorted by file name.
        public var refused: [RefusedAdapter]
    }

    /// Everything `GET /admin/plugins` shows.
    public struct Report: Sendable {
        public struct Active: Sendable {
            public let adapter: LoadedAdapter
            public let sha256: String
            public let loadedAt: Date
        }
        /// A replaced or removed version that requests or instances still use.
        public struct Retired: Sendable {
            public let name: String
            public let version: String
            public let file: String
            public let sha256: String
            public let loadedAt: Date
            public let retiredAt: Date
            /// Why: "replaced by 1.1.0", "file removed", ...
            public let reason: String
            public let inUse: Int
            public let instances: Int
        }
        public struct Refusal: Sendable {
            public let file: String
            public let reason: String
            public let at: Date
            /// The refused content's digest; nil when the file could not be read.
            public let sha256: String?
        }
        public let directory: String
        public let active: [Active]
        public let retired: [Retired]
        public let refused: [Refusal]
        /// Files refused since start (every refusal counts once; a metric for dashboards).
        public let loadFailures: Int
        public let scans: Int
        public let lastScanAt: Date?
        /// "inotify", "poll" or "off" (no watcher running).
        public let watchMode: String
        /// Library copies mapped by this process (loaded, retired, waiting and refused-after-`dlopen` ones):
        /// libraries are never unloaded, so this only grows.
        public let mappedLibraries: Int
    }

    /// One thing a scan did.
    public struct Change: Sendable, Equatable {
        public enum Kind: String, Sendable { case loaded, replaced, removed, refused }
        public let kind: Kind
        public let file: String
        public let name: String?
        public let version: String?
        /// For `replaced`: the version that was retired.
        public let previousVersion: String?
        /// For `refused` and `removed`: why.
        public let reason: String?
    }

    public let directory: String
    let logger: Logger
    private let inner: Mutex<Inner>
    private let scanLock = Mutex(())
    private let changeHandler = Mutex<(@Sendable () -> Void)?>(nil)
    private let mode = Mutex("off")

    /// Loads the adapters of `directory` (a bad file is refused and logged; the others load).
    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
        inner = Mutex(Inner())
        rescan()
        let loaded = snapshot.loaded
        if loaded.isEmpty {
            logger.warning("no adapter loaded from \(directory): proxy routes will answer 503 until one is installed")
        }
    }

    /// Called after every scan that changed which adapter versions are active (the gateway rebuilds its routing
    /// snapshot there, so providers pick up new versions and notice removed ones).
    /// Held by a scan until its changes are in the routing snapshot (`onChange`), and briefly by `report`:
    /// an admin who sees a version listed as loaded finds it serving requests.
    private let publication = Mutex<Void>(())

    public var onChange: (@Sendable () -> Void)? {
        get { changeHandler.withLock { $0 } }
        set { changeHandler.withLock { $0 = newValue } }
    }

    // MARK: Reading

    public var snapshot: State {
        inner.withLock { inner in
            State(
                loaded: inner.active.values.sorted { $0.adapter.file < $1.adapter.file }.map(\.adapter),
                refused: inner.files.filter { $0.value.refusal != nil }.sorted { $0.key < $1.key }
                    .map { RefusedAdapter(file: $0.key, reason: $0.value.refusal ?? "") })
        }
    }

    public func adapter(named name: String) -> LoadedAdapter? {
        inner.withLock { $0.active[name]?.adapter }
    }

    public var loadedNames: [String] { snapshot.loaded.map(\.name) }

    /// Files refused since start; the metrics work exports it.
    public var loadFailureCount: Int { inner.withLock { $0.loadFailures } }

    public var report: Report {
        // Not in the middle of a scan: what the report lists as loaded is already what the proxy serves.
        publication.withLock { _ in }
        let watch = mode.withLock { $0 }
        return inner.withLock { inner in
            let retired = inner.retired.compactMap { entry -> Report.Retired? in
                guard let adapter = entry.adapter.value else { return nil }
                return Report.Retired(
                    name: adapter.name, version: adapter.version, file: adapter.file, sha256: entry.sha256,
                    loadedAt: entry.loadedAt, retiredAt: entry.retiredAt, reason: entry.reason,
                    inUse: adapter.inUse, instances: adapter.instanceCount)
            }
            return Report(
                directory: directory,
                active: inner.active.values.sorted { $0.adapter.file < $1.adapter.file }
                    .map { Report.Active(adapter: $0.adapter, sha256: $0.sha256, loadedAt: $0.loadedAt) },
                retired: retired,
                refused: inner.files.filter { $0.value.refusal != nil }.sorted { $0.key < $1.key }
                    .map { Report.Refusal(file: $0.key, reason: $0.value.refusal ?? "", at: $0.value.at, sha256: $0.value.sha256) },
                loadFailures: inner.loadFailures, scans: inner.scans, lastScanAt: inner.lastScanAt, watchMode: watch,
                mappedLibraries: inner.mapped)
        }
    }

    func setWatchMode(_ value: String) {
        mode.withLock { $0 = value }
    }

    /// A swift-service-lifecycle service that watches the directory and rescans on changes. `mode` nil reads
    /// `GATEWAY_PLUGINS_WATCH` from the environment (`inotify`, the default; `poll`, for file systems where
    /// inotify misses changes, such as NFS; `off`, for `POST /admin/plugins/reload` only).
    public func watcher(mode: AdapterWatcher.Mode? = nil) -> AdapterWatcher {
        AdapterWatcher(registry: self, mode: mode ?? AdapterWatcher.Mode(environment: ProcessInfo.processInfo.environment))
    }

    // MARK: State

    /// What the registry knows about one file of the directory.
    struct FileRecord {
        var stamp: FileStamp?
        /// Digest of the content last read; nil when it could not be read.
        var sha256: String?
        /// The adapter loaded from that content, when it loaded (active, or waiting behind another file).
        var candidate: LoadedAdapter?
        /// Why the content is not in use (nil when it is the active version of its adapter).
        var refusal: String?
        var at: Date
    }

    struct ActiveEntry {
        let adapter: LoadedAdapter
        let sha256: String
        let loadedAt: Date
    }

    /// A weak reference: a retired version is listed only while something still holds it.
    final class WeakAdapter: @unchecked Sendable {
        // @unchecked: `weak var` is read and written under the registry's lock only.
        weak var value: LoadedAdapter?
        init(_ value: LoadedAdapter) { self.value = value }
    }

    struct RetiredEntry {
        let adapter: WeakAdapter
        let sha256: String
        let loadedAt: Date
        let retiredAt: Date
        let reason: String
    }

    struct Inner {
        var files: [String: FileRecord] = [:]
        var active: [String: ActiveEntry] = [:]
        var retired: [RetiredEntry] = []
        var loadFailures = 0
        var scans = 0
        var lastScanAt: Date?
        var mapped = 0
        /// Set while the directory cannot be read, so the error is logged once, not on every poll.
        var lastDirectoryError: String?
    }

    // MARK: Scanning

    /// Brings the registry up to date with the directory and returns what changed. Scans are serialised.
    @discardableResult
    public func rescan() -> [Change] {
        publication.withLock { _ in
            let (changes, activeChanged) = scanLock.withLock { _ in scanLocked() }
            if activeChanged { onChange?() }
            return changes
        }
    }

    private func scanLocked() -> ([Change], Bool) {
        var state = inner.withLock { $0 }
        state.retired.removeAll { $0.adapter.value == nil }
        let now = Date()
        state.scans += 1
        state.lastScanAt = now
        var changes: [Change] = []
        var activeChanged = false

        let names: [String]
        do {
            names = try AdapterDirectory.candidates(directory)
        } catch {
            // A directory that cannot be read changes nothing: a transient error must not unload every adapter.
            if state.scans == 1 || state.lastDirectoryError == nil {
                logger.error("cannot read the adapter directory \(directory): \(error.localizedDescription)")
            }
            state.lastDirectoryError = "\(error)"
            inner.withLock { $0 = state }
            return ([], false)
        }
        state.lastDirectoryError = nil
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let paths = names.map { base + $0 }
        let present = Set(paths)

        // 1. Removed files.
        for path in state.files.keys.sorted() where !present.contains(path) {
            state.files[path] = nil
            if let entry = state.active.values.first(where: { $0.adapter.file == path }) {
                let adapter = entry.adapter
                state.active[adapter.name] = nil
                retire(entry, reason: "file removed", at: now, into: &state)
                activeChanged = true
                changes.append(Change(kind: .removed, file: path, name: adapter.name, version: adapter.version,
                                      previousVersion: nil, reason: "file removed"))
                logger.warning("adapter \(adapter.name) \(adapter.version) removed (\(path) is gone): its providers answer 503 until it is installed again; running requests finish")
            }
        }

        // 2. New and changed files: read, and load what is new.
        var fresh: [String] = []
        for path in paths {
            let stamp = FileStamp(path: path)
            if let record = state.files[path], record.stamp != nil, record.stamp == stamp { continue }
            let bytes: [UInt8]
            do {
                bytes = try Data(contentsOf: URL(fileURLWithPath: path)).withUnsafeBytes { Array($0) }
            } catch {
                let reason = "cannot read the file: \(error.localizedDescription)"
                if state.files[path]?.refusal != reason {
                    refuse(path, reason: reason, sha256: nil, candidate: state.files[path]?.candidate, stamp: stamp, at: now,
                           into: &state, changes: &changes)
                }
                continue
            }
            let digest = Digest.sha256(bytes)
            if var record = state.files[path], record.sha256 == digest {
                record.stamp = stamp  // touched or copied over with the same bytes: nothing to do
                state.files[path] = record
                continue
            }
            do {
                let adapter = try LoadedAdapter.load(image: bytes, file: path, log: adapterLog)
                state.mapped += 1
                state.files[path] = FileRecord(stamp: stamp, sha256: digest, candidate: adapter, refusal: nil, at: now)
                fresh.append(path)
            } catch {
                if error.stayedMapped { state.mapped += 1 }
                refuse(path, reason: error.reason, sha256: digest, candidate: nil, stamp: stamp, at: now, into: &state, changes: &changes)
            }
        }

        // 3. Activation, in file-name order: the first file of a name wins.
        for path in fresh {
            guard let candidate = state.files[path]?.candidate, let digest = state.files[path]?.sha256 else { continue }
            if let previous = state.active.values.first(where: { $0.adapter.file == path }), previous.adapter.name != candidate.name {
                // The file now holds another adapter: the old one is gone with its old content.
                state.active[previous.adapter.name] = nil
                let reason = "\(path) now holds adapter \(candidate.name)"
                retire(previous, reason: reason, at: now, into: &state)
                activeChanged = true
                changes.append(Change(kind: .removed, file: path, name: previous.adapter.name, version: previous.adapter.version,
                                      previousVersion: nil, reason: reason))
            }
            guard let current = state.active[candidate.name] else {
                activate(candidate, sha256: digest, at: now, into: &state)
                activeChanged = true
                changes.append(Change(kind: .loaded, file: path, name: candidate.name, version: candidate.version, previousVersion: nil, reason: nil))
                logger.info("adapter loaded", metadata: [
                    "adapter": "\(candidate.name)", "version": "\(candidate.version)", "abi": "\(candidate.abiVersionString)", "file": "\(path)",
                ])
                continue
            }
            guard current.adapter.file == path else {
                let reason = "duplicate adapter name \(candidate.name) (already loaded from \(current.adapter.file))"
                refuse(path, reason: reason, sha256: digest, candidate: candidate, stamp: state.files[path]?.stamp, at: now,
                       into: &state, changes: &changes)
                continue
            }
            // The same file with new content: a replacement, allowed only towards a newer version.
            let old = current.adapter
            guard let newVersion = SemanticVersion(candidate.version), let oldVersion = SemanticVersion(old.version) else {
                let reason = "cannot tell whether version \(candidate.version) is newer than the loaded \(old.version) "
                    + "(both must be semantic versions like 1.2.0); the loaded version stays"
                refuse(path, reason: reason, sha256: digest, candidate: candidate, stamp: state.files[path]?.stamp, at: now,
                       into: &state, changes: &changes)
                continue
            }
            guard newVersion > oldVersion else {
                let reason = "version \(candidate.version) is not newer than the loaded version \(old.version); "
                    + "bump the version to replace it (or restart the gateway to go back to an older one)"
                refuse(path, reason: reason, sha256: digest, candidate: candidate, stamp: state.files[path]?.stamp, at: now,
                       into: &state, changes: &changes)
                continue
            }
            activate(candidate, sha256: digest, at: now, into: &state)
            retire(current, reason: "replaced by \(candidate.version)", at: now, into: &state)
            activeChanged = true
            changes.append(Change(kind: .replaced, file: path, name: candidate.name, version: candidate.version,
                                  previousVersion: old.version, reason: nil))
            logger.info("adapter \(candidate.name) replaced: \(old.version) -> \(candidate.version) from \(path); requests already running finish on \(old.version)")
        }

        // 4. A name that lost its file is taken over by the first other file that holds it.
        for path in paths {
            guard let record = state.files[path], let candidate = record.candidate, record.refusal != nil,
                  state.active[candidate.name] == nil, let digest = record.sha256 else { continue }
            activate(candidate, sha256: digest, at: now, into: &state)
            activeChanged = true
            changes.append(Change(kind: .loaded, file: path, name: candidate.name, version: candidate.version, previousVersion: nil, reason: nil))
            logger.info("adapter \(candidate.name) \(candidate.version) from \(path) takes over: no other file provides it now")
        }

        inner.withLock { $0 = state }
        return (changes, activeChanged)
    }

    private func activate(_ adapter: LoadedAdapter, sha256: String, at now: Date, into state: inout Inner) {
        state.active[adapter.name] = ActiveEntry(adapter: adapter, sha256: sha256, loadedAt: now)
        if var record = state.files[adapter.file] {
            record.refusal = nil
            record.at = now
            state.files[adapter.file] = record
        }
    }

    private func retire(_ entry: ActiveEntry, reason: String, at now: Date, into state: inout Inner) {
        let adapter = entry.adapter
        let name = adapter.name, version = adapter.version, logger = self.logger
        adapter.onRelease {
            logger.info("adapter \(name) \(version) is idle and retired: its last instance was destroyed (the library stays mapped)")
        }
        state.retired.append(RetiredEntry(adapter: WeakAdapter(adapter), sha256: entry.sha256, loadedAt: entry.loadedAt,
                                          retiredAt: now, reason: reason))
    }

    private func refuse(
        _ path: String, reason: String, sha256: String?, candidate: LoadedAdapter?, stamp: FileStamp?, at now: Date,
        into state: inout Inner, changes: inout [Change]
    ) {
        state.files[path] = FileRecord(stamp: stamp, sha256: sha256, candidate: candidate, refusal: reason, at: now)
        state.loadFailures += 1
        changes.append(Change(kind: .refused, file: path, name: candidate?.name, version: candidate?.version, previousVersion: nil, reason: reason))
        logger.error("refused adapter \(path): \(reason)", metadata: ["file": "\(path)"])
    }

    /// Receives adapters' own log lines and the loader's notes.
    private var adapterLog: @Sendable (AdapterLogLevel, String) -> Void {
        let logger = self.logger
        return { level, message in
            switch level {
            case .debug: logger.debug("\(message)")
            case .info: logger.info("\(message)")
            case .warning: logger.warning("\(message)")
            case .error: logger.error("\(message)")
            }
        }
    }
}
