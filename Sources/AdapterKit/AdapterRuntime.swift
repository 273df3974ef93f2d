import PluginAPI
import Synchronization

/// Everything between the C ABI and a Swift ``ProviderAdapter``: the static descriptor, the C callbacks,
/// status and error-buffer handling. An adapter needs only this much:
///
/// ```swift
/// private let hostLink = HostLink()
/// nonisolated(unsafe) private let descriptor = AdapterRuntime.makeDescriptor(
///     name: "openai", version: "1.0.0", displayName: "OpenAI", defaultBaseURL: "https://api.openai.com/v1",
///     capabilities: [.streaming, .tools],
///     createInstance: { AdapterRuntime.createInstance(OpenAIProvider.self, $0, $1, $2, log: hostLink.log) })
///
/// @c(gateway_plugin_entry)
/// public func gatewayPluginEntry(_ abi: UInt32, _ host: UnsafePointer<gw_host_api>?) -> UnsafePointer<gw_plugin_descriptor>? {
///     AdapterRuntime.entry(hostABI: abi, host: host, link: hostLink, descriptor: descriptor)
/// }
/// ```
///
/// AdapterKit is linked statically into each adapter, so it keeps no mutable global state of its own: the
/// only per-adapter state (the host table) lives in the adapter's ``HostLink``.
public enum AdapterRuntime {
    /// The C type of `create_instance`.
    public typealias CreateInstanceFn = @convention(c) (
        UnsafePointer<gw_instance_config>?, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<gw_error>?
    ) -> gw_status

    /// Builds the static descriptor (allocated once, never freed, as the ABI requires).
    public static func makeDescriptor(
        name: StaticString, version: StaticString, displayName: StaticString, defaultBaseURL: StaticString?,
        capabilities: Capabilities, createInstance: CreateInstanceFn
    ) -> UnsafePointer<gw_plugin_descriptor> {
        var d = gw_plugin_descriptor()
        d.struct_size = UInt32(MemoryLayout<gw_plugin_descriptor>.size)
        d.abi_version = UInt32(GW_ABI_MAJOR) << 16 | UInt32(GW_ABI_MINOR)
        // StaticString literals are NUL-terminated and live in the binary's read-only data for ever.
        d.name = UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
        d.version = UnsafeRawPointer(version.utf8Start).assumingMemoryBound(to: CChar.self)
        d.display_name = UnsafeRawPointer(displayName.utf8Start).assumingMemoryBound(to: CChar.self)
        d.default_base_url = defaultBaseURL.map { UnsafeRawPointer($0.utf8Start).assumingMemoryBound(to: CChar.self) }
        d.capabilities = capabilities.rawValue
        d.create_instance = createInstance
        d.destroy_instance = destroyInstanceThunk
        d.translate_request = translateRequestThunk
        d.translate_response = translateResponseThunk
        d.translate_error = translateErrorThunk
        d.create_stream = createStreamThunk
        d.feed_stream = feedStreamThunk
        d.finish_stream = finishStreamThunk
        d.destroy_stream = destroyStreamThunk
        let p = UnsafeMutablePointer<gw_plugin_descriptor>.allocate(capacity: 1)
        p.initialize(to: d)
        return UnsafePointer(p)
    }

    /// The body of `gateway_plugin_entry`: refuses other ABI majors, remembers the host table.
    public static func entry(
        hostABI: UInt32, host: UnsafePointer<gw_host_api>?, link: HostLink,
        descriptor: UnsafePointer<gw_plugin_descriptor>
    ) -> UnsafePointer<gw_plugin_descriptor>? {
        guard hostABI >> 16 == UInt32(GW_ABI_MAJOR) else { return nil }
        link.set(host)
        return descriptor
    }

    /// The body of an adapter's `create_instance` callback.
    public static func createInstance<P: ProviderAdapter>(
        _ type: P.Type, _ config: UnsafePointer<gw_instance_config>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
        _ err: UnsafeMutablePointer<gw_error>?, log: AdapterLog
    ) -> gw_status {
        guard let out else { return fail(.internalError("create_instance got a NULL out pointer"), err) }
        out.pointee = nil
        guard let config else { return fail(.config("create_instance got a NULL configuration"), err) }
        do throws(AdapterError) {
            let adapter = try P(config: InstanceConfig(config), log: log)
            let box = InstanceBox(adapter)
            out.pointee = OpaquePointer(Unmanaged.passRetained(box).toOpaque())
            return GWStatus.ok
        } catch {
            return fail(error, err)
        }
    }

    /// Fills `err` and returns the status.
    public static func fail(_ error: AdapterError, _ err: UnsafeMutablePointer<gw_error>?) -> gw_status {
        error.fill(err)
        return error.status
    }

    // MARK: - Boxes behind the opaque handles

    final class InstanceBox {
        let adapter: any ProviderAdapter
        init(_ adapter: any ProviderAdapter) { self.adapter = adapter }
    }

    final class StreamBox {
        let translator: any StreamTranslator
        /// The first failure; the stream is over after it (the header says a non-OK status ends the stream).
        var failure: AdapterError?
        init(_ translator: any StreamTranslator) { self.translator = translator }
    }

    static func instance(_ p: OpaquePointer?) -> InstanceBox? {
        guard let p else { return nil }
        return Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }

    static func stream(_ p: OpaquePointer?) -> StreamBox? {
        guard let p else { return nil }
        return Unmanaged<StreamBox>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }

    // MARK: - The shared C callbacks (non-capturing closures, so they convert to C function pointers)

