import PluginAPI

/// Severity of a line logged by the adapter machinery or by an adapter itself.
public enum AdapterLogLevel: Sendable {
    case debug, info, warning, error
}

/// Why an adapter file was not loaded.
public struct AdapterLoadError: Error, CustomStringConvertible, Sendable {
    /// The path of the refused file.
    public let file: String
    /// A one-line English sentence, e.g. "no symbol gateway_plugin_entry".
    public let reason: String
    /// The library was mapped before it was refused (it had no entry symbol, refused the ABI, or gave a bad
    /// descriptor); libraries are never unmapped, so its copy stays in memory.
    public var stayedMapped: Bool

    public init(file: String, reason: String, stayedMapped: Bool = false) {
        self.file = file
        self.reason = reason
        self.stayedMapped = stayedMapped
    }

    public var description: String { "cannot load adapter \(file): \(reason)" }
}

/// A call into an adapter failed.
public struct AdapterCallError: Error, CustomStringConvertible, Sendable {
    /// The `gw_status` the adapter returned (or the host chose, e.g. `GW_ERR_INTERNAL` when the adapter broke
    /// the ABI's rules).
    public let status: Int32
    /// The adapter's message (never contains secrets by contract) or the host's explanation.
    public let message: String

    public init(status: Int32, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(AdapterCallError.statusName(status)): \(message)" }

    /// `GW_ERR_UPSTREAM_FORMAT` and friends, as text.
    public static func statusName(_ status: Int32) -> String {
        switch Int(status) {
        case Int(GW_OK): return "GW_OK"
        case Int(GW_ERR_INVALID_REQUEST): return "GW_ERR_INVALID_REQUEST"
        case Int(GW_ERR_UNSUPPORTED): return "GW_ERR_UNSUPPORTED"
        case Int(GW_ERR_UPSTREAM_FORMAT): return "GW_ERR_UPSTREAM_FORMAT"
        case Int(GW_ERR_CONFIG): return "GW_ERR_CONFIG"
        case Int(GW_ERR_ABORTED): return "GW_ERR_ABORTED"
        case Int(GW_ERR_INTERNAL): return "GW_ERR_INTERNAL"
        default: return "status \(status)"
        }
    }

    static let internalStatus = Int32(GW_ERR_INTERNAL)
}
