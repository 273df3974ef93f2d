import AdapterHost
import NIOCore
import Testing
import TestSupport

/// translate_* and create_stream are reentrant by contract: one instance serves many requests at once.
@Suite struct ConcurrencyTests {
    @Test(arguments: [
        ("OpenAIAdapter", "providers/openai/stream.sse", "sk-key"), ("DeepSeekAdapter", "providers/deepseek/stream.sse", "sk-key"),
        ("GLMAdapter", "providers/glm/stream.sse", "legacy-id.legacy-secret"),
    ])
    func oneInstanceManyTasks(_ product: String, _ fixture: String, _ key: String) async throws {
        let instance = try Adapters.load(product).makeInstance(baseURL: "", apiKey: key, optionsJSON: "{}")
        let sse = ByteBuffer(bytes: try Fixture.bytes(fixture))
        let r = request(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":1.2}"#, stream: true, includeUsage: true)
        let expected = try StreamRun(instance, r, pieces: [Array(sse.readableBytesView)]).signature
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var bad = 0
                    for k in 0..<40 {
                        _ = try instance.translateRequest(r)
                        let pieces = RandomSplits.random(Array(sse.readableBytesView), seed: UInt64(task * 1000 + k), maxPiece: 50)
                        if try StreamRun(instance, r, pieces: pieces).signature != expected { bad += 1 }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
