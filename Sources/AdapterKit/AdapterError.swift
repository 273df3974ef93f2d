import PluginAPI

/// A failure inside an adapter, carried back to the host as a `gw_status` plus a short message.
///
/// Messages may reach client-facing logs: never put API keys or other secrets in them.
public struct AdapterError: Error, Sendable, CustomStringConvertible {
    /// The `gw_status` returned to the host (never `GW_OK`).
    public let status: gw_status
    /// A one-line English explanation, without secrets.
    public let message: String

    public init(status: gw_status, message: String) {
        self.status = status == GWStatus.ok ? GWStatus.internalError : status
        self.message = message
    }

    public var description: String { "status \(status): \(message)" }

    /// The unified request cannot be sent to this provider (client gets 400).
    public static func invalidRequest(_ message: String) -> AdapterError {
        AdapterError(status: GWStatus.invalidRequest, message: message)
    }
    /// The request uses a feature the provider does not have.
    public static func unsupported(_ message: String) -> AdapterError {
        AdapterError(status: GWStatus.unsupported, message: message)
    }
    /// Upstream bytes are not in the documented format, or a stream was cut short.
    public static func upstreamFormat(_ message: String) -> AdapterError {
        AdapterError(status: GWStatus.upstreamFormat, message: message)
    }
    /// The instance configuration is invalid.
    public static func config(_ message: String) -> AdapterError {
        AdapterError(status: GWStatus.config, message: message)
    }
    /// The host's emit callback asked us to stop.
    public static let aborted = AdapterError(status: GWStatus.aborted, message: "the host aborted the call")
    /// Anything else.
    public static func internalError(_ message: String) -> AdapterError {
        AdapterError(status: GWStatus.internalError, message: message)
    }

    /// Writes code and message into a caller-owned `gw_error` (NUL-terminated, truncated on a UTF-8 boundary).
    /// Does nothing when `err` is NULL.
    public func fill(_ err: UnsafeMutablePointer<gw_error>?) {
        guard let err else { return }
        err.pointee.code = status
        let capacity = Int(GW_ERROR_MESSAGE_MAX) - 1
        var utf8 = Array(message.utf8.prefix(capacity))
        if utf8.count == capacity, message.utf8.count > capacity {
            // Cut back to the start of a scalar so the message stays valid UTF-8.
            while let last = utf8.last, last & 0xC0 == 0x80 { utf8.removeLast() }
            if let last = utf8.last, last >= 0xC0 { utf8.removeLast() }
        }
        withUnsafeMutableBytes(of: &err.pointee.message) { raw in
            guard raw.count > 0 else { return }
            let n = min(utf8.count, raw.count - 1)
            for i in 0..<n { raw[i] = utf8[i] }
            raw[n] = 0
        }
    }
}

/// The `gw_status` constants as `gw_status` values (C anonymous enums import as `Int`).
public enum GWStatus {
    public static let ok = gw_status(GW_OK)
    public static let invalidRequest = gw_status(GW_ERR_INVALID_REQUEST)
    public static let unsupported = gw_status(GW_ERR_UNSUPPORTED)
    public static let upstreamFormat = gw_status(GW_ERR_UPSTREAM_FORMAT)
    public static let config = gw_status(GW_ERR_CONFIG)
    public static let aborted = gw_status(GW_ERR_ABORTED)
    public static let internalError = gw_status(GW_ERR_INTERNAL)
}