    static let destroyInstanceThunk: @convention(c) (OpaquePointer?) -> Void = { p in
        guard let p else { return }
        Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(p)).release()
    }

    static let translateRequestThunk: @convention(c) (
        OpaquePointer?, UnsafePointer<gw_request>?, gw_emit_fn?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gw_error>?
    ) -> gw_status = { inst, req, emit, ctx, err in
        guard let box = instance(inst), let req, let emit else {
            return fail(.internalError("translate_request got a NULL argument"), err)
        }
        do throws(AdapterError) {
            try box.adapter.translateRequest(AdapterRequest(req), emit: Emitter(fn: emit, ctx: ctx))
            return GWStatus.ok
        } catch {
            return fail(error, err)
        }
    }

    static let translateResponseThunk: @convention(c) (
        OpaquePointer?, UnsafePointer<gw_request>?, UnsafePointer<gw_response>?, gw_emit_fn?, UnsafeMutableRawPointer?,
        UnsafeMutablePointer<gw_error>?
    ) -> gw_status = { inst, req, resp, emit, ctx, err in
        guard let box = instance(inst), let req, let resp, let emit else {
            return fail(.internalError("translate_response got a NULL argument"), err)
        }
        do throws(AdapterError) {
            try box.adapter.translateResponse(AdapterRequest(req), UpstreamResponse(resp), emit: Emitter(fn: emit, ctx: ctx))
            return GWStatus.ok
        } catch {
            return fail(error, err)
        }
    }

    static let translateErrorThunk: @convention(c) (
        OpaquePointer?, UnsafePointer<gw_request>?, UnsafePointer<gw_response>?, gw_emit_fn?, UnsafeMutableRawPointer?,
        UnsafeMutablePointer<gw_error>?
    ) -> gw_status = { inst, req, resp, emit, ctx, err in
        guard let box = instance(inst), let req, let resp, let emit else {
            return fail(.internalError("translate_error got a NULL argument"), err)
        }
        do throws(AdapterError) {
            try box.adapter.translateError(AdapterRequest(req), UpstreamResponse(resp), emit: Emitter(fn: emit, ctx: ctx))
            return GWStatus.ok
        } catch {
            return fail(error, err)
        }
    }

    static let createStreamThunk: @convention(c) (
        OpaquePointer?, UnsafePointer<gw_request>?, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<gw_error>?
    ) -> gw_status = { inst, req, out, err in
        guard let out else { return fail(.internalError("create_stream got a NULL out pointer"), err) }
        out.pointee = nil
        guard let box = instance(inst), let req else { return fail(.internalError("create_stream got a NULL argument"), err) }
        do throws(AdapterError) {
            let translator = try box.adapter.makeStream(AdapterRequest(req))
            out.pointee = OpaquePointer(Unmanaged.passRetained(StreamBox(translator)).toOpaque())
            return GWStatus.ok
        } catch {
            return fail(error, err)
        }
    }

    static let feedStreamThunk: @convention(c) (
        OpaquePointer?, gw_str, gw_emit_fn?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gw_error>?
    ) -> gw_status = { s, bytes, emit, ctx, err in
        guard let box = stream(s), let emit else { return fail(.internalError("feed_stream got a NULL argument"), err) }
        if let failure = box.failure { return fail(failure, err) }
        do throws(AdapterError) {
            try box.translator.feed(CInput.bytes(bytes), emit: Emitter(fn: emit, ctx: ctx))
            return GWStatus.ok
        } catch {
            box.failure = error
            return fail(error, err)
        }
    }

    static let finishStreamThunk: @convention(c) (
        OpaquePointer?, gw_emit_fn?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gw_error>?
    ) -> gw_status = { s, emit, ctx, err in
        guard let box = stream(s), let emit else { return fail(.internalError("finish_stream got a NULL argument"), err) }
        if let failure = box.failure { return fail(failure, err) }
        do throws(AdapterError) {
            try box.translator.finish(emit: Emitter(fn: emit, ctx: ctx))
            return GWStatus.ok
        } catch {
            box.failure = error
            return fail(error, err)
        }
    }

    static let destroyStreamThunk: @convention(c) (OpaquePointer?) -> Void = { p in
        guard let p else { return }
        Unmanaged<StreamBox>.fromOpaque(UnsafeRawPointer(p)).release()
    }
}

/// The `GW_CAP_*` bits.
public struct Capabilities: OptionSet, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let streaming = Capabilities(rawValue: UInt64(GW_CAP_STREAMING))
    public static let tools = Capabilities(rawValue: UInt64(GW_CAP_TOOLS))
    public static let reasoning = Capabilities(rawValue: UInt64(GW_CAP_REASONING))
    public static let vision = Capabilities(rawValue: UInt64(GW_CAP_VISION))
    public static let jsonMode = Capabilities(rawValue: UInt64(GW_CAP_JSON_MODE))
}

/// The host table an adapter received at entry. One per adapter (a module-level `let` in the adapter), because
/// AdapterKit itself must not hold global state.
public final class HostLink: Sendable {
    private let address = Atomic<UInt>(0)

    public init() {}

    func set(_ host: UnsafePointer<gw_host_api>?) {
        address.store(UInt(bitPattern: host), ordering: .releasing)
    }

    /// Logging through the current host table (a no-op before the entry function ran).
    public var log: AdapterLog {
        AdapterLog(host: UnsafePointer(bitPattern: address.load(ordering: .acquiring)))
    }
}
