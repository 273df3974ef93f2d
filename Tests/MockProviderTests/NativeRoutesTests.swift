import AsyncHTTPClient
import Foundation
import MockProvider
import Testing

/// The mock's Anthropic and Ollama routes over real sockets: they refuse what the real APIs refuse, so adapters
/// tested against them are tested against the rules, not against a lenient echo.
@Suite struct NativeRoutesTests {
    private func post(_ mock: MockProvider, _ url: String, _ body: String, headers: [(String, String)]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(Array(body.utf8))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 16 << 20)))
    }

    private func withMock(_ body: (MockProvider) async throws -> Void) async throws {
        let mock = try await MockProvider.start()
        do { try await body(mock) } catch {
            await mock.stop()
            throw error
        }
        await mock.stop()
    }

    private let anthropicHeaders = [("x-api-key", MockCredentials.anthropicKey), ("anthropic-version", "2023-06-01")]

    @Test func anthropicValidatesLikeTheRealAPI() async throws {
        try await withMock { mock in
            let url = mock.baseURL(for: .anthropic) + "/v1/messages"
            let valid = #"{"model":"claude","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await post(mock, url, valid, headers: [("anthropic-version", "2023-06-01")]).status == 401)
            #expect(try await post(mock, url, valid, headers: [("x-api-key", MockCredentials.anthropicKey)]).status == 400)
            let noMax = try await post(mock, url, #"{"model":"claude","messages":[{"role":"user","content":"hi"}]}"#, headers: anthropicHeaders)
            #expect(noMax.status == 400 && noMax.body.contains("max_tokens: Field required"))
            let system = try await post(mock, url, #"{"model":"c","max_tokens":5,"messages":[{"role":"system","content":"x"}]}"#, headers: anthropicHeaders)
            #expect(system.status == 400)
            let orphan = #"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"x"}]}]}"#
            #expect(try await post(mock, url, orphan, headers: anthropicHeaders).status == 400)
            let ok = try await post(mock, url, valid, headers: anthropicHeaders)
            #expect(ok.status == 200)
            #expect(ok.body.contains(#""type":"message""#) && ok.body.contains("Hello from mock anthropic! You said: hi"))
            #expect(mock.requests().last?.nativeAPI == .anthropic)
        }
    }

    @Test func anthropicStreamsTheDocumentedEventSequence() async throws {
        try await withMock { mock in
            let body = #"{"model":"claude","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"[mock chunks=10]"}]}"#
            let reply = try await post(mock, mock.baseURL(for: .anthropic) + "/v1/messages", body, headers: anthropicHeaders)
            let names = reply.body.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(names.first == "message_start" && names.last == "message_stop")
            #expect(names.contains("ping") && names.filter { $0 == "content_block_delta" }.count == 10)
            #expect(!reply.body.contains("[DONE]"))
            #expect(reply.body.contains(#""usage":{"output_tokens":10}"#))
            let cut = try await post(mock, mock.baseURL(for: .anthropic) + "/v1/messages",
                                     body.replacingOccurrences(of: "chunks=10", with: "chunks=10 stream_error_after=4"), headers: anthropicHeaders)
            #expect(cut.body.contains("event: error") && !cut.body.contains("message_stop"))
        }
    }

    @Test func ollamaSpeaksNDJSONAndRefusesOpenAIShapes() async throws {
        try await withMock { mock in
            let url = mock.baseURL(for: .ollama) + "/api/chat"
            let parts = #"{"model":"llama3.2","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#
            #expect(try await post(mock, url, parts, headers: []).status == 400)
            let unknown = try await post(mock, url, #"{"model":"llama9","messages":[{"role":"user","content":"hi"}]}"#, headers: [])
            #expect(unknown.status == 404 && unknown.body.contains("try pulling it first"))
            // `stream` defaults to true.
            let streamed = try await post(mock, url, #"{"model":"llama3.2","messages":[{"role":"user","content":"[mock chunks=3]"}]}"#, headers: [])
            let lines = streamed.body.split(separator: "\n").map(String.init)
            #expect(lines.count == 4)
            let last = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any])
            #expect(last["done"] as? Bool == true && last["eval_count"] as? Int == 3 && last["prompt_eval_count"] is Int)
            let whole = try await post(mock, url, #"{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]}"#, headers: [])
            #expect(whole.body.contains("Hello from mock ollama! You said: hi") && whole.body.contains(#""done":true"#))
            #expect(try await post(mock, url, #"{"model":"llama3.2","messages":[]}"#, headers: [("Authorization", "Bearer wrong")]).status == 401)
        }
    }
}
