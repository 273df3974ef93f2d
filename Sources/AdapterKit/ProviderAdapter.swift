import PluginAPI

/// One configured provider instance of a Swift adapter (what `gw_instance` points at).
///
/// - Important: `translateRequest`, `translateResponse`, `translateError` and `makeStream` may run
///   concurrently on the same instance from several threads: keep the instance immutable after `init`.
public protocol ProviderAdapter: AnyObject, Sendable {
    /// Validates and copies the configuration (called from `create_instance`).
    /// - Throws: ``AdapterError/config(_:)`` when the configuration cannot work.
    init(config: InstanceConfig, log: AdapterLog) throws(AdapterError)

    /// Unified request -> upstream HTTP request (`GW_OUT_HTTP_*`, `GW_OUT_BODY`).
    func translateRequest(_ request: AdapterRequest, emit: Emitter) throws(AdapterError)

    /// Upstream 2xx non-stream body -> one `GW_OUT_RESPONSE` (or `GW_OUT_ERROR`), plus usage and model.
    func translateResponse(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError)

    /// Upstream non-2xx answer -> exactly one `GW_OUT_ERROR`. Must cope with bodies that are not JSON.
    func translateError(_ request: AdapterRequest, _ response: UpstreamResponse, emit: Emitter) throws(AdapterError)

    /// Starts translating one streamed answer.
    func makeStream(_ request: AdapterRequest) throws(AdapterError) -> any StreamTranslator
}

/// The per-stream translator (what `gw_stream` points at).
///
/// - Important: externally synchronised: never called concurrently, but consecutive calls may come from
///   different threads; keep no thread-local state.
public protocol StreamTranslator: AnyObject {
    /// Upstream body bytes in an arbitrary split. A thrown error ends the stream.
    func feed(_ bytes: UnsafeRawBufferPointer, emit: Emitter) throws(AdapterError)
    /// The body ended: flush, and throw ``AdapterError/upstreamFormat(_:)`` when the stream was cut short.
    func finish(emit: Emitter) throws(AdapterError)
}

/// Logging through the host's `gw_host_api.log`. Thread-safe; a no-op when the host gave no log function.
public struct AdapterLog: @unchecked Sendable {
    // @unchecked: the host table is immutable, thread-safe and valid until process exit (header contract).
    private let host: UnsafePointer<gw_host_api>?

    public init(host: UnsafePointer<gw_host_api>?) { self.host = host }

    /// A log that drops everything.
    public static let none = AdapterLog(host: nil)

    public enum Level: Int32, Sendable { case debug = 0, info = 1, warning = 2, error = 3 }

    /// Writes one line. Never pass secrets or whole request bodies.
    public func callAsFunction(_ level: Level, _ message: String) {
        guard let host else { return }
        let size = host.pointee.struct_size
        guard CInput.has(size, MemoryLayout<gw_host_api>.offset(of: \.log), MemoryLayout<UnsafeRawPointer>.size),
              let log = host.pointee.log else { return }
        let ctx = CInput.has(size, MemoryLayout<gw_host_api>.offset(of: \.host_ctx), MemoryLayout<UnsafeRawPointer>.size)
            ? host.pointee.host_ctx : nil
        var text = message
        text.withUTF8 { utf8 in
            log(ctx, level.rawValue, gw_str(ptr: UnsafeRawPointer(utf8.baseAddress)?.assumingMemoryBound(to: CChar.self), len: utf8.count))
        }
    }
}
