import AdapterHost
import Dispatch
import JSONCore
import NIOCore

extension AdapterChecker {
    var streamRequest: UnifiedRequest {
        let c = UnifiedRequests(model: model).stream
        return unified(c.body, stream: true, includeUsage: true)
    }

    /// Sample streams fed whole, byte by byte and in random splits; truncated; error streams.
    func checkStreams(_ instance: AdapterInstance, adapter: LoadedAdapter) {
        let request = streamRequest
        let streaming = adapter.capabilities & 1 != 0
        if options.samples.streams.isEmpty {
            item("stream.samples", "streams translate (needs stream* samples)", required: streaming) {
                .skip("no streamed answer among the samples: save one as stream.sse (or .ndjson, ...), byte for byte as the provider sends it")
            }
        }
        for sample in options.samples.streams {
            let bytes = sample.bytes
            var whole = StreamRun(instance, request, pieces: Splits.whole(bytes))
            let watched = StreamRun(instance, request, pieces: Splits.byteByByte(bytes), watchFinish: true)

            item("stream.whole[\(sample.name)]", "fed whole: valid chunks, a finish reason, usage, a normal end") {
                if let failure = whole.failure { return .fail(failure) }
                if let error = whole.errors.first { return .fail("the stream ended in an error event (HTTP \(error.status)): \(Self.clip(String(buffer: error.body)))") }
                var problems: [String] = []
                let chunks = whole.chunks
                if chunks.isEmpty { problems.append("no GW_OUT_CHUNK") }
                for (i, chunk) in chunks.enumerated() {
                    checkSecret(in: chunk.bytes, where: "a stream chunk")
                    let found = OpenAIShapes.chunk(chunk.bytes, usageOnly: chunk.usageOnly)
                    if !found.isEmpty {
                        problems.append("chunk \(i + 1): \(found.joined(separator: ", "))")
                        break
                    }
                }
                let ids = Set(chunks.compactMap { OpenAIShapes.chunkID($0.bytes) })
                if ids.count > 1 { problems.append("chunks of one answer carry \(ids.count) different ids") }
                if !chunks.contains(where: { OpenAIShapes.delta(ofChunk: $0.bytes).finishReason != nil }) {
                    problems.append("no chunk carries a finish_reason (clients wait for one)")
                }
                if sample.usage {
                    if let usage = whole.usages.last {
                        if usage.promptTokens == nil || usage.completionTokens == nil { problems.append("GW_OUT_USAGE lacks prompt or completion tokens") }
                        if !chunks.contains(where: { $0.usageOnly }) {
                            problems.append("usage was reported, but no chunk flagged GW_CHUNK_USAGE_ONLY carries it to clients that ask for it")
                        }
                    } else {
                        problems.append("no GW_OUT_USAGE")
                    }
                }
                problems += expectationProblems(sample.expect, content: whole.content, finishReason: whole.finishes.last
                    ?? chunks.compactMap { OpenAIShapes.delta(ofChunk: $0.bytes).finishReason }.last, usage: whole.usages.last)
                if !problems.isEmpty { return .fail(problems.joined(separator: "; ")) }
                var notes = ["\(chunks.count) chunks", "\(whole.content.count) characters"]
                if let usage = whole.usages.last { notes.append("usage \(Self.describe(usage))") }
                if whole.finishes.isEmpty { notes.append("no GW_OUT_FINISH") }
                return .pass(notes.joined(separator: ", "))
            }

            let reference = whole.signature
            item("stream.byte-by-byte[\(sample.name)]", "fed one byte at a time: the same unified chunks") {
                watched.signature == reference ? .pass("\(bytes.count) feed calls")
                    : .fail(StreamRun.difference(reference, watched.signature))
            }
            item("stream.random-splits[\(sample.name)]", "fed in \(options.randomSplitRuns) random splits: the same unified chunks") {
                let sizes = [2, 7, 17, 64, 512, 4096]
                for run in 0..<options.randomSplitRuns {
                    let seed = options.seed &+ UInt64(run)
                    let maxPiece = sizes[run % sizes.count]
                    let split = StreamRun(instance, request, pieces: Splits.random(bytes, seed: seed, maxPiece: maxPiece))
                    if split.signature != reference {
                        return .fail("seed \(seed), pieces of 1...\(maxPiece) bytes: " + StreamRun.difference(reference, split.signature))
                    }
                }
                return .pass()
            }
            item("stream.truncated[\(sample.name)]", "cut before its end: an error, never a normal end") {
                let end = watched.finishOffset ?? bytes.count
                let cuts = Set([0, end / 4, end / 2, (end * 3) / 4].filter { $0 < end }).sorted()
                for cut in cuts {
                    let run = StreamRun(instance, request, pieces: Splits.whole(Array(bytes[0..<cut])))
                    for chunk in run.chunks where !OpenAIShapes.chunk(chunk.bytes, usageOnly: chunk.usageOnly).isEmpty {
                        return .fail("cut at byte \(cut): an invalid chunk before the end")
                    }
                    if !run.endedInError {
                        return .fail("cut at byte \(cut) of \(bytes.count) (the answer completes at byte \(end)): finish_stream returned GW_OK; "
                            + "it must return GW_ERR_UPSTREAM_FORMAT when the provider's stream did not complete")
                    }
                }
                return .pass("cut at bytes \(cuts.map(String.init).joined(separator: ", ")) of \(bytes.count)")
            }
            whole = StreamRun(instance, request, pieces: [])  // release the events
        }

        for sample in options.samples.errorStreams {
            item("stream.error[\(sample.name)]", "an error inside a 200 stream ends it with an OpenAI error event, in any split") {
                let run = StreamRun(instance, request, pieces: Splits.whole(sample.bytes))
                guard let error = run.errors.first else {
                    return .fail(run.failure.map { "no GW_OUT_ERROR event; \($0)" } ?? "no GW_OUT_ERROR event and a normal end")
                }
                let bytes = Array(error.body.readableBytesView)
                checkSecret(in: bytes, where: "a stream error event")
                let problems = OpenAIShapes.error(bytes)
                if !problems.isEmpty { return .fail(problems.joined(separator: "; ")) }
                if let expected = sample.expectStatus, error.status != expected {
                    return .fail("status \(error.status), expected \(expected)")
                }
                let bytewise = StreamRun(instance, request, pieces: Splits.byteByByte(sample.bytes))
                if bytewise.signature != run.signature { return .fail("byte by byte: " + StreamRun.difference(run.signature, bytewise.signature)) }
                for seed in 0..<8 {
                    let split = StreamRun(instance, request, pieces: Splits.random(sample.bytes, seed: options.seed &+ UInt64(seed), maxPiece: 13))
                    if split.signature != run.signature { return .fail("random split: " + StreamRun.difference(run.signature, split.signature)) }
                }
                return .pass("HTTP \(error.status)\(error.noRetry ? ", no retry" : "")")
            }
        }

        // Throughput, for the author's information: the largest sample, fed in 1 KiB pieces.
        if let largest = options.samples.streams.max(by: { $0.bytes.count < $1.bytes.count }), !largest.bytes.isEmpty {
            let pieces = Splits.fixed(largest.bytes, size: 1024)
            var total = 0
            let start = DispatchTime.now()
            repeat {
                _ = StreamRun(instance, request, pieces: pieces)
                total += largest.bytes.count
            } while Self.milliseconds(since: start) < 200
            let seconds = Self.milliseconds(since: start) / 1000
            figure("stream throughput", "\(Int((Double(total) / seconds / 1e6 * 10).rounded()) / 10) MB/s (\(largest.name) in 1 KiB pieces)")
        }
    }

