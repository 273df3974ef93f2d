import Foundation
@testable import Host
import MockProvider
import Testing

/// Bad input on proxy routes gets a clear 4xx in the OpenAI error shape and never reaches the provider.
@Suite("Proxy input validation", .serialized)
struct ProxyInputTests {
    @Test("auth, routing and body errors")
    func badInput() async throws {
        let harness = try await GatewayHarness.start { $0.limits.maxBodyBytes = 4096 }
        defer { Task { await harness.stop() } }
        let (key, token) = try await harness.setUpRoute(.openai, path: "/bots/translator")
        let requestsBefore = harness.mock.requests().count

        let cases: [(String, GatewayHarness.Reply, Int, String)] = [
            ("no key", try await harness.send(.POST, "/bots/translator", json: chatBody("hi")), 401, "invalid_api_key"),
            ("wrong key", try await harness.send(.POST, "/bots/translator", json: chatBody("hi"), token: "gw-not-a-real-key"), 401, "invalid_api_key"),
            ("malformed JSON", try await harness.send(.POST, "/bots/translator", rawBody: Array(#"{"messages": [}"#.utf8), token: key), 400, "invalid_json"),
            ("not an object", try await harness.send(.POST, "/bots/translator", rawBody: Array("[1,2]".utf8), token: key), 400, "invalid_request"),
            ("missing messages", try await harness.send(.POST, "/bots/translator", json: ["model": "gpt-4o-mini"], token: key), 400, "invalid_request"),
            ("messages not an array", try await harness.send(.POST, "/bots/translator", json: ["messages": "hi"], token: key), 400, "invalid_request"),
            ("empty messages", try await harness.send(.POST, "/bots/translator", json: ["messages": [] as [Any]], token: key), 400, "invalid_request"),
            ("bad role", try await harness.send(.POST, "/bots/translator", json: ["messages": [["role": "wizard", "content": "x"]]], token: key), 400, "invalid_request"),
            ("temperature type", try await harness.send(.POST, "/bots/translator", json: chatBody("hi", extra: ["temperature": "hot"]), token: key), 400, "invalid_request"),
            ("stream type", try await harness.send(.POST, "/bots/translator", json: chatBody("hi", extra: ["stream": "yes"]), token: key), 400, "invalid_request"),
            ("other model", try await harness.send(.POST, "/bots/translator", json: chatBody("hi", model: "gpt-4o"), token: key), 400, "model_not_allowed"),
            ("too large", try await harness.send(.POST, "/bots/translator", json: chatBody(String(repeating: "x", count: 10_000)), token: key), 413, "request_too_large"),
            ("non-UTF-8", try await harness.send(.POST, "/bots/translator", rawBody: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], token: key), 400, "invalid_json"),
            ("unknown path", try await harness.send(.POST, "/bots/unknown", json: chatBody("hi"), token: key), 404, "endpoint_not_found"),
            ("wrong method", try await harness.send(.GET, "/bots/translator", token: key), 405, "method_not_allowed"),
        ]
        for (name, reply, status, code) in cases {
            #expect(reply.status == status, "\(name): \(reply.status) \(reply.text)")
            #expect(reply.errorCode == code, "\(name): \(reply.text)")
            let error = reply.json?["error"] as? [String: Any]
            #expect(error?["message"] is String && error?["type"] is String, "\(name): not in the OpenAI error shape: \(reply.text)")
        }
        let param = (try await harness.send(.POST, "/bots/translator", json: ["messages": "hi"], token: key)).json?["error"] as? [String: Any]
        #expect(param?["param"] as? String == "messages")
        #expect(harness.mock.requests().count == requestsBefore, "bad requests must not reach the provider")

        // A disabled endpoint answers 403; re-enabled it serves again, without a restart.
        let endpoints = try await harness.send(.GET, "/admin/endpoints", token: token)
        let id = try #require((endpoints.json?["data"] as? [[String: Any]])?.first?["id"] as? Int)
        _ = try await harness.send(.PUT, "/admin/endpoints/\(id)", json: ["enabled": false], token: token)
        let disabled = try await harness.send(.POST, "/bots/translator", json: chatBody("hi"), token: key)
        #expect(disabled.status == 403)
        #expect(disabled.errorCode == "endpoint_disabled")
        _ = try await harness.send(.PUT, "/admin/endpoints/\(id)", json: ["enabled": true], token: token)
        #expect(try await harness.send(.POST, "/bots/translator", json: chatBody("hi"), token: key).status == 200)

        // A deleted key stops working at once.
        let keys = try await harness.send(.GET, "/admin/keys", token: token)
        let keyID = try #require((keys.json?["data"] as? [[String: Any]])?.first?["id"] as? Int)
        #expect(try await harness.send(.DELETE, "/admin/keys/\(keyID)", token: token).status == 204)
        #expect(try await harness.send(.POST, "/bots/translator", json: chatBody("hi"), token: key).status == 401)
    }

    @Test("a provider whose adapter is not loaded answers 503 naming the adapter")
    func missingAdapter() async throws {
        // Only the OpenAI adapter is installed; a DeepSeek provider created before (same database) has none.
        let harness = try await GatewayHarness.start(plugins: [GatewayHarness.standardAdapters[0]])
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let reply = try await harness.send(.POST, "/admin/providers", json: ["name": "ds", "adapter": "deepseek", "api_key": "x"], token: token)
        #expect(reply.status == 422)
        let fields = (reply.json?["error"] as? [String: Any])?["fields"] as? [String: String]
        #expect(fields?["adapter"]?.contains("openai") == true, "the error lists the loaded adapters: \(reply.text)")

        // Simulate an adapter that disappeared: store a provider for an adapter that is not loaded.
        try await harness.gateway.database.insertProviderForTest(name: "ghost", adapter: "ghost-adapter", baseURL: "http://127.0.0.1:9")
        try harness.gateway.snapshots.rebuild()
        let providers = try await harness.send(.GET, "/admin/providers", token: token)
        let ghost = try #require((providers.json?["data"] as? [[String: Any]])?.first { $0["name"] as? String == "ghost" })
        #expect(ghost["status"] as? String == "adapter_missing")
        _ = try await harness.createEndpoint(path: "/ghost", providerID: try #require(ghost["id"] as? Int), model: "m", token: token)
        let key = try await harness.createKey(token: token)
        let unavailable = try await harness.send(.POST, "/ghost", json: chatBody("hi"), token: key)
        #expect(unavailable.status == 503)
        #expect(unavailable.errorCode == "adapter_unavailable")
        #expect(unavailable.text.contains("ghost-adapter"))
    }

    @Test("an unreachable provider is a 502, not a crash")
    func unreachableProvider() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let reply = try await harness.send(.POST, "/admin/providers", json: [
            "name": "down", "adapter": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-x",
        ], token: token)
        let provider = try #require(reply.json?["id"] as? Int)
        _ = try await harness.createEndpoint(path: "/down", providerID: provider, model: "gpt-4o-mini", token: token)
        let key = try await harness.createKey(token: token)
        let answer = try await harness.send(.POST, "/down", json: chatBody("hi"), token: key)
        #expect(answer.status == 502)
        #expect(answer.errorCode == "upstream_error")
        let streamed = try await harness.stream("/down", key: key, body: chatBody("hi"))
        #expect(streamed.status == 502)
        #expect(try await harness.send(.GET, "/healthz").status == 200)
    }
}

extension GatewayDatabase {
    /// Stores a provider directly, bypassing the admin API's adapter check, as if its adapter had
    /// been removed from the plugins folder after the provider was created.
    func insertProviderForTest(name: String, adapter: String, baseURL: String) async throws {
        let now = Date()
        let record = ProviderRecord(id: nil, name: name, adapter: adapter, baseURL: baseURL, apiKeySealed: nil, apiKeyHint: "",
                                    modelsJSON: "[]", optionsJSON: "{}", enabled: true, createdAt: now, updatedAt: now)
        try await pool.write { db in
            var copy = record
            try copy.insert(db)
        }
    }
}
