import AdapterHost
import Foundation
import NIOCore
import Testing
import TestSupport

/// The Anthropic Messages adapter against the fixtures in `Tests/Fixtures/providers/anthropic` and the rules of
/// `../shared/docs/provider-formats.md` section 4.
@Suite struct AnthropicAdapterTests {
    let adapter: LoadedAdapter
    let instance: AdapterInstance

    init() throws {
        adapter = try Adapters.load("AnthropicAdapter")
        instance = try adapter.makeInstance(baseURL: "https://api.anthropic.com", apiKey: "sk-ant-test-0123456789", optionsJSON: #"{"default_max_tokens":1500}"#)
    }

    func sent(_ body: String, stream: Bool = false) throws -> (request: UpstreamRequest, json: [String: Any]) {
        let up = try instance.translateRequest(request(body, model: "claude-sonnet-4-20250514", stream: stream))
        return (up, try JSON.object(up.body))
    }

    @Test func descriptor() {
        #expect(adapter.name == "anthropic")
        #expect(adapter.version == "1.0.0")
        #expect(adapter.defaultBaseURL == "https://api.anthropic.com")
        #expect(adapter.capabilityNames == ["streaming", "tools", "reasoning", "vision"])
    }

    @Test func headersPathAndDefaults() throws {
        let (up, json) = try sent(#"{"model":"claude-sonnet-4-20250514","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(up.method == "POST" && up.path == "/v1/messages")
        #expect(up.headers.contains { $0.name == "x-api-key" && $0.value == "sk-ant-test-0123456789" })
        #expect(up.headers.contains { $0.name == "anthropic-version" && $0.value == "2023-06-01" })
        #expect(!up.headers.contains { $0.name.lowercased() == "authorization" })
        #expect(json["max_tokens"] as? Int == 1500, "max_tokens defaults from the configuration")
        #expect(json["stream"] as? Bool == false)
        #expect((json["messages"] as? [[String: Any]])?.first?["content"] as? String == "hi")
        let beta = try adapter.makeInstance(baseURL: "", apiKey: "k", optionsJSON: #"{"anthropic_version":"2024-01-01","anthropic_beta":"tools-2024"}"#)
        let betaRequest = try beta.translateRequest(request(#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":5}"#))
        #expect(betaRequest.headers.contains { $0.name == "anthropic-version" && $0.value == "2024-01-01" })
        #expect(betaRequest.headers.contains { $0.name == "anthropic-beta" && $0.value == "tools-2024" })
        #expect((try JSON.object(betaRequest.body))["max_tokens"] as? Int == 5, "the client's max_tokens wins")
    }

    @Test func systemMessagesAreHoistedAndTurnsMerged() throws {
        let (_, json) = try sent(#"""
            {"model":"m","max_completion_tokens":64,"temperature":1.7,"stop":"END","user":"u-1","stream":true,
             "messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Use French."}]},
                         {"role":"user","content":"Bonjour"},{"role":"user","content":[{"type":"text","text":"Ça va ?"},
                          {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
                         {"role":"assistant","content":"Oui."},{"role":"user","content":"Et toi ?"}]}
            """#, stream: true)
        #expect(json["system"] as? String == "Be brief.\n\nUse French.")
        #expect(json["max_tokens"] as? Int == 64)
        #expect(json["temperature"] as? Double == 1, "clamped into 0...1")
        #expect(json["stop_sequences"] as? [String] == ["END"])
        #expect((json["metadata"] as? [String: Any])?["user_id"] as? String == "u-1")
        #expect(json["stream"] as? Bool == true)
        let messages = try #require(json["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"], "consecutive user turns merge")
        let first = try #require(messages[0]["content"] as? [[String: Any]])
        #expect(first.map { $0["type"] as? String } == ["text", "text", "image"])
        let source = try #require(first[2]["source"] as? [String: Any])
        #expect(source["type"] as? String == "base64" && source["media_type"] as? String == "image/png" && source["data"] as? String == "iVBORw0KGgo=")
    }

    @Test func toolsBothWays() throws {
        let (_, json) = try sent(#"""
            {"model":"m","parallel_tool_calls":false,"tool_choice":"required",
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
             "messages":[{"role":"user","content":"Weather in Lisbon and Porto?"},
                         {"role":"assistant","content":null,"tool_calls":[
                            {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lisbon\"}"}},
                            {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Porto\"}"}}]},
                         {"role":"tool","tool_call_id":"call_1","content":"Sunny"},
                         {"role":"tool","tool_call_id":"call_2","content":"Rain"}]}
            """#)
        let tools = try #require(json["tools"] as? [[String: Any]])
        #expect(tools.first?["name"] as? String == "get_weather")
        #expect((tools.first?["input_schema"] as? [String: Any])?["required"] as? [String] == ["city"])
        let choice = try #require(json["tool_choice"] as? [String: Any])
        #expect(choice["type"] as? String == "any" && choice["disable_parallel_tool_use"] as? Bool == true)
        let messages = try #require(json["messages"] as? [[String: Any]])
        #expect(messages.count == 3)
        let uses = try #require(messages[1]["content"] as? [[String: Any]])
        #expect(uses.map { $0["type"] as? String } == ["tool_use", "tool_use"])
        #expect((uses[1]["input"] as? [String: Any])?["city"] as? String == "Porto", "arguments are parsed into input")
        let results = try #require(messages[2]["content"] as? [[String: Any]])
        #expect(results.map { $0["tool_use_id"] as? String } == ["call_1", "call_2"], "all results in one user turn")
    }

    @Test func refusals() {
        func status(_ body: String) -> Int32? {
            do {
                _ = try instance.translateRequest(request(body))
                return nil
            } catch {
                return error.status
            }
        }
        #expect(status(#"{"model":"m","n":2,"messages":[{"role":"user","content":"x"}]}"#) == 2)
        #expect(status(#"{"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"x"}]}"#) == 2)
        #expect(status(#"{"model":"m","messages":[]}"#) == 1)
        #expect(status(#"{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{oops"}}]}]}"#) == 1)
        #expect(throws: AdapterCallError.self) { try adapter.makeInstance(baseURL: "", apiKey: "k", optionsJSON: #"{"default_max_tokens":0}"#) }
        #expect(throws: AdapterCallError.self) { try adapter.makeInstance(baseURL: "", apiKey: "k", optionsJSON: #"{"max_tokens":10}"#) }
    }

    @Test func responseFixture() throws {
        let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json",
                                                  body: try Fixture.buffer("providers/anthropic/response.json"))
        let body = try #require(out.body)
        #expect(try Schemas.errors(body, .response) == [])
        let json = try JSON.object(body)
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        #expect(choice["finish_reason"] as? String == "stop")
        #expect(((choice["message"] as? [String: Any])?["content"] as? String)?.hasPrefix("Two common uses:") == true)
        #expect(out.usage == TokenUsage(promptTokens: 21, completionTokens: 29, reasoningTokens: nil, cachedTokens: 0))
        #expect(out.model == "claude-sonnet-4-20250514")
    }

    @Test func toolUseAnswer() throws {
        let body = #"{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"thinking","thinking":"Hmm."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Lisbon"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":5,"output_tokens":20}}"#
        let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: ByteBuffer(string: body))
        let json = try JSON.object(try #require(out.body))
        #expect(try Schemas.errors(out.body, .response) == [])
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        #expect(choice["finish_reason"] as? String == "tool_calls")
        let message = try #require(choice["message"] as? [String: Any])
        #expect(message["content"] is NSNull)
        #expect(message["reasoning_content"] as? String == "Hmm.")
        let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
        #expect(call["id"] as? String == "toolu_1")
        #expect((call["function"] as? [String: Any])?["arguments"] as? String == #"{"city":"Lisbon"}"#)
        #expect(out.usage == TokenUsage(promptTokens: 105, completionTokens: 20, reasoningTokens: nil, cachedTokens: 90))
    }

    @Test func errors() throws {
        let overloaded = instance.translateError(request("{}"), status: 529, contentType: "application/json",
                                                 body: try Fixture.buffer("providers/anthropic/error.json"))
        #expect(overloaded.status == 503 && !overloaded.noRetry)
        #expect(try Schemas.errors(overloaded.body, .error) == [])
        let bad = instance.translateError(request("{}"), status: 400, contentType: "application/json",
                                          body: try Fixture.buffer("providers/anthropic/error-400.json"))
        #expect(bad.status == 400 && bad.noRetry)
        #expect(bad.body.text.contains("max_tokens: Field required"))
        let auth = instance.translateError(request("{}"), status: 401, contentType: "application/json",
                                           body: ByteBuffer(string: #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-test-0123456789"}}"#))
        #expect(auth.status == 401 && auth.noRetry)
        #expect(!auth.body.text.contains("sk-ant-test-0123456789"), "the key is scrubbed from messages")
        let html = instance.translateError(request("{}"), status: 502, contentType: "text/html", body: ByteBuffer(string: "<html>bad gateway</html>"))
        #expect(html.status == 502)
        #expect(try Schemas.errors(html.body, .error) == [])
    }

    @Test func streamFixtureInAnySplit() throws {
        let bytes = try Fixture.bytes("providers/anthropic/stream.sse")
        let r = request("{}", stream: true, includeUsage: true)
        let whole = try StreamRun(instance, r, pieces: [bytes])
        #expect(whole.feedError == nil && whole.finishError == nil)
        #expect(whole.models == ["claude-sonnet-4-20250514"])
        #expect(whole.finishes == ["stop"])
        #expect(whole.usages.last == TokenUsage(promptTokens: 21, completionTokens: 29, reasoningTokens: nil, cachedTokens: 0))
        let text = whole.chunks.filter { !$0.usageOnly }.compactMap { chunk in
            ((chunk.json["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
        let expected = try JSON.object(try Fixture.bytes("providers/anthropic/response.json"))
        #expect(text == ((expected["content"] as? [[String: Any]])?.first?["text"] as? String))
        let usageChunks = whole.chunks.filter(\.usageOnly)
        #expect(usageChunks.count == 1)
        #expect((usageChunks.first?.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 29)
        for chunk in whole.chunks { #expect(try Schemas.errors(chunk.raw, .chunk) == [], "\(chunk.raw)") }
        #expect(try StreamRun(instance, r, pieces: RandomSplits.byteByByte(bytes)).signature == whole.signature)
        for seed in 1...20 {
            #expect(try StreamRun(instance, r, pieces: RandomSplits.random(bytes, seed: UInt64(seed))).signature == whole.signature)
        }
    }

    @Test func streamErrorAndTruncation() throws {
        let r = request("{}", stream: true)
        let errored = try StreamRun(instance, r, pieces: [try Fixture.bytes("providers/anthropic/stream-error.sse")])
        #expect(errored.errors.first?.status == 503)
        #expect(errored.finishError == nil)
        let full = try Fixture.bytes("providers/anthropic/stream.sse")
        let cut = try StreamRun(instance, r, pieces: [Array(full[..<(full.count - 40)])])
        #expect(cut.finishError?.status == 3, "a stream without message_stop was cut short")
    }

    @Test func toolUseStream() throws {
        let events = [
            #"{"type":"message_start","message":{"id":"msg_t","type":"message","role":"assistant","model":"claude","content":[],"usage":{"input_tokens":50,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"get_weather","input":{}}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"Lisbon\"}"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":33}}"#,
            #"{"type":"message_stop"}"#,
        ]
        let bytes = Array(events.map { "event: x\ndata: \($0)\n\n" }.joined().utf8)
        let run = try StreamRun(instance, request("{}", stream: true), pieces: RandomSplits.random(bytes, seed: 5))
        #expect(run.finishError == nil)
        let calls = run.chunks.compactMap { ((($0.json["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]])?.first }
        #expect(calls.first?["index"] as? Int == 0, "tool calls are numbered by tool block, not content block")
        #expect(calls.first?["id"] as? String == "toolu_9")
        let arguments = calls.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
        #expect(arguments == #"{"city": "Lisbon"}"#)
        #expect(run.finishes == ["tool_calls"])
        #expect(run.usages.last?.completionTokens == 33)
    }
}
