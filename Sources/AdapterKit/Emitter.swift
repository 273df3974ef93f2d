import PluginAPI

/// Token counts for `GW_OUT_USAGE`; `nil` means "not reported" (-1 on the wire).
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int64?
    public var completionTokens: Int64?
    public var reasoningTokens: Int64?
    public var cachedTokens: Int64?

    public init(promptTokens: Int64? = nil, completionTokens: Int64? = nil, reasoningTokens: Int64? = nil, cachedTokens: Int64? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
        self.cachedTokens = cachedTokens
    }
}

/// The host's `gw_emit_fn` and its context, valid only during the call that received them.
///
/// Every method copies nothing itself: the host copies what it needs before the callback returns, so
/// values may point into temporary Swift storage. A non-zero answer from the host becomes
/// ``AdapterError/aborted``.
public struct Emitter {
    private let fn: gw_emit_fn
    private let ctx: UnsafeMutableRawPointer?

    public init(fn: gw_emit_fn, ctx: UnsafeMutableRawPointer?) {
        self.fn = fn
        self.ctx = ctx
    }

    /// Emits one raw output item. `name` and `value` are borrowed for the duration of the call.
    public func emit(
        _ kind: Int32, flags: UInt32 = 0, status: Int32 = 0,
        name: UnsafeRawBufferPointer? = nil, value: UnsafeRawBufferPointer? = nil,
        usage: UnsafePointer<gw_usage>? = nil
    ) throws(AdapterError) {
        var out = gw_output()
        out.struct_size = UInt32(MemoryLayout<gw_output>.size)
        out.kind = kind
        out.flags = flags
        out.status = status
        out.name = Emitter.gwStr(name)
        out.value = Emitter.gwStr(value)
        out.usage = usage
        let rc = withUnsafePointer(to: &out) { fn(ctx, $0) }
        if rc != 0 { throw AdapterError.aborted }
    }

    /// Emits one item whose value is `bytes`.
    public func emit(_ kind: Int32, bytes: [UInt8], flags: UInt32 = 0, status: Int32 = 0) throws(AdapterError) {
        let rc: Int32 = bytes.withUnsafeBytes { raw in emitRaw(kind, raw, flags, status) }
        if rc != 0 { throw AdapterError.aborted }
    }

    /// Emits one item whose value is the borrowed `bytes`.
    public func emit(_ kind: Int32, raw bytes: UnsafeRawBufferPointer, flags: UInt32 = 0, status: Int32 = 0) throws(AdapterError) {
        if emitRaw(kind, bytes, flags, status) != 0 { throw AdapterError.aborted }
    }

    private func emitRaw(_ kind: Int32, _ raw: UnsafeRawBufferPointer, _ flags: UInt32, _ status: Int32) -> Int32 {
        var out = gw_output()
        out.struct_size = UInt32(MemoryLayout<gw_output>.size)
        out.kind = kind
        out.flags = flags
        out.status = status
        out.value = Emitter.gwStr(raw)
        return withUnsafePointer(to: &out) { fn(ctx, $0) }
    }

    /// Emits one item whose value is the UTF-8 of `text`.
    public func emit(_ kind: Int32, text: String, flags: UInt32 = 0, status: Int32 = 0) throws(AdapterError) {
        try emit(kind, bytes: Array(text.utf8), flags: flags, status: status)
    }

    // MARK: translate_request

    /// `GW_OUT_HTTP_METHOD`.
    public func method(_ method: String) throws(AdapterError) { try emit(Int32(GW_OUT_HTTP_METHOD), text: method) }
    /// `GW_OUT_HTTP_PATH` (starts with '/').
    public func path(_ path: String) throws(AdapterError) { try emit(Int32(GW_OUT_HTTP_PATH), text: path) }
    /// `GW_OUT_HTTP_HEADER`.
    public func header(_ name: String, _ value: String) throws(AdapterError) {
        let n = Array(name.utf8), v = Array(value.utf8)
        var failed = false
        n.withUnsafeBytes { nb in
            v.withUnsafeBytes { vb in
                do { try emit(Int32(GW_OUT_HTTP_HEADER), name: nb, value: vb) } catch { failed = true }
            }
        }
        if failed { throw AdapterError.aborted }
    }
    /// `GW_OUT_BODY` (may repeat; the host concatenates).
    public func body(_ bytes: [UInt8]) throws(AdapterError) { try emit(Int32(GW_OUT_BODY), bytes: bytes) }
    /// `GW_OUT_BODY` from borrowed bytes (e.g. the unchanged request body).
    public func body(raw bytes: UnsafeRawBufferPointer) throws(AdapterError) { try emit(Int32(GW_OUT_BODY), raw: bytes) }

