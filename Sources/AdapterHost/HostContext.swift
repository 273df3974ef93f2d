import PluginAPI
import Synchronization

/// What `gw_host_api.host_ctx` points at for one loaded file: the name to tag its log lines with and the
/// host's log closure. Boxes and their host tables live until process exit (adapters may keep the pointer).
final class HostContext: Sendable {
    /// The file name until the descriptor is validated, then the adapter name.
    let tag: Mutex<String>
    let log: @Sendable (AdapterLogLevel, String) -> Void

    init(tag: String, log: @escaping @Sendable (AdapterLogLevel, String) -> Void) {
        self.tag = Mutex(tag)
        self.log = log
    }

    /// Contexts handed out, by address. The log callback accepts only these, so an adapter passing a wrong
    /// `host_ctx` loses its log line instead of crashing the gateway.
    static let registry = Mutex<[UInt: HostContext]>([:])

    /// Makes the host table for one load (leaked on purpose: valid until process exit).
    static func makeTable(tag: String, log: @escaping @Sendable (AdapterLogLevel, String) -> Void)
        -> (HostContext, UnsafePointer<gw_host_api>)
    {
        let box = HostContext(tag: tag, log: log)
        let ctx = Unmanaged.passRetained(box).toOpaque()
        registry.withLock { $0[UInt(bitPattern: ctx)] = box }
        let table = UnsafeMutablePointer<gw_host_api>.allocate(capacity: 1)
        table.initialize(to: gw_host_api(
            struct_size: UInt32(MemoryLayout<gw_host_api>.size),
            abi_version: HostABI.version,
            host_ctx: ctx,
            log: hostLogThunk))
        return (box, UnsafePointer(table))
    }

    /// Longest adapter log line kept; the rest is cut.
    static let maximumMessage = 8 << 10
}

/// `gw_host_api.log`: thread-safe, copies the message, never traps.
let hostLogThunk: @convention(c) (UnsafeMutableRawPointer?, gw_log_level, gw_str) -> Void = { ctx, level, message in
    guard let ctx else { return }
    guard let box = HostContext.registry.withLock({ $0[UInt(bitPattern: ctx)] }) else { return }
    var text = ""
    if message.len > 0, let p = message.ptr {
        let n = min(message.len, HostContext.maximumMessage)
        let raw = UnsafeRawBufferPointer(start: p, count: n)
        // Invalid UTF-8 is repaired; control characters (a forged second log line, terminal escapes) are
        // replaced with spaces.
        text = String(decoding: raw.map { $0 < 0x20 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
        if message.len > n { text += " [truncated]" }
    }
    let mapped: AdapterLogLevel
    switch Int(level) {
    case Int(GW_LOG_DEBUG): mapped = .debug
    case Int(GW_LOG_WARN): mapped = .warning
    case Int(GW_LOG_ERROR): mapped = .error
    default: mapped = .info
    }
    let tag = box.tag.withLock { $0 }
    box.log(mapped, "\(tag): \(text)")
}

/// The host's ABI version.
package enum HostABI {
    package static let major = UInt32(GW_ABI_MAJOR)
    package static let minor = UInt32(GW_ABI_MINOR)
    package static let version = major << 16 | minor
    /// `GW_DESCRIPTOR_V1_0_SIZE` (a C macro using offsetof, which Swift cannot import).
    package static let descriptorV1Size = (MemoryLayout<gw_plugin_descriptor>.offset(of: \gw_plugin_descriptor.destroy_stream) ?? 112)
        + MemoryLayout<UnsafeRawPointer>.size
}
