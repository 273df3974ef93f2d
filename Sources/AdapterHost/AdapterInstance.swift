import NIOCore
import PluginAPI

/// One configured provider instance inside an adapter. Calls copy everything the adapter emits.
///
/// - Important: the ABI makes `translate_*` and `create_stream` reentrant, so an instance may be used from
///   many tasks at once (`@unchecked Sendable` because it holds the adapter's opaque pointer). It keeps its
///   ``LoadedAdapter`` alive and calls `destroy_instance` exactly once, in `deinit`; every ``AdapterStream``
///   keeps its instance alive, so no stream outlives its instance.
public final class AdapterInstance: @unchecked Sendable {
    public let adapter: LoadedAdapter
    package let pointer: OpaquePointer

    init(adapter: LoadedAdapter, pointer: OpaquePointer) {
        self.adapter = adapter
        self.pointer = pointer
        adapter.instanceCreated()
    }

    deinit {
        adapter.callbacks.destroyInstance(pointer)
        adapter.instanceDestroyed()
    }

    /// Runs `body` with a borrowed `gw_request` for `request`.
    func withRequest<R>(_ request: UnifiedRequest, _ body: (UnsafePointer<gw_request>) -> R) -> R {
        var model = request.model, id = request.requestID
        var flags: UInt32 = 0
        if request.stream { flags |= UInt32(GW_REQ_STREAM) }
        if request.includeUsage { flags |= UInt32(GW_REQ_INCLUDE_USAGE) }
        return request.body.withUnsafeReadableBytes { bodyBytes in
            model.withUTF8 { m in
                id.withUTF8 { i in
                    var r = gw_request(
                        struct_size: UInt32(MemoryLayout<gw_request>.size), flags: flags,
                        model: gwStr(m), body_json: gwStr(bodyBytes), request_id: gwStr(i))
                    return body(&r)
                }
            }
        }
    }

    /// Runs `body` with a borrowed `gw_response`.
    func withResponse<R>(status: Int, contentType: String, body: ByteBuffer, _ f: (UnsafePointer<gw_response>) -> R) -> R {
        var type = contentType
        return body.withUnsafeReadableBytes { b in
            type.withUTF8 { t in
                var r = gw_response(struct_size: UInt32(MemoryLayout<gw_response>.size), status: Int32(clamping: status),
                                    content_type: gwStr(t), body: gwStr(b))
                return f(&r)
            }
        }
    }

    func collector(_ call: OutputCollector.Call) -> OutputCollector {
        OutputCollector(call: call, adapterName: adapter.name, log: adapter.log)
    }

    /// Checks the outcome of a call: the host's own finding (a broken ABI rule) wins over the adapter's status.
    func check(_ status: gw_status, _ error: inout gw_error, _ collector: OutputCollector) throws(AdapterCallError) {
        if let violation = collector.violation {
            adapter.log(.error, violation)
            throw AdapterCallError(status: AdapterCallError.internalStatus, message: violation)
        }
        guard status == gw_status(GW_OK) else {
            throw AdapterCallError(status: status, message: adapter.errorMessage(&error, call: collector.call.rawValue, status: status))
        }
    }

    /// Unified request -> upstream HTTP request.
    /// - Throws: ``AdapterCallError``: `GW_ERR_INVALID_REQUEST`/`GW_ERR_UNSUPPORTED` mean the client's request
    ///   cannot go to this provider (400); other statuses are the adapter's or the host's fault.
    public func translateRequest(_ request: UnifiedRequest) throws(AdapterCallError) -> UpstreamRequest {
        let c = collector(.translateRequest)
        var error = gw_error()
        let status = withRequest(request) { r in
            c.withEmit { fn, ctx in adapter.callbacks.translateRequest(pointer, r, fn, ctx, &error) }
        }
        try check(status, &error, c)
        guard let path = c.path else {
            throw AdapterCallError(status: AdapterCallError.internalStatus, message: "adapter \(adapter.name) emitted no HTTP path")
        }
        return UpstreamRequest(method: c.method ?? "POST", path: path, headers: c.headers,
                               body: c.body ?? ByteBuffer())
    }