    /// Garbage and empty streams: an error status or event, never a crash or a normal end.
    func checkGarbage(_ instance: AdapterInstance) {
        let request = streamRequest
        item("stream.garbage", "garbage, binary noise and oversized lines end the stream with an error") {
            var problems: [String] = []
            for (label, bytes) in GarbageInput.streamBodies(seed: options.seed) {
                for (splitLabel, pieces) in [("whole", Splits.fixed(bytes, size: 64 << 10)), ("in small pieces", Splits.random(bytes, seed: options.seed, maxPiece: 5))] {
                    if bytes.count > 1 << 20, splitLabel != "whole" { continue }
                    let run = StreamRun(instance, request, pieces: pieces)
                    for chunk in run.chunks where !OpenAIShapes.chunk(chunk.bytes, usageOnly: chunk.usageOnly).isEmpty {
                        problems.append("\(label) (\(splitLabel)): emitted an invalid chunk")
                        break
                    }
                    if !run.endedInError { problems.append("\(label) (\(splitLabel)): ended normally") }
                    for error in run.errors where !OpenAIShapes.error(Array(error.body.readableBytesView)).isEmpty {
                        problems.append("\(label) (\(splitLabel)): an invalid error event")
                    }
                }
            }
            return problems.isEmpty ? .pass("\(GarbageInput.streamBodies(seed: options.seed).count) bodies, whole and split")
                : .fail(problems.joined(separator: "; "))
        }
    }
}

extension OpenAIShapes {
    static func chunkID(_ bytes: [UInt8]) -> String? {
        guard case .object(let o)? = try? JSONValue.parse(bytes) else { return nil }
        return o["id"]?.stringValue
    }
}
