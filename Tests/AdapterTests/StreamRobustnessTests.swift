import AdapterHost
import Foundation
import NIOCore
import Testing
import TestSupport

/// The same fixture fed in any split must give the same events; cut-off and garbage input must give an error
/// status, never a crash.
@Suite struct StreamRobustnessTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let product: String
        let fixture: String
        var testDescription: String { "\(product) \(fixture)" }
    }

    static let cases = [
        Case(product: "OpenAIAdapter", fixture: "providers/openai/stream.sse"),
        Case(product: "DeepSeekAdapter", fixture: "providers/deepseek/stream.sse"),
        Case(product: "GLMAdapter", fixture: "providers/glm/stream.sse"),
    ]

    func instance(_ product: String) throws -> AdapterInstance {
        try Adapters.load(product).makeInstance(baseURL: "http://localhost", apiKey: "test-key-123", optionsJSON: "{}")
    }

    @Test(arguments: cases)
    func anySplitGivesIdenticalEvents(_ c: Case) throws {
        let instance = try instance(c.product)
        let bytes = try Fixture.bytes(c.fixture)
        let r = request("{}", stream: true, includeUsage: true)
        let whole = try StreamRun(instance, r, pieces: [bytes])
        #expect(whole.feedError == nil && whole.finishError == nil)
        #expect(!whole.chunks.isEmpty)
        let byteByByte = try StreamRun(instance, r, pieces: RandomSplits.byteByByte(bytes))
        #expect(byteByByte.signature == whole.signature)
        #expect(byteByByte.finishError == nil)
        for seed in UInt64(1)...8 {
            for maxPiece in [3, 17, 200] {
                let run = try StreamRun(instance, r, pieces: RandomSplits.random(bytes, seed: seed, maxPiece: maxPiece))
                #expect(run.signature == whole.signature, "seed \(seed) maxPiece \(maxPiece)")
                #expect(run.finishError == nil)
            }
        }
    }

    @Test(arguments: cases)
    func otherLineEndingsGiveIdenticalEvents(_ c: Case) throws {
        let instance = try instance(c.product)
        let text = try Fixture.text(c.fixture)
        let r = request("{}", stream: true, includeUsage: true)
        let whole = try StreamRun(instance, r, pieces: [Array(text.utf8)])
        for ending in ["\r\n", "\r"] {
            let bytes = Array(text.replacingOccurrences(of: "\n", with: ending).utf8)
            let run = try StreamRun(instance, r, pieces: RandomSplits.random(bytes, seed: 99, maxPiece: 5))
            #expect(run.signature == whole.signature, "line ending \(ending.debugDescription)")
            #expect(run.finishError == nil)
        }
    }

    /// Cuts the body at many points: before the finish_reason event is complete the stream must be reported as
    /// cut short (GW_ERR_UPSTREAM_FORMAT); from then on it is complete.
    @Test(arguments: cases)
    func truncatedStreamsAreReportedAsCutShort(_ c: Case) throws {
        let instance = try instance(c.product)
        let bytes = try Fixture.bytes(c.fixture)
        let text = String(decoding: bytes, as: UTF8.self)
        // The end of the event that carries the finish reason ("finish_reason":"...", not null).
        let marker = try #require(text.range(of: #""finish_reason":""#))
        let eventEnd = try #require(text.range(of: "\n\n", range: marker.upperBound..<text.endIndex))
        let completeAt = text.utf8.distance(from: text.startIndex, to: eventEnd.upperBound)
        let r = request("{}", stream: true, includeUsage: true)
        var cuts = Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 60)))
        cuts += [completeAt - 3, completeAt - 2, completeAt - 1, completeAt, completeAt + 1, bytes.count - 1]
        for cut in cuts where cut >= 0 && cut <= bytes.count {
            let run = try StreamRun(instance, r, pieces: RandomSplits.random(Array(bytes[0..<cut]), seed: UInt64(cut), maxPiece: 64))
            #expect(run.feedError == nil, "cut at \(cut)")
            // The finish event is complete once its JSON is, even without the blank line after it.
            let complete = cut >= completeAt - 2
            if complete {
                #expect(run.finishError == nil, "cut at \(cut) of \(bytes.count)")
            } else {
                #expect(run.finishError?.status == 3, "cut at \(cut) of \(bytes.count)")
            }
            for chunk in run.chunks { #expect(try Schemas.errors(chunk.raw, .chunk).isEmpty, "cut at \(cut)") }
        }
    }

    static let garbage: [(String, [UInt8])] = {
        var g = SplitMix64(seed: 7)
        let random = (0..<4096).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        return [
            ("random bytes", random),
            ("random data lines", Array("data: ".utf8) + random.prefix(500) + Array("\n\n".utf8)),
            ("not json", Array("data: hello world\n\n".utf8)),
            ("json array", Array("data: [1,2,3]\n\n".utf8)),
            ("truncated json", Array("data: {\"id\":\"x\",\"choices\":[\n\n".utf8)),
            ("no choices", Array("data: {\"id\":\"x\",\"usage\":{\"prompt_tokens\":1}}\n\n".utf8)),
            ("invalid utf8", Array("data: {\"id\":\"".utf8) + [0xC3, 0x28] + Array("\"}\n\n".utf8)),
            ("deep nesting", Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 50_000) + Array("\n\n".utf8)),
            ("html", Array("<html><body>502 Bad Gateway</body></html>".utf8)),
            ("nul bytes", [UInt8](repeating: 0, count: 300)),
            ("event only", Array("event: message\nid: 1\nretry: 10\n\n".utf8)),
        ]
    }()

    @Test(arguments: ["OpenAIAdapter", "DeepSeekAdapter", "GLMAdapter"])
    func garbageNeverCrashesAndIsAnError(_ product: String) throws {
        let instance = try instance(product)
        for (name, bytes) in Self.garbage {
            for pieces in [[bytes], RandomSplits.random(bytes, seed: 3, maxPiece: 11)] {
                let run = try StreamRun(instance, request("{}", stream: true), pieces: pieces)
                let status = run.feedError?.status ?? run.finishError?.status
                #expect(status == 3, "\(product): \(name)")
                #expect(run.finishes.isEmpty, "\(product): \(name)")
            }
            do {
                _ = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: ByteBuffer(bytes: bytes))
                Issue.record("\(product) accepted \(name) as a response")
            } catch {
                #expect(error.status == 3, "\(product): \(name)")
            }
            let e = instance.translateError(request("{}"), status: 500, contentType: "text/plain", body: ByteBuffer(bytes: bytes))
            #expect(e.status >= 400 && e.status <= 599)
            #expect(try Schemas.errors(e.body, .error).isEmpty, "\(product): \(name)")
        }
    }

    @Test(arguments: ["OpenAIAdapter", "DeepSeekAdapter", "GLMAdapter"])
    func oversizedEventIsRefused(_ product: String) throws {
        let instance = try instance(product)
        let stream = try instance.makeStream(request("{}", stream: true))
        var events: [StreamEvent] = []
        let mib = ByteBuffer(bytes: [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20))
        var failure: AdapterCallError?
        do throws(AdapterCallError) {
            try stream.feed(ByteBuffer(string: "data: \"x"), into: &events)
            for _ in 0..<17 { try stream.feed(mib, into: &events) }
        } catch {
            failure = error
        }
        #expect(failure?.status == 3)
        // The stream is over: later calls report the same failure without calling the adapter.
        #expect(throws: AdapterCallError.self) { try stream.finish(into: &events) }
    }

    @Test func emptyFeedsAndDoubleFinishAreHarmless() throws {
        let instance = try instance("OpenAIAdapter")
        let stream = try instance.makeStream(request("{}", stream: true))
        var events: [StreamEvent] = []
        try stream.feed(ByteBuffer(), into: &events)
        try stream.feed(ByteBuffer(string: "data: [DONE]\n\n"), into: &events)
        try stream.finish(into: &events)
        try stream.finish(into: &events)
        #expect(events.isEmpty)
    }
}
