import AdapterHost
import Logging
import Synchronization

/// The adapters loaded from the plugins directory, and the files that were refused with why.
public final class AdapterRegistry: Sendable {
    public struct State: Sendable {
        public var loaded: [LoadedAdapter]
        public var refused: [RefusedAdapter]
    }

    private let state: Mutex<State>
    public let directory: String

    /// Scans `directory` once. A bad file is refused and logged; the others load.
    public init(directory: String, logger: Logger) {
        self.directory = directory
        let adapterLogger = logger
        let result = AdapterDirectory.scan(directory) { level, message in
            switch level {
            case .debug: adapterLogger.debug("\(message)")
            case .info: adapterLogger.info("\(message)")
            case .warning: adapterLogger.warning("\(message)")
            case .error: adapterLogger.error("\(message)")
            }
        }
        state = Mutex(State(loaded: result.loaded, refused: result.refused))
        for adapter in result.loaded {
            logger.info("adapter loaded", metadata: [
                "adapter": "\(adapter.name)", "version": "\(adapter.version)", "abi": "\(adapter.abiVersionString)",
                "file": "\(adapter.file)",
            ])
        }
        for refused in result.refused {
            logger.error("adapter refused", metadata: ["file": "\(refused.file)", "reason": "\(refused.reason)"])
        }
        if result.loaded.isEmpty {
            logger.warning("no adapter loaded from \(directory): proxy routes will answer 503 until one is installed")
        }
    }

    public var snapshot: State { state.withLock { $0 } }

    public func adapter(named name: String) -> LoadedAdapter? {
        state.withLock { $0.loaded.first { $0.name == name } }
    }

    public var loadedNames: [String] { state.withLock { $0.loaded.map(\.name) } }
}
