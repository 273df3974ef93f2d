import Foundation
import Host
import MockProvider
import Testing

/// The proxy over real sockets: client -> gateway -> adapter .so -> mock provider and back.
@Suite("Proxy end to end", .serialized)
struct ProxyEndToEndTests {
    @Test("non-stream answers in OpenAI shape through each adapter, with the endpoint's system prompt", arguments: MockFlavor.allCases)
    func nonStream(flavor: MockFlavor) async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(flavor, path: "/bots/translator", extra: ["system_prompt": "You translate to French."])

        let reply = try await harness.send(.POST, "/bots/translator", json: chatBody("Hello there"), token: key)
        #expect(reply.status == 200, "\(reply.text)")
        let json = try #require(reply.json)
        #expect(json["object"] as? String == "chat.completion")
        let choices = try #require(json["choices"] as? [[String: Any]])
        let message = try #require(choices.first?["message"] as? [String: Any])
        #expect((message["content"] as? String)?.contains("Hello from mock \(flavor.rawValue)") == true)
        #expect(choices.first?["finish_reason"] as? String == "stop")
        let usage = try #require(json["usage"] as? [String: Any])
        #expect((usage["prompt_tokens"] as? Int ?? 0) > 0)
        #expect(reply.headers.first(name: "x-request-id")?.hasPrefix("req_") == true)