    // MARK: answers

    /// `GW_OUT_RESPONSE`: one complete `chat.completion` object.
    public func response(_ bytes: [UInt8]) throws(AdapterError) { try emit(Int32(GW_OUT_RESPONSE), bytes: bytes) }
    /// `GW_OUT_RESPONSE` from borrowed bytes (an upstream body forwarded unchanged).
    public func response(raw bytes: UnsafeRawBufferPointer) throws(AdapterError) { try emit(Int32(GW_OUT_RESPONSE), raw: bytes) }
    /// `GW_OUT_CHUNK`: one `chat.completion.chunk` object without SSE framing.
    public func chunk(_ bytes: [UInt8], usageOnly: Bool = false) throws(AdapterError) {
        try emit(Int32(GW_OUT_CHUNK), bytes: bytes, flags: usageOnly ? UInt32(GW_CHUNK_USAGE_ONLY) : 0)
    }
    /// `GW_OUT_CHUNK` from borrowed bytes (an upstream `data:` payload forwarded unchanged).
    public func chunk(raw bytes: UnsafeRawBufferPointer, usageOnly: Bool = false) throws(AdapterError) {
        try emit(Int32(GW_OUT_CHUNK), raw: bytes, flags: usageOnly ? UInt32(GW_CHUNK_USAGE_ONLY) : 0)
    }
    /// `GW_OUT_MODEL`.
    public func model(_ name: String) throws(AdapterError) { try emit(Int32(GW_OUT_MODEL), text: name) }
    /// `GW_OUT_FINISH`.
    public func finish(_ reason: String) throws(AdapterError) { try emit(Int32(GW_OUT_FINISH), text: reason) }
    /// `GW_OUT_ERROR`: the client status and an OpenAI error body.
    public func error(status: Int, body: [UInt8], noRetry: Bool = false) throws(AdapterError) {
        let clamped = Int32(clamping: status)
        try emit(Int32(GW_OUT_ERROR), bytes: body, flags: noRetry ? UInt32(GW_ERROR_NO_RETRY) : 0, status: clamped)
    }
    /// `GW_OUT_ERROR` from an ``OpenAIErrorBody``.
    public func error(_ error: OpenAIErrorBody) throws(AdapterError) {
        try self.error(status: error.status, body: error.encoded(), noRetry: error.noRetry)
    }
    /// `GW_OUT_ERROR` with a borrowed body (an upstream error forwarded unchanged).
    public func error(status: Int, raw body: UnsafeRawBufferPointer, noRetry: Bool = false) throws(AdapterError) {
        try emit(Int32(GW_OUT_ERROR), raw: body, flags: noRetry ? UInt32(GW_ERROR_NO_RETRY) : 0, status: Int32(clamping: status))
    }
    /// `GW_OUT_USAGE`.
    public func usage(_ usage: Usage) throws(AdapterError) {
        var u = gw_usage()
        u.struct_size = UInt32(MemoryLayout<gw_usage>.size)
        u.prompt_tokens = usage.promptTokens ?? -1
        u.completion_tokens = usage.completionTokens ?? -1
        u.reasoning_tokens = usage.reasoningTokens ?? -1
        u.cached_tokens = usage.cachedTokens ?? -1
        var failed = false
        withUnsafePointer(to: &u) { p in
            do { try emit(Int32(GW_OUT_USAGE), usage: p) } catch { failed = true }
        }
        if failed { throw AdapterError.aborted }
    }

    static func gwStr(_ raw: UnsafeRawBufferPointer?) -> gw_str {
        guard let raw, let base = raw.baseAddress, raw.count > 0 else { return gw_str(ptr: nil, len: 0) }
        return gw_str(ptr: base.assumingMemoryBound(to: CChar.self), len: raw.count)
    }
}
