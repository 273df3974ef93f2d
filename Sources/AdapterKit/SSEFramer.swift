/// An incremental Server-Sent Events parser (the WHATWG `text/event-stream` rules) that accepts bytes in
/// arbitrary splits: one byte at a time or megabytes at once, with events, lines, `\r\n` pairs and UTF-8
/// sequences cut anywhere.
///
/// - Lines end with `\n`, `\r\n` or `\r`; a blank line ends an event (so `\n\n`, `\r\n\r\n` and `\r\r` all work).
/// - `data:` lines are joined with `\n`; `event:` sets the event name; `id:` and `retry:` are kept/ignored.
/// - A line starting with `:` is a comment; it is reported as ``Item/comment(_:)`` (DeepSeek's `: keep-alive`).
/// - A block without any `data:` line dispatches nothing (as in browsers).
/// - Memory is bounded: one event (its pending line plus its data) may not exceed `maximumEventSize`.
///
/// The state lives in a `struct`; the caller owns it, so it is safe to use from any thread as long as one
/// thread at a time uses it (the `gw_stream` contract).
public struct SSEFramer: Sendable {
    /// One complete SSE event.
    public struct Event: Sendable, Equatable {
        /// The `event:` name, or nil when absent.
        public var name: String?
        /// The `data:` lines joined with `\n` (no trailing newline).
        public var data: [UInt8]
        /// The last `id:` value of the event, or nil.
        public var id: String?
        /// False only for the final event returned by ``finish(into:)`` that was not closed by a blank line.
        public var terminated: Bool

        public init(name: String? = nil, data: [UInt8], id: String? = nil, terminated: Bool = true) {
            self.name = name
            self.data = data
            self.id = id
            self.terminated = terminated
        }
    }

    /// What the framer reports.
    public enum Item: Sendable, Equatable {
        case event(Event)
        /// A comment line, without the leading ':' (and without one following space).
        case comment([UInt8])
    }

    /// The framer refuses an event larger than ``maximumEventSize``.
    public struct TooLarge: Error, Sendable, CustomStringConvertible {
        public let limit: Int
        public var description: String { "an SSE event exceeds \(limit) bytes" }
    }

    /// 16 MiB by default.
    public static let defaultMaximumEventSize = 16 << 20

    public let maximumEventSize: Int

    /// Bytes of the current, not yet terminated line.
    private var line: [UInt8] = []
    /// True after a `\r` line end: a `\n` right after it belongs to the same line end.
    private var skipLF = false
    /// Set when the first bytes have been looked at (a leading UTF-8 BOM is dropped).
    private var started = false
    private var bomCandidate: [UInt8] = []
    /// The event being assembled.
    private var data: [UInt8] = []
    private var sawData = false
    private var name: String?
    private var id: String?

    public init(maximumEventSize: Int = SSEFramer.defaultMaximumEventSize) {
        self.maximumEventSize = max(1, maximumEventSize)
    }

    /// Whether bytes of an unfinished event are buffered (an unterminated line, or lines without the closing
    /// blank line).
    public var hasPendingData: Bool { !line.isEmpty || sawData || name != nil || !bomCandidate.isEmpty }

    /// Consumes `bytes` and appends every item that became complete to `items`.
    /// - Throws: ``TooLarge`` when an event grows past ``maximumEventSize``; the framer should then be dropped.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into items: inout [Item]) throws(TooLarge) {
        var i = 0
        let n = bytes.count
        if !started {
            // Drop a UTF-8 byte order mark at the very start of the stream, which may itself arrive split.
            while i < n, bomCandidate.count < 3 {
                let expected: [UInt8] = [0xEF, 0xBB, 0xBF]
                if bytes[i] == expected[bomCandidate.count] {
                    bomCandidate.append(bytes[i])
                    i += 1
                } else {
                    break
                }
            }
            if bomCandidate.count == 3 {
                started = true
                bomCandidate = []
            } else if i < n {
                // Not a BOM after all: the bytes we held back are ordinary content.
                started = true
                let held = bomCandidate
                bomCandidate = []
                for b in held { try consume(b, into: &items) }
            } else {
                return
            }
        }
        // Fast path: copy runs of ordinary bytes into `line` in one go.
        while i < n {
            let c = bytes[i]
            if c == 0x0A || c == 0x0D {
                try consume(c, into: &items)
                i += 1
                continue
            }
            skipLF = false
            var j = i
            while j < n, bytes[j] != 0x0A, bytes[j] != 0x0D { j += 1 }
            line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
            try checkSize()
            i = j
        }
    }

    /// Convenience for byte arrays.
    public mutating func feed(_ bytes: [UInt8], into items: inout [Item]) throws(TooLarge) {
        var failure: TooLarge?
        bytes.withUnsafeBytes { raw in
            do throws(TooLarge) { try feed(raw, into: &items) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The body ended. A final unterminated line is processed, and an event left without its closing blank
    /// line is returned with `terminated == false`, so the caller can decide whether to trust it.
    public mutating func finish(into items: inout [Item]) {
        if !bomCandidate.isEmpty {
            line.append(contentsOf: bomCandidate)
            bomCandidate = []
        }
        if !line.isEmpty { processLine(into: &items) }
        if sawData {
            items.append(.event(Event(name: name, data: data, id: id, terminated: false)))
        }
        resetEvent()
        line = []
        skipLF = false
    }

    private mutating func consume(_ c: UInt8, into items: inout [Item]) throws(TooLarge) {
        switch c {
        case 0x0A:
            if skipLF {
                skipLF = false
                return
            }
            endLine(into: &items)
        case 0x0D:
            endLine(into: &items)
            skipLF = true
        default:
            skipLF = false
            line.append(c)
            try checkSize()
        }
    }

    private func checkSize() throws(TooLarge) {
        if line.count + data.count > maximumEventSize { throw TooLarge(limit: maximumEventSize) }
    }

    private mutating func endLine(into items: inout [Item]) {
        if line.isEmpty {
            dispatch(into: &items)
        } else {
            processLine(into: &items)
            line.removeAll(keepingCapacity: true)
        }
    }

    private mutating func dispatch(into items: inout [Item]) {
        if sawData {
            items.append(.event(Event(name: name, data: data, id: id, terminated: true)))
        }
        resetEvent()
    }

    private mutating func resetEvent() {
        data.removeAll(keepingCapacity: false)
        sawData = false
        name = nil
        // The last event id persists across events in the SSE model; keep it.
    }

    private mutating func processLine(into items: inout [Item]) {
        if line.first == UInt8(ascii: ":") {
            var start = 1
            if line.count > 1, line[1] == 0x20 { start = 2 }
            items.append(.comment(Array(line[start...])))
            return
        }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let field = line[0..<colon]
        let value = line[valueStart...]
        if field.elementsEqual("data".utf8) {
            if sawData { data.append(0x0A) }
            data.append(contentsOf: value)
            sawData = true
        } else if field.elementsEqual("event".utf8) {
            name = String(decoding: value, as: UTF8.self)
        } else if field.elementsEqual("id".utf8) {
            if !value.contains(0) { id = String(decoding: value, as: UTF8.self) }
        }
        // "retry" and unknown fields are ignored, as the SSE rules say.
    }
}
