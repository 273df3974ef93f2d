import Foundation
@testable import Host
import MockProvider
import NIOCore
import Testing

/// The response cache, over real sockets: hits skip the provider, expire, stay within their byte budget,
/// share one upstream call between identical concurrent requests, and replay as streams the SDK parses.
@Suite("Response cache", .serialized)
struct ResponseCacheTests {
    /// Temperature 0: a request the cache may keep without the endpoint allowing randomness.
    static func deterministic() -> [String: Any] { ["temperature": 0] }

    @Test("a repeated deterministic request is answered from the cache, stream or not, and marked in the ledger")
    func hitAndMiss() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, token) = try await harness.setUpRoute(.openai, path: "/cached", extra: ["cache_ttl": 60])
        let body = chatBody("What is 2+2?", extra: Self.deterministic())
        let first = try await harness.send(.POST, "/cached", json: body, token: key)
        let second = try await harness.send(.POST, "/cached", json: body, token: key)
        #expect(first.status == 200 && second.status == 200)
        #expect(first.text == second.text)
        #expect(harness.mock.requests().count == 1, "the second answer came from the cache")

        // A streaming client gets the cached answer as a proper SSE stream.
        let replay = try await harness.stream("/cached", key: key, body: body.merging(["stream_options": ["include_usage": true]]) { $1 })
        #expect(replay.endedWithDone)
        let message = ((first.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(replay.content == message)
        #expect(replay.jsonEvents.filter { $0["usage"] is [String: Any] }.count == 1)
        #expect(harness.mock.requests().count == 1)

        // Randomness is not cached unless the endpoint allows it; another question is a miss.
        _ = try await harness.send(.POST, "/cached", json: chatBody("What is 2+2?", extra: ["temperature": 0.8]), token: key)
        _ = try await harness.send(.POST, "/cached", json: chatBody("What is 3+3?", extra: Self.deterministic()), token: key)
        #expect(harness.mock.requests().count == 3)

        let rows = try await UsageAccountingTests.logRows(harness, token: token)
        #expect(rows.filter { $0["cache_hit"] as? Bool == true }.count == 2)
        #expect(rows.filter { $0["cache_hit"] as? Bool == true }.allSatisfy { $0["token_source"] as? String == "cache" && $0["prompt_tokens"] as? Int == 0 })
        let metrics = try await harness.send(.GET, "/metrics")
        #expect(metrics.text.contains(#"gateway_cache_hits_total{endpoint="/cached"} 2"#))
    }

    @Test("a streamed answer fills the cache for the next request")
    func streamFills() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.deepseek, path: "/s", extra: ["cache_ttl": 60])
        let body = chatBody("Stream once", extra: Self.deterministic())
        let streamed = try await harness.stream("/s", key: key, body: body)
        let whole = try await harness.send(.POST, "/s", json: body, token: key)
        #expect(harness.mock.requests().count == 1)
        let message = ((whole.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(message == streamed.content)
        #expect(whole.json?["object"] as? String == "chat.completion")
    }

    @Test("identical concurrent requests make one upstream call")
    func singleFlight() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.glm, path: "/busy", extra: ["cache_ttl": 60])
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let body = chatBody("Slow question [mock first_byte_ms=400]", extra: Self.deterministic())
                    return try await harness.send(.POST, "/busy", json: body, token: key).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 8))
        #expect(harness.mock.requests().count == 1)
    }

    @Test("entries expire after the TTL")
    func expiry() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.openai, path: "/ttl", extra: ["cache_ttl": 1])
        let body = chatBody("Expire me", extra: Self.deterministic())
        _ = try await harness.send(.POST, "/ttl", json: body, token: key)
        _ = try await harness.send(.POST, "/ttl", json: body, token: key)
        #expect(harness.mock.requests().count == 1)
        try await Task.sleep(for: .milliseconds(1200))
        _ = try await harness.send(.POST, "/ttl", json: body, token: key)
        #expect(harness.mock.requests().count == 2)
    }

    @Test("the byte budget evicts the least recently used answers")
    func eviction() {
        let cache = ResponseCache(maxBytes: 3 * 1128, maxEntryBytes: 2000)
        func entry() -> ResponseCache.Entry { .init(body: ByteBuffer(repeating: 0x61, count: 1000), usage: nil, model: nil) }
        cache.put("a", entry(), ttlSeconds: 60)
        cache.put("b", entry(), ttlSeconds: 60)
        cache.put("c", entry(), ttlSeconds: 60)
        #expect(cache.get("a") != nil)  // a is now the most recently used
        cache.put("d", entry(), ttlSeconds: 60)
        #expect(cache.get("b") == nil, "b was the least recently used")
        #expect(cache.get("a") != nil && cache.get("c") != nil && cache.get("d") != nil)
        #expect(cache.byteCount <= cache.maxBytes)
        cache.put("huge", .init(body: ByteBuffer(repeating: 0x61, count: 5000), usage: nil, model: nil), ttlSeconds: 60)
        #expect(cache.get("huge") == nil, "answers above the entry limit are not kept")
        #expect(cache.count == 3)
    }
}