    /// Upstream 2xx non-stream answer -> client answer (or an error, for providers that send errors with 2xx).
    /// - Throws: ``AdapterCallError``, typically `GW_ERR_UPSTREAM_FORMAT` when the body is not a valid answer.
    public func translateResponse(
        _ request: UnifiedRequest, status: Int, contentType: String, body: ByteBuffer
    ) throws(AdapterCallError) -> TranslatedResponse {
        let c = collector(.translateResponse)
        var error = gw_error()
        let rc = withRequest(request) { r in
            withResponse(status: status, contentType: contentType, body: body) { resp in
                c.withEmit { fn, ctx in adapter.callbacks.translateResponse(pointer, r, resp, fn, ctx, &error) }
            }
        }
        try check(rc, &error, c)
        if c.response != nil, c.error != nil {
            throw AdapterCallError(status: AdapterCallError.internalStatus,
                                   message: "adapter \(adapter.name) emitted both GW_OUT_RESPONSE and GW_OUT_ERROR")
        }
        guard c.response != nil || c.error != nil else {
            throw AdapterCallError(status: AdapterCallError.internalStatus,
                                   message: "adapter \(adapter.name) emitted no GW_OUT_RESPONSE")
        }
        return TranslatedResponse(body: c.response, error: c.error, usage: c.usage, model: c.model, finishReason: c.finishReason)
    }

    /// Upstream non-2xx answer -> the error the client sees. Never throws: when the adapter fails or emits no
    /// error, the result is a 502 `upstream_error` ("upstream returned HTTP <status>").
    public func translateError(_ request: UnifiedRequest, status: Int, contentType: String, body: ByteBuffer) -> AdapterErrorOutput {
        switch translateErrorStrictly(request, status: status, contentType: contentType, body: body) {
        case .success(let out):
            return out
        case .failure(let error):
            adapter.log(.warning, "translate_error of adapter \(adapter.name) failed (\(error)); sending a generic 502")
            return AdapterInstance.fallbackError(upstreamStatus: status)
        }
    }

    /// ``translateError(_:status:contentType:body:)`` without the fallback: the adapter's own failure, or an
    /// error when it emitted no `GW_OUT_ERROR` (the conformance checker wants to see those).
    package func translateErrorStrictly(
        _ request: UnifiedRequest, status: Int, contentType: String, body: ByteBuffer
    ) -> Result<AdapterErrorOutput, AdapterCallError> {
        let c = collector(.translateError)
        var error = gw_error()
        let rc = withRequest(request) { r in
            withResponse(status: status, contentType: contentType, body: body) { resp in
                c.withEmit { fn, ctx in adapter.callbacks.translateError(pointer, r, resp, fn, ctx, &error) }
            }
        }
        do throws(AdapterCallError) {
            try check(rc, &error, c)
        } catch {
            return .failure(error)
        }
        guard let out = c.error else {
            return .failure(AdapterCallError(
                status: AdapterCallError.internalStatus, message: "adapter \(adapter.name) emitted no GW_OUT_ERROR for HTTP \(status)"))
        }
        if c.errorCount > 1 {
            adapter.log(.warning, "adapter \(adapter.name) emitted \(c.errorCount) GW_OUT_ERROR items; the first one is used")
        }
        return .success(out)
    }

    /// The 502 used when an adapter cannot explain an upstream error.
    static func fallbackError(upstreamStatus: Int) -> AdapterErrorOutput {
        let body = #"{"error":{"message":"upstream returned HTTP \#(upstreamStatus)","type":"upstream_error","param":null,"code":"upstream_error"}}"#
        return AdapterErrorOutput(status: 502, body: ByteBuffer(string: body), noRetry: false)
    }

    /// Starts translating one streamed answer.
    public func makeStream(_ request: UnifiedRequest) throws(AdapterCallError) -> AdapterStream {
        var error = gw_error()
        var out: OpaquePointer?
        let status = withRequest(request) { r in adapter.callbacks.createStream(pointer, r, &out, &error) }
        guard status == gw_status(GW_OK) else {
            throw AdapterCallError(status: status, message: adapter.errorMessage(&error, call: "create_stream", status: status))
        }
        guard let out else {
            throw AdapterCallError(
                status: AdapterCallError.internalStatus,
                message: "adapter \(adapter.name) returned GW_OK from create_stream but no stream")
        }
        return AdapterStream(instance: self, pointer: out)
    }
}