        // What reached the provider: the system prompt first, then the client's message.
        let upstream = try #require(harness.mock.requests().last)
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(upstream.body)) as? [String: Any])
        let messages = try #require(sent["messages"] as? [[String: Any]])
        #expect(messages.first?["role"] as? String == "system")
        #expect(messages.first?["content"] as? String == "You translate to French.")
        #expect(messages.last?["content"] as? String == "Hello there")
        #expect(sent["model"] as? String == flavor.models[0])
    }

    @Test("streams are relayed chunk by chunk and end with [DONE]; text equals the non-stream answer", arguments: MockFlavor.allCases)
    func stream(flavor: MockFlavor) async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(flavor, path: "/team-a/v1")

        let streamed = try await harness.stream("/team-a/v1/chat/completions", key: key, body: chatBody("Stream please"))
        #expect(streamed.status == 200)
        #expect(streamed.contentType.hasPrefix("text/event-stream"))
        #expect(streamed.endedWithDone)
        #expect(streamed.jsonEvents.count >= 3)
        for event in streamed.jsonEvents {
            #expect(event["object"] as? String == "chat.completion.chunk")
            #expect(event["id"] is String)
            // Without include_usage no chunk carries token numbers.
            #expect(event["usage"] == nil || event["usage"] is NSNull)
        }
        let whole = try await harness.send(.POST, "/team-a/v1/chat/completions", json: chatBody("Stream please"), token: key)
        let message = ((whole.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(streamed.content == message)
    }

    @Test("include_usage gives one usage chunk with the provider's numbers", arguments: MockFlavor.allCases)
    func streamUsage(flavor: MockFlavor) async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(flavor, path: "/v1")
        let streamed = try await harness.stream("/v1/chat/completions", key: key,
                                                body: chatBody("Count me", extra: ["stream_options": ["include_usage": true]]))
        let usageChunks = streamed.jsonEvents.filter { ($0["usage"] as? [String: Any]) != nil }
        #expect(usageChunks.count == 1)
        let usage = try #require(usageChunks.first?["usage"] as? [String: Any])
        let reported = try #require(harness.mock.requests().last?.reportedUsage)
        #expect(usage["prompt_tokens"] as? Int == reported.promptTokens)
        #expect(usage["completion_tokens"] as? Int == reported.completionTokens)
        #expect((usageChunks.first?["choices"] as? [Any])?.isEmpty == true)
    }

    @Test("DeepSeek reasoning_content is passed through, stream and non-stream")
    func reasoning() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let provider = try await harness.createProvider(.deepseek, token: token)
        _ = try await harness.createEndpoint(path: "/think", providerID: provider, model: "deepseek-reasoner", token: token)
        let key = try await harness.createKey(token: token)
        let streamed = try await harness.stream("/think", key: key, body: chatBody("Is 221 prime? [mock keepalive=2]"))
        #expect(!streamed.deltas("reasoning_content").isEmpty)
        #expect(streamed.endedWithDone)
        let whole = try await harness.send(.POST, "/think", json: chatBody("Is 221 prime?"), token: key)
        let message = (whole.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
        #expect((message?["reasoning_content"] as? String)?.isEmpty == false)
    }

    @Test("provider errors keep their meaning: 402 billing is not retried, GLM 1302 is a 429, bad upstream key is a 401")
    func providerErrors() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let deepseek = try await harness.createProvider(.deepseek, token: token)
        let glm = try await harness.createProvider(.glm, token: token)
        let wrongKey = try await harness.createProvider(.openai, token: token, apiKey: "sk-wrong-key-123456")
        _ = try await harness.createEndpoint(path: "/ds", providerID: deepseek, model: "deepseek-chat", token: token)
        _ = try await harness.createEndpoint(path: "/glm", providerID: glm, model: "glm-4.6", token: token)
        _ = try await harness.createEndpoint(path: "/oa", providerID: wrongKey, model: "gpt-4o-mini", token: token)
        let key = try await harness.createKey(token: token)

        let billing = try await harness.send(.POST, "/ds", json: chatBody("hi [mock error=402]"), token: key)
        #expect(billing.status == 402)
        #expect(billing.headers.first(name: "x-should-retry") == "false")
        #expect((billing.json?["error"] as? [String: Any])?["message"] is String)

        let limited = try await harness.send(.POST, "/glm", json: chatBody("hi [mock glm_code=1302]"), token: key)
        #expect(limited.status == 429)
        #expect(limited.errorCode == "rate_limit_exceeded")

        let streamedError = try await harness.stream("/ds", key: key, body: chatBody("hi [mock error=402]"))
        #expect(streamedError.status == 402, "an upstream error before the first byte keeps its status")

        let unauthorized = try await harness.send(.POST, "/oa", json: chatBody("hi"), token: key)
        #expect(unauthorized.status == 401)
        #expect(!unauthorized.text.contains("sk-wrong-key-123456"))
    }

    @Test("an error after streaming began arrives as a final error event, without [DONE]")
    func midStreamError() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.openai, path: "/s")
        let failed = try await harness.stream("/s", key: key, body: chatBody("[mock chunks=5 stream_error_after=2]"))
        #expect(failed.status == 200)
        #expect(!failed.endedWithDone)
        #expect(failed.errorEvent?["message"] is String)

        // The chunks are paced: AsyncHTTPClient drops body bytes that arrive in the same read as the
        // connection reset, which a real provider connection practically never does.
        let dropped = try await harness.stream("/s", key: key, body: chatBody("[mock chunks=6 drop_after=3 interval_ms=30]"))
        #expect(!dropped.endedWithDone)
        #expect(dropped.errorEvent?["code"] as? String == "upstream_error")
        #expect(dropped.content == "w1 w2 w3", "the delivered text is kept: \(dropped.content)")
    }

    @Test("keep-alive comments flow while the provider is silent, then the answer")
    func keepAlive() async throws {
        let harness = try await GatewayHarness.start { $0.upstream.keepaliveIntervalMs = 200 }
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.openai, path: "/slow")
        // The provider stays silent ten keep-alive intervals; on a loaded machine some may come late, so
        // ask only for more than one.
        let streamed = try await harness.stream("/slow", key: key, body: chatBody("[mock first_byte_ms=2000 chunks=2]"))
        #expect(streamed.status == 200)
        #expect(streamed.comments.count >= 2, "comments: \(streamed.comments)")
        #expect(streamed.endedWithDone)
        #expect(streamed.content == "w1 w2" || streamed.content.hasPrefix("w1"))
    }

    @Test("first-byte and idle timeouts give clear OpenAI-shaped errors")
    func timeouts() async throws {
        let harness = try await GatewayHarness.start {
            $0.upstream.firstByteTimeoutMs = 600
            $0.upstream.idleTimeoutMs = 600
            $0.upstream.keepaliveIntervalMs = 5000
        }
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.openai, path: "/t")

        let slow = try await harness.send(.POST, "/t", json: chatBody("[mock first_byte_ms=3000]"), token: key)
        #expect(slow.status == 504)
        #expect(slow.errorCode == "upstream_timeout")

        let stalled = try await harness.stream("/t", key: key, body: chatBody("[mock chunks=3 interval_ms=3000]"))
        #expect(stalled.errorEvent?["code"] as? String == "upstream_timeout")
        #expect(!stalled.endedWithDone)
    }

    @Test("a client that disconnects mid-stream cancels the provider request")
    func clientDisconnect() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.openai, path: "/long")
        let partial = try await harness.stream("/long", key: key, body: chatBody("[mock chunks=200 interval_ms=50]"), stopAfter: 3)
        #expect(partial.events.count >= 3)
        var cancelled = false
        for _ in 0..<100 {
            if let last = harness.mock.requests().last, last.clientDisconnected { cancelled = true; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(cancelled, "the mock provider never saw the gateway hang up")
    }

    @Test("tool calls stream through as OpenAI tool-call deltas", arguments: MockFlavor.allCases)
    func toolCalls(flavor: MockFlavor) async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(flavor, path: "/tools")
        let tools: [[String: Any]] = [[
            "type": "function",
            "function": ["name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]],
        ]]
        let streamed = try await harness.stream("/tools", key: key, body: chatBody("Weather? [mock tools]", extra: ["tools": tools]))
        var name = ""
        var arguments = ""
        for event in streamed.jsonEvents {
            guard let delta = (event["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any],
                  let calls = delta["tool_calls"] as? [[String: Any]] else { continue }
            for call in calls {
                let function = call["function"] as? [String: Any]
                name += function?["name"] as? String ?? ""
                arguments += function?["arguments"] as? String ?? ""
            }
        }
        #expect(name == "get_weather")
        #expect((try? JSONSerialization.jsonObject(with: Data(arguments.utf8))) is [String: Any], "arguments: \(arguments)")
        let finish = streamed.jsonEvents.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
        #expect(finish == ["tool_calls"])
    }

    @Test("GET P/models lists the endpoint's models")
    func models() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.openai, path: "/m", extra: ["allow_model_override": true])
        let reply = try await harness.send(.GET, "/m/models", token: key)
        #expect(reply.status == 200)
        #expect(reply.json?["object"] as? String == "list")
        let ids = (reply.json?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == ["gpt-4o-mini", "gpt-4o"])
        let unauthenticated = try await harness.send(.GET, "/m/models")
        #expect(unauthenticated.status == 401)
    }
}
