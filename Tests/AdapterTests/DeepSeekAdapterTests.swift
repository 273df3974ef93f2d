import AdapterHost
import Foundation
import NIOCore
import Testing
import TestSupport

@Suite struct DeepSeekAdapterTests {
    let adapter: LoadedAdapter
    let instance: AdapterInstance

    init() throws {
        adapter = try Adapters.deepSeek()
        instance = try adapter.makeInstance(baseURL: "https://api.deepseek.com", apiKey: "sk-ds-abcdef9f2c", optionsJSON: "{}")
    }

    @Test func descriptor() {
        #expect(adapter.name == "deepseek")
        #expect(adapter.defaultBaseURL == "https://api.deepseek.com")
        #expect(adapter.capabilityNames.contains("reasoning"))
    }

    @Test func requestKeepsReasoningContentAndAsksForUsage() throws {
        let body = #"{"model":"deepseek-reasoner","messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,"reasoning_content":"thinking...","tool_calls":[{"id":"call_00_x","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_00_x","content":"42"}],"thinking":{"type":"enabled"},"stream":true}"#
        let up = try instance.translateRequest(request(body, stream: true))
        #expect(up.path == "/chat/completions")
        #expect(up.headers.contains { $0.name == "Authorization" && $0.value == "Bearer sk-ds-abcdef9f2c" })
        let sent = try JSON.object(up.body)
        let messages = try #require(sent["messages"] as? [[String: Any]])
        #expect(messages[1]["reasoning_content"] as? String == "thinking...")
        #expect((sent["thinking"] as? [String: Any])?["type"] as? String == "enabled")
        #expect((sent["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        let fixture = try instance.translateRequest(try request(fixture: "providers/deepseek/request.json", stream: true))
        #expect(try JSON.object(fixture.body)["max_tokens"] as? Int == 2048)
    }

    func checkResponse(_ out: TranslatedResponse) throws {
        let body = try JSON.object(try #require(out.body))
        #expect(body["object"] as? String == "chat.completion")
        let choice = try #require((body["choices"] as? [[String: Any]])?.first)
        let message = try #require(choice["message"] as? [String: Any])
        #expect(message["reasoning_content"] as? String == "221 is odd and its digit sum is 5, so 2 and 3 do not divide it. Try 13: 13 × 17 = 221. So it is composite.")
        #expect(message["refusal"] is NSNull)
        #expect(out.usage == TokenUsage(promptTokens: 17, completionTokens: 58, reasoningTokens: 41, cachedTokens: 0))
        #expect(out.model == "deepseek-reasoner")
        #expect(out.finishReason == "stop")
        #expect(try Schemas.errors(out.body, .response).isEmpty)
    }

    @Test func responseIsNormalised() throws {
        try checkResponse(try instance.translateResponse(request("{}"), status: 200, contentType: "application/json",
                                                          body: try Fixture.buffer("providers/deepseek/response.json")))
    }

    @Test func queuedResponseWithLeadingBlankLines() throws {
        try checkResponse(try instance.translateResponse(request("{}"), status: 200, contentType: "application/json",
                                                          body: try Fixture.buffer("providers/deepseek/response-queued.raw")))
    }

    @Test func queueDroppedBeforeTheAnswerIsAnUpstreamFormatError() {
        do {
            _ = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: ByteBuffer(string: "\n\n\n\n"))
            Issue.record("accepted an empty body")
        } catch {
            #expect(error.status == 3)
        }
    }

    @Test func cacheHitsBecomeCachedTokens() throws {
        var object = try JSON.object(try Fixture.buffer("providers/deepseek/response.json"))
        var usage = try #require(object["usage"] as? [String: Any])
        usage["prompt_cache_hit_tokens"] = 12
        usage["prompt_cache_miss_tokens"] = 5
        usage["prompt_tokens_details"] = nil
        object["usage"] = usage
        var choices = try #require(object["choices"] as? [[String: Any]])
        choices[0]["finish_reason"] = "insufficient_system_resource"
        object["choices"] = choices
        let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: try JSON.data(object))
        #expect(out.usage?.cachedTokens == 12)
        let sent = try JSON.object(try #require(out.body))
        #expect(((sent["usage"] as? [String: Any])?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 12)
        #expect(out.finishReason == "length")
        #expect(((sent["choices"] as? [[String: Any]])?.first?["finish_reason"]) as? String == "length")
        #expect(try Schemas.errors(out.body, .response).isEmpty)
    }

