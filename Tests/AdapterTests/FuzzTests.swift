import AdapterHost
import AdapterKit
import Foundation
import NIOCore
import Testing
import TestSupport

/// Seeded mutations of real fixtures: whatever the bytes, adapters answer with a status (never a crash) and
/// everything they emit is well-formed JSON.
@Suite struct FuzzTests {
    static func mutate(_ bytes: [UInt8], _ g: inout SplitMix64) -> [UInt8] {
        var out = bytes
        for _ in 0..<(1 + Int(g.next() % 6)) where !out.isEmpty {
            let i = Int(g.next() % UInt64(out.count))
            switch g.next() % 4 {
            case 0: out[i] = UInt8(truncatingIfNeeded: g.next())
            case 1: out.remove(at: i)
            case 2: out.insert(Array("\"{}[],:\n\\".utf8)[Int(g.next() % 9)], at: i)
            default: out[i] = Array("\"{}[],:\n\\".utf8)[Int(g.next() % 9)]
            }
        }
        return out
    }

    static func isJSONObject(_ b: ByteBuffer) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(b.readableBytesView))) is [String: Any]
    }

    @Test(arguments: [
        ("OpenAIAdapter", "providers/openai/stream.sse", "providers/openai/response.json"),
        ("DeepSeekAdapter", "providers/deepseek/stream.sse", "providers/deepseek/response.json"),
        ("GLMAdapter", "providers/glm/stream.sse", "providers/glm/response.json"),
    ])
    func mutatedInputs(_ product: String, _ streamFixture: String, _ responseFixture: String) throws {
        let instance = try Adapters.load(product).makeInstance(baseURL: "", apiKey: "fuzz-key-1", optionsJSON: "{}")
        let sse = try Fixture.bytes(streamFixture)
        let response = try Fixture.bytes(responseFixture)
        var g = SplitMix64(seed: 0xF00D)
        for _ in 0..<150 {
            let bytes = Self.mutate(sse, &g)
            let run = try StreamRun(instance, request("{}", stream: true, includeUsage: true),
                                    pieces: RandomSplits.random(bytes, seed: g.next(), maxPiece: 40))
            if let e = run.feedError ?? run.finishError { #expect(e.status == 3, "\(e)") }
            for event in run.events {
                switch event {
                case .chunk(let b, _): #expect(Self.isJSONObject(b), "\(b.text)")
                case .error(let e): #expect(Self.isJSONObject(e.body))
                default: break
                }
            }

            let body = Self.mutate(response, &g)
            do {
                let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: ByteBuffer(bytes: body))
                if let b = out.body { #expect(Self.isJSONObject(b)) }
                if let e = out.error { #expect(Self.isJSONObject(e.body)) }
            } catch {
                #expect(error.status == 3, "\(error)")
            }
            let e = instance.translateError(request("{}"), status: 400, contentType: "application/json", body: ByteBuffer(bytes: body))
            #expect(Self.isJSONObject(e.body))
        }
    }

    @Test func parserRoundTripsWhateverItAccepts() throws {
        var g = SplitMix64(seed: 77)
        let seeds = try ["providers/openai/response.json", "providers/glm/response-web-search.json", "providers/openai/request.json"].map(Fixture.bytes)
        for k in 0..<600 {
            let bytes = Self.mutate(seeds[k % seeds.count], &g)
            guard let value = try? JSONValue.parse(bytes) else {
                #expect(bytes.withUnsafeBytes { !JSONScan.isObject($0) })
                continue
            }
            let text = value.serialized()
            #expect(try JSONValue.parse(text) == value)
            if case .object = value { #expect(text.withUnsafeBytes { JSONScan.isObject($0) }) }
            // Foundation agrees that what we accepted (and wrote) is JSON.
            #expect((try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])) != nil)
        }
    }
}
