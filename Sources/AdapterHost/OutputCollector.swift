import NIOCore
import PluginAPI

/// Receives the `gw_output` items of one adapter call through ``emitThunk`` and copies them into Swift values
/// before the callback returns (the ABI's ownership rule).
///
/// It trusts nothing: fields outside the item's `struct_size` count as absent, a NULL pointer with a length is
/// refused, and the total size is capped so a runaway adapter cannot exhaust memory. A broken rule is
/// recorded in ``violation`` and answered with a non-zero return (the adapter then stops with
/// `GW_ERR_ABORTED`); the caller turns it into an ``AdapterCallError``.
final class OutputCollector {
    enum Call: String {
        case translateRequest = "translate_request"
        case translateResponse = "translate_response"
        case translateError = "translate_error"
        case feedStream = "feed_stream"
        case finishStream = "finish_stream"
    }

    /// Default output budget of one call.
    static let defaultLimit = 64 << 20

    let call: Call
    let adapterName: String
    let log: @Sendable (AdapterLogLevel, String) -> Void
    private var remaining: Int
    private(set) var violation: String?
    private var warnedKinds: Set<Int32> = []

    // translate_request
    var method: String?
    var path: String?
    var headers: [(name: String, value: String)] = []
    var body: ByteBuffer?
    // answers
    var response: ByteBuffer?
    var error: AdapterErrorOutput?
    var errorCount = 0
    var usage: TokenUsage?
    var model: String?
    var finishReason: String?
    // streams
    var events: [StreamEvent] = []

    private let allocator = ByteBufferAllocator()

    init(call: Call, adapterName: String, limit: Int = OutputCollector.defaultLimit,
         log: @escaping @Sendable (AdapterLogLevel, String) -> Void) {
        self.call = call
        self.adapterName = adapterName
        self.remaining = limit
        self.log = log
    }

