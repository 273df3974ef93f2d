import AdapterHost
import JSONCore
import NIOCore

/// One streamed answer run through a fresh `gw_stream`: created, fed `pieces`, finished, destroyed.
struct StreamRun {
    var events: [StreamEvent] = []
    var createError: AdapterCallError?
    var feedError: AdapterCallError?
    var finishError: AdapterCallError?
    /// Bytes fed before the first event that carried a finish reason (GW_OUT_FINISH or a chunk's finish_reason).
    var finishOffset: Int?
    var bytesFed = 0

    init(_ instance: AdapterInstance, _ request: UnifiedRequest, pieces: [ArraySlice<UInt8>], watchFinish: Bool = false) {
        let stream: AdapterStream
        do throws(AdapterCallError) {
            stream = try instance.makeStream(request)
        } catch {
            createError = error
            return
        }
        for piece in pieces {
            let before = events.count
            do throws(AdapterCallError) {
                try stream.feed(ByteBuffer(bytes: piece), into: &events)
            } catch {
                feedError = error
                return
            }
            bytesFed += piece.count
            if watchFinish, finishOffset == nil, events[before...].contains(where: StreamRun.carriesFinish) {
                finishOffset = bytesFed
            }
        }
        do throws(AdapterCallError) {
            try stream.finish(into: &events)
        } catch {
            finishError = error
        }
    }

    static func carriesFinish(_ event: StreamEvent) -> Bool {
        switch event {
        case .finish: return true
        case .chunk(let bytes, _): return OpenAIShapes.delta(ofChunk: Array(bytes.readableBytesView)).finishReason != nil
        default: return false
        }
    }

    /// The run ended with an error status or an error event.
    var endedInError: Bool {
        createError != nil || feedError != nil || finishError != nil || events.contains { if case .error = $0 { return true } else { return false } }
    }

    /// The first failure, as text.
    var failure: String? {
        if let createError { return "create_stream: \(createError)" }
        if let feedError { return "feed_stream: \(feedError)" }
        if let finishError { return "finish_stream: \(finishError)" }
        return nil
    }

    var chunks: [(bytes: [UInt8], usageOnly: Bool)] {
        events.compactMap { if case .chunk(let b, let u) = $0 { return (Array(b.readableBytesView), u) } else { return nil } }
    }
    var usages: [TokenUsage] { events.compactMap { if case .usage(let u) = $0 { return u } else { return nil } } }
    var finishes: [String] { events.compactMap { if case .finish(let f) = $0 { return f } else { return nil } } }
    var errors: [AdapterErrorOutput] { events.compactMap { if case .error(let e) = $0 { return e } else { return nil } } }

    /// The text of the first choice, concatenated.
    var content: String { chunks.filter { !$0.usageOnly }.map { OpenAIShapes.delta(ofChunk: $0.bytes).content }.joined() }

    /// A comparable rendering of the run. Chunks are compared byte for byte except their top-level `created`
    /// (a timestamp: two runs may straddle a second).
    var signature: [String] {
        var out = events.map { event -> String in
            switch event {
            case .chunk(let bytes, let usageOnly):
                return "chunk\(usageOnly ? "[usage-only]" : ""): " + StreamRun.normalized(Array(bytes.readableBytesView))
            case .usage(let u): return "usage: \(u.promptTokens ?? -1)/\(u.completionTokens ?? -1)/\(u.reasoningTokens ?? -1)/\(u.cachedTokens ?? -1)"
            case .model(let m): return "model: \(m)"
            case .finish(let f): return "finish: \(f)"
            case .error(let e): return "error \(e.status)\(e.noRetry ? " no-retry" : ""): \(String(buffer: e.body))"
            }
        }
        if let failure { out.append("status: \(failure)") }
        return out
    }

    static func normalized(_ chunk: [UInt8]) -> String {
        guard case .object(var o)? = try? JSONValue.parse(chunk) else { return String(decoding: chunk, as: UTF8.self) }
        if o.contains("created") { o["created"] = .int(0) }
        return String(decoding: o.serialized(), as: UTF8.self)
    }

    /// Where two signatures first differ, for a report line.
    static func difference(_ a: [String], _ b: [String]) -> String {
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : "(nothing)", y = i < b.count ? b[i] : "(nothing)"
            if x != y {
                return "event \(i + 1) differs: whole gave \(AdapterChecker.clip(x, 120)) but split gave \(AdapterChecker.clip(y, 120))"
            }
        }
        return "identical"
    }
}

/// Ways to cut a body into pieces, as a network may.
enum Splits {
    static func whole(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] { bytes.isEmpty ? [] : [bytes[...]] }

    static func byteByByte(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] { bytes.indices.map { bytes[$0...$0] } }

    static func random(_ bytes: [UInt8], seed: UInt64, maxPiece: Int) -> [ArraySlice<UInt8>] {
        var generator = SeededGenerator(seed: seed)
        var pieces: [ArraySlice<UInt8>] = []
        var index = 0
        while index < bytes.count {
            let length = Int(generator.next() % UInt64(max(1, maxPiece))) + 1
            let end = min(bytes.count, index + length)
            pieces.append(bytes[index..<end])
            index = end
        }
        return pieces
    }

    static func fixed(_ bytes: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
        stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min(bytes.count, $0 + size)] }
    }
}