    @Test func insufficientBalanceIsANonRetryable402() throws {
        let out = instance.translateError(request("{}"), status: 402, contentType: "application/json", body: try Fixture.buffer("providers/deepseek/error.json"))
        #expect(out.status == 402)
        #expect(out.noRetry)
        let e = try #require(try JSON.object(out.body)["error"] as? [String: Any])
        #expect(e["type"] as? String == "insufficient_quota")
        #expect(e["code"] as? String == "insufficient_balance")
        #expect(e["message"] as? String == "Insufficient Balance")
        #expect(try Schemas.errors(out.body, .error).isEmpty)
    }

    @Test func authenticationErrorDoesNotEchoTheKey() throws {
        let out = instance.translateError(request("{}"), status: 401, contentType: "application/json", body: try Fixture.buffer("providers/deepseek/error-401.json"))
        #expect(out.status == 401)
        #expect(out.noRetry)
        #expect(!out.body.text.contains("9f2c"))
        let e = try #require(try JSON.object(out.body)["error"] as? [String: Any])
        #expect(e["type"] as? String == "authentication_error")
        #expect(e["message"] as? String == "Authentication Fails")
        #expect(try Schemas.errors(out.body, .error).isEmpty)
    }

    @Test(arguments: [(400, 400, "invalid_request_error"), (422, 400, "invalid_request_error"), (429, 429, "rate_limit_error"),
                      (500, 500, "server_error"), (503, 503, "server_error"), (404, 404, "invalid_request_error")])
    func errorsAreClassifiedByStatus(_ upstream: Int, _ client: Int, _ type: String) throws {
        let generic = ByteBuffer(string: #"{"error":{"message":"Something","type":"unknown_error","param":null,"code":"invalid_request_error"}}"#)
        for body in [generic, ByteBuffer(string: "upstream exploded")] {
            let out = instance.translateError(request("{}"), status: upstream, contentType: "application/json", body: body)
            #expect(out.status == client)
            #expect((try JSON.object(out.body)["error"] as? [String: Any])?["type"] as? String == type)
            #expect(try Schemas.errors(out.body, .error).isEmpty)
        }
    }

    @Test func streamSplitsUsageFromTheFinishChunk() throws {
        let run = try StreamRun(instance, try request(fixture: "providers/deepseek/request.json", stream: true, includeUsage: true),
                                pieces: [try Fixture.bytes("providers/deepseek/stream.sse")])
        #expect(run.feedError == nil && run.finishError == nil)
        #expect(run.chunks.count == 12)
        #expect(run.chunks.map(\.usageOnly) == Array(repeating: false, count: 11) + [true])
        let finish = run.chunks[10].json
        #expect(finish["usage"] == nil)
        #expect(((finish["choices"] as? [[String: Any]])?.first?["finish_reason"]) as? String == "stop")
        let usageChunk = run.chunks[11].json
        #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
        let usage = try #require(usageChunk["usage"] as? [String: Any])
        #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 0)
        #expect(usageChunk["id"] as? String == "3f9c1b2e-7a44-4d0e-9b1f-5c6d7e8f9a0b")
        #expect(run.usages == [TokenUsage(promptTokens: 17, completionTokens: 58, reasoningTokens: 41, cachedTokens: 0)])
        #expect(run.models == ["deepseek-reasoner"])
        #expect(run.finishes == ["stop"])
        // Reasoning deltas pass through untouched.
        let reasoning = run.chunks.compactMap { (($0.json["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["reasoning_content"] as? String }
        #expect(reasoning.joined() == "221 is odd and its digit sum is 5, so 2 and 3 do not divide it. Try 13: 13 × 17 = 221. So it is composite.")
        for chunk in run.chunks { #expect(try Schemas.errors(chunk.raw, .chunk).isEmpty) }
    }

    @Test func keepAlivesAloneAreNotAnAnswer() throws {
        let run = try StreamRun(instance, request("{}", stream: true), pieces: [Array(": keep-alive\n\n: keep-alive\n\n\n\n".utf8)])
        #expect(run.events.isEmpty)
        #expect(run.finishError?.status == 3)
    }

    @Test func insufficientSystemResourceFinishIsLength() throws {
        let sse = Array("""
            data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"deepseek-chat","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}]}

            data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"deepseek-chat","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"insufficient_system_resource"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"prompt_cache_hit_tokens":2,"prompt_cache_miss_tokens":1}}

            data: [DONE]


            """.utf8)
        let run = try StreamRun(instance, request("{}", stream: true), pieces: [sse])
        #expect(run.finishes == ["length"])
        #expect(run.chunks[1].raw.contains(#""finish_reason":"length""#))
        #expect(run.usages == [TokenUsage(promptTokens: 3, completionTokens: 1, reasoningTokens: nil, cachedTokens: 2)])
        for chunk in run.chunks { #expect(try Schemas.errors(chunk.raw, .chunk).isEmpty) }
    }
}