    /// Runs `body` with the emit callback and context for this collector.
    func withEmit<R>(_ body: (gw_emit_fn, UnsafeMutableRawPointer) -> R) -> R {
        withExtendedLifetime(self) {
            body(emitThunk, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    private func refuse(_ message: String) -> Int32 {
        if violation == nil { violation = message }
        return 1
    }

    /// Reads a borrowed gw_str into bytes, charging the budget. nil after recording a violation.
    private func bytes(_ s: gw_str, what: String) -> UnsafeRawBufferPointer? {
        if s.len == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        guard let p = s.ptr else {
            _ = refuse("adapter \(adapterName) emitted a NULL \(what) with length \(s.len) in \(call.rawValue)")
            return nil
        }
        guard s.len <= remaining else {
            _ = refuse("adapter \(adapterName) emitted more than \(OutputCollector.defaultLimit >> 20) MiB in one \(call.rawValue) call")
            return nil
        }
        remaining -= s.len
        return UnsafeRawBufferPointer(start: p, count: s.len)
    }

    private func buffer(_ raw: UnsafeRawBufferPointer) -> ByteBuffer {
        var b = allocator.buffer(capacity: raw.count)
        b.writeBytes(raw)
        return b
    }

    private func text(_ s: gw_str, what: String, max: Int) -> String? {
        guard let raw = bytes(s, what: what) else { return nil }
        guard raw.count <= max else {
            _ = refuse("adapter \(adapterName) emitted a \(what) longer than \(max) bytes in \(call.rawValue)")
            return nil
        }
        return String(decoding: raw, as: UTF8.self)
    }

    private func ignore(_ kind: Int32) {
        if warnedKinds.insert(kind).inserted {
            log(.warning, "adapter \(adapterName) emitted output kind \(kind) during \(call.rawValue); ignored")
        }
    }

    /// Handles one item; returns 0 to continue, non-zero to make the adapter stop.
    func accept(_ out: UnsafePointer<gw_output>?) -> Int32 {
        if violation != nil { return 1 }
        guard let out else { return refuse("adapter \(adapterName) emitted a NULL gw_output in \(call.rawValue)") }
        guard Int(bitPattern: out) % MemoryLayout<gw_output>.alignment == 0 else {
            return refuse("adapter \(adapterName) emitted a misaligned gw_output in \(call.rawValue)")
        }
        let size = Int(UnsafeRawPointer(out).load(as: UInt32.self))
        guard size >= 8 else { return refuse("adapter \(adapterName) emitted a gw_output with struct_size \(size)") }
        // Only fields inside struct_size are read; the rest count as absent (zero / NULL).
        let raw = UnsafeRawPointer(out)
        func load<T>(_ field: KeyPath<gw_output, T>, _ empty: T) -> T {
            guard let offset = MemoryLayout<gw_output>.offset(of: field),
                  offset + MemoryLayout<T>.size <= size else { return empty }
            return raw.load(fromByteOffset: offset, as: T.self)
        }
        let kind = load(\.kind, 0)
        let flags = load(\.flags, 0)
        let status = load(\.status, 0)
        let name = load(\.name, gw_str(ptr: nil, len: 0))
        let value = load(\.value, gw_str(ptr: nil, len: 0))
        let usagePtr = load(\.usage, nil)

        switch (call, Int(kind)) {
        case (.translateRequest, Int(GW_OUT_HTTP_METHOD)):
            guard let m = text(value, what: "HTTP method", max: 32) else { return 1 }
            guard !m.isEmpty, m.utf8.allSatisfy(Self.isTokenByte) else {
                return refuse("adapter \(adapterName) emitted an invalid HTTP method")
            }
            method = m
        case (.translateRequest, Int(GW_OUT_HTTP_PATH)):
            guard let p = text(value, what: "HTTP path", max: 16 << 10) else { return 1 }
            guard p.first == "/", p.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
                return refuse("adapter \(adapterName) emitted an invalid HTTP path "
                    + "(it must start with '/' and contain no spaces or control characters)")
            }
            path = p
        case (.translateRequest, Int(GW_OUT_HTTP_HEADER)):
            guard let n = text(name, what: "header name", max: 256), let v = text(value, what: "header value", max: 64 << 10) else { return 1 }
            guard !n.isEmpty, n.utf8.allSatisfy(Self.isTokenByte) else {
                return refuse("adapter \(adapterName) emitted an invalid header name")
            }
            guard v.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return refuse("adapter \(adapterName) emitted header \(n) with control characters in its value")
            }
            headers.append((name: n, value: v))
        case (.translateRequest, Int(GW_OUT_BODY)):
            guard let raw = bytes(value, what: "body") else { return 1 }
            if body == nil { body = allocator.buffer(capacity: raw.count) }
            body?.writeBytes(raw)

        case (.translateResponse, Int(GW_OUT_RESPONSE)):
            guard response == nil else { return refuse("adapter \(adapterName) emitted more than one GW_OUT_RESPONSE") }
            guard let raw = bytes(value, what: "response") else { return 1 }
            response = buffer(raw)
        case (.translateResponse, Int(GW_OUT_ERROR)), (.translateError, Int(GW_OUT_ERROR)):
            errorCount += 1
            guard let raw = bytes(value, what: "error body") else { return 1 }
            if error == nil {
                error = AdapterErrorOutput(status: Self.clientStatus(status), body: buffer(raw),
                                           noRetry: flags & UInt32(GW_ERROR_NO_RETRY) != 0)
            }
        case (.translateResponse, Int(GW_OUT_USAGE)), (.translateError, Int(GW_OUT_USAGE)):
            usage = Self.usage(usagePtr) ?? usage
        case (.translateResponse, Int(GW_OUT_MODEL)), (.translateError, Int(GW_OUT_MODEL)):
            guard let m = text(value, what: "model", max: 1024) else { return 1 }
            model = m
        case (.translateResponse, Int(GW_OUT_FINISH)), (.translateError, Int(GW_OUT_FINISH)):
            guard let f = text(value, what: "finish reason", max: 256) else { return 1 }
            finishReason = f

        case (.feedStream, Int(GW_OUT_CHUNK)), (.finishStream, Int(GW_OUT_CHUNK)):
            guard let raw = bytes(value, what: "chunk") else { return 1 }
            events.append(.chunk(buffer(raw), usageOnly: flags & UInt32(GW_CHUNK_USAGE_ONLY) != 0))
        case (.feedStream, Int(GW_OUT_USAGE)), (.finishStream, Int(GW_OUT_USAGE)):
            if let u = Self.usage(usagePtr) { events.append(.usage(u)) }
        case (.feedStream, Int(GW_OUT_MODEL)), (.finishStream, Int(GW_OUT_MODEL)):
            guard let m = text(value, what: "model", max: 1024) else { return 1 }
            events.append(.model(m))
        case (.feedStream, Int(GW_OUT_FINISH)), (.finishStream, Int(GW_OUT_FINISH)):
            guard let f = text(value, what: "finish reason", max: 256) else { return 1 }
            events.append(.finish(f))
        case (.feedStream, Int(GW_OUT_ERROR)), (.finishStream, Int(GW_OUT_ERROR)):
            guard let raw = bytes(value, what: "error body") else { return 1 }
            events.append(.error(AdapterErrorOutput(status: Self.clientStatus(status), body: buffer(raw),
                                                    noRetry: flags & UInt32(GW_ERROR_NO_RETRY) != 0)))
        default:
            // Kinds of later ABI minors, or kinds that do not belong to this call: ignored, as the ABI's
            // "treat the rest as absent" rule suggests.
            ignore(kind)
        }
        return 0
    }

    /// An error status for the client: 400...599, anything else becomes 502.
    static func clientStatus(_ status: Int32) -> Int {
        (400...599).contains(Int(status)) ? Int(status) : 502
    }

    static func usage(_ p: UnsafePointer<gw_usage>?) -> TokenUsage? {
        guard let p, Int(bitPattern: p) % MemoryLayout<gw_usage>.alignment == 0 else { return nil }
        let size = Int(UnsafeRawPointer(p).load(as: UInt32.self))
        func field(_ key: KeyPath<gw_usage, Int64>) -> Int64? {
            guard let offset = MemoryLayout<gw_usage>.offset(of: key), offset + 8 <= size else { return nil }
            let v = UnsafeRawPointer(p).load(fromByteOffset: offset, as: Int64.self)
            return v >= 0 ? v : nil
        }
        return TokenUsage(promptTokens: field(\.prompt_tokens), completionTokens: field(\.completion_tokens),
                          reasoningTokens: field(\.reasoning_tokens), cachedTokens: field(\.cached_tokens))
    }

    /// RFC 9110 token characters (header names, methods).
    static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(c)
        }
    }
}

/// The C emit callback handed to adapters; `emit_ctx` is an unretained ``OutputCollector`` owned by the
/// calling frame.
let emitThunk: gw_emit_fn = { ctx, out in
    guard let ctx else { return 1 }
    return Unmanaged<OutputCollector>.fromOpaque(ctx).takeUnretainedValue().accept(out)
}
