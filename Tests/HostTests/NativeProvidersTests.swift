import Foundation
import Host
import MockProvider
import TestSupport
import Testing

/// Providers with their own wire formats, end to end: an OpenAI client -> gateway -> Anthropic adapter (Swift) or
/// Ollama example adapter (C, built here with `cc`) -> the mock's Anthropic and Ollama routes.
@Suite("Native provider formats end to end", .serialized)
struct NativeProvidersTests {
    static func ollamaLibrary() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ollama-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let output = dir.appendingPathComponent("ollama.so")
        let root = RepositoryPaths.root
        try ABIStabilityTests.cc(["-O2", "-Wextra", "-shared", "-fPIC", "-fvisibility=hidden",
                                  "-I", root.appendingPathComponent("Sources/PluginAPI/include").path, "-o", output.path,
                                  root.appendingPathComponent("examples/ollama/ollama_adapter.c").path,
                                  root.appendingPathComponent("examples/ollama/json_lite.c").path])
        return output
    }

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(plugins: GatewayHarness.standardAdapters + [RepositoryPaths.adapterLibrary("AnthropicAdapter"), try ollamaLibrary()])
    }

    /// Provider + endpoint + key for a native API.
    static func route(_ harness: GatewayHarness, _ api: MockNativeAPI, model: String, path: String,
                      options: [String: Any] = [:]) async throws -> (key: String, token: String) {
        let token = try await harness.adminToken()
        var body: [String: Any] = ["name": "native-\(api.rawValue)-\(UUID().uuidString.prefix(4))", "adapter": api.rawValue,
                                   "base_url": harness.mock.baseURL(for: api), "models": [model], "options": options]
        if api == .anthropic { body["api_key"] = MockCredentials.anthropicKey }
        let provider = try await harness.send(.POST, "/admin/providers", json: body, token: token)
        try #require(provider.status == 201, "\(provider.text)")
        _ = try await harness.createEndpoint(path: path, providerID: try #require(provider.json?["id"] as? Int), model: model, token: token,
                                             extra: ["system_prompt": "Answer briefly."])
        return (try await harness.createKey(token: token), token)
    }

    @Test("Anthropic: answers, streams with usage, tools, errors; the upstream request is Anthropic's")
    func anthropic() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await Self.route(harness, .anthropic, model: "claude-sonnet-4-20250514", path: "/claude", options: ["default_max_tokens": 300])

        let reply = try await harness.send(.POST, "/claude", json: chatBody("Hello Claude"), token: key)
        #expect(reply.status == 200, "\(reply.text)")
        let message = ((reply.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(message == "Hello from mock anthropic! You said: Hello Claude")
        let recorded = try #require(harness.mock.requests().last)
        #expect(recorded.nativeAPI == .anthropic)
        #expect(recorded.header("x-api-key") == MockCredentials.anthropicKey && recorded.header("anthropic-version") == "2023-06-01")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(recorded.body)) as? [String: Any])
        #expect(sent["system"] as? String == "Answer briefly.")
        #expect(sent["max_tokens"] as? Int == 300)
        let usage = try #require(reply.json?["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == recorded.reportedUsage?.promptTokens)
        #expect(usage["completion_tokens"] as? Int == recorded.reportedUsage?.completionTokens)

        let streamed = try await harness.stream("/claude", key: key, body: chatBody("[mock cached=2] Stream it",
                                                                                      extra: ["stream_options": ["include_usage": true]]))
        #expect(streamed.endedWithDone)
        #expect(streamed.content == "Hello from mock anthropic! You said: Stream it")
        let usageChunk = try #require(streamed.jsonEvents.last { $0["usage"] is [String: Any] }?["usage"] as? [String: Any])
        let reported = try #require(harness.mock.requests().last?.reportedUsage)
        #expect(usageChunk["prompt_tokens"] as? Int == reported.promptTokens)
        #expect(usageChunk["completion_tokens"] as? Int == reported.completionTokens)
        #expect((usageChunk["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 2)

        let tools: [String: Any] = ["tools": [["type": "function", "function": [
            "name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
        ]]]]
        let toolStream = try await harness.stream("/claude", key: key, body: chatBody("[mock tools] weather?", extra: tools))
        let arguments = toolStream.jsonEvents.compactMap { event -> String? in
            let delta = (event["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            return ((delta?["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any])?["arguments"] as? String
        }.joined()
        #expect(arguments == #"{"city":"Lisbon"}"#)
        #expect(toolStream.jsonEvents.contains { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) == "tool_calls" })

        let overloaded = try await harness.send(.POST, "/claude", json: chatBody("[mock error=529]"), token: key)
        #expect(overloaded.status == 503 && overloaded.errorCode == "overloaded")
        let broken = try await harness.stream("/claude", key: key, body: chatBody("[mock chunks=6 stream_error_after=3]"))
        #expect(!broken.endedWithDone)
        #expect(broken.errorEvent?["code"] as? String == "overloaded")
    }

    @Test("Ollama (the C example): NDJSON streams with usage from the last line, answers, tools, errors")
    func ollama() async throws {
        let harness = try await Self.start()
        defer { Task { await harness.stop() } }
        let (key, _) = try await Self.route(harness, .ollama, model: "llama3.2", path: "/local")

        let reply = try await harness.send(.POST, "/local", json: chatBody("Hello llama", extra: ["max_tokens": 50, "temperature": 0.1]), token: key)
        #expect(reply.status == 200, "\(reply.text)")
        let message = ((reply.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(message == "Hello from mock ollama! You said: Hello llama")
        let recorded = try #require(harness.mock.requests().last)
        #expect(recorded.nativeAPI == .ollama && recorded.path == "/ollama/api/chat")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(recorded.body)) as? [String: Any])
        #expect(sent["stream"] as? Bool == false, "Ollama streams by default: the adapter must say false")
        #expect((sent["options"] as? [String: Any])?["num_predict"] as? Int == 50)
        #expect(((sent["messages"] as? [[String: Any]])?.first)?["role"] as? String == "system")

        let streamed = try await harness.stream("/local", key: key, body: chatBody("[mock chunks=12] count", extra: ["stream_options": ["include_usage": true]]))
        #expect(streamed.endedWithDone)
        #expect(streamed.content == (1...12).map { "w\($0)" }.joined(separator: " "))
        let usage = try #require(streamed.jsonEvents.last { $0["usage"] is [String: Any] }?["usage"] as? [String: Any])
        let reported = try #require(harness.mock.requests().last?.reportedUsage)
        #expect(usage["prompt_tokens"] as? Int == reported.promptTokens && usage["completion_tokens"] as? Int == 12)

        let cut = try await harness.stream("/local", key: key, body: chatBody("[mock chunks=12] cut", extra: ["max_tokens": 5]))
        #expect(cut.jsonEvents.contains { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) == "length" })

        let failed = try await harness.stream("/local", key: key, body: chatBody("[mock chunks=8 stream_error_after=2]"))
        #expect(!failed.endedWithDone && failed.errorEvent != nil)
    }
}
