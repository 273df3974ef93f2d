import NIOCore
import PluginAPI

/// One streamed answer being translated. Feed it the upstream body as it arrives, then call ``finish(into:)``.
///
/// - Important: used by one task at a time (the ABI's "externally synchronised" rule); consecutive calls may
///   come from different threads. `destroy_stream` runs exactly once, in `deinit`, whether the stream
///   finished, failed or was abandoned (client disconnect). After a failed call the stream is over: later
///   calls throw the same error without calling the adapter.
public final class AdapterStream {
    public let instance: AdapterInstance
    private let pointer: OpaquePointer
    private enum State {
        case open
        case finished
        case failed(AdapterCallError)
    }
    private var state = State.open

    init(instance: AdapterInstance, pointer: OpaquePointer) {
        self.instance = instance
        self.pointer = pointer
    }

    deinit {
        instance.adapter.callbacks.destroyStream(pointer)
    }

    /// Feeds upstream bytes (any split) and appends the resulting events to `events`.
    /// - Throws: ``AdapterCallError`` when the adapter rejects the bytes (usually `GW_ERR_UPSTREAM_FORMAT`);
    ///   events emitted before the failure are still appended.
    public func feed(_ bytes: ByteBuffer, into events: inout [StreamEvent]) throws(AdapterCallError) {
        switch state {
        case .failed(let error): throw error
        case .finished:
            throw AdapterCallError(status: AdapterCallError.internalStatus, message: "feed after finish")
        case .open: break
        }
        if bytes.readableBytes == 0 { return }
        let c = instance.collector(.feedStream)
        var error = gw_error()
        let status = bytes.withUnsafeReadableBytes { raw in
            c.withEmit { fn, ctx in instance.adapter.callbacks.feedStream(pointer, gwStr(raw), fn, ctx, &error) }
        }
        events.append(contentsOf: c.events)
        do throws(AdapterCallError) {
            try instance.check(status, &error, c)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// The upstream body ended: flushes the adapter and appends the last events.
    /// - Throws: ``AdapterCallError`` when the adapter says the stream was cut short (`GW_ERR_UPSTREAM_FORMAT`)
    ///   or another failure. Calling it again after success does nothing.
    public func finish(into events: inout [StreamEvent]) throws(AdapterCallError) {
        switch state {
        case .failed(let error): throw error
        case .finished: return
        case .open: break
        }
        let c = instance.collector(.finishStream)
        var error = gw_error()
        let status = c.withEmit { fn, ctx in instance.adapter.callbacks.finishStream(pointer, fn, ctx, &error) }
        events.append(contentsOf: c.events)
        do throws(AdapterCallError) {
            try instance.check(status, &error, c)
            state = .finished
        } catch {
            state = .failed(error)
            throw error
        }
    }
}
