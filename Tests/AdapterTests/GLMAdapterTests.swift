import AdapterHost
import AdapterKit
import Foundation
import NIOCore
import Testing
import TestSupport

@Suite struct GLMAdapterTests {
    let adapter: LoadedAdapter
    let instance: AdapterInstance

    init() throws {
        adapter = try Adapters.glm()
        instance = try adapter.makeInstance(baseURL: "https://open.bigmodel.cn/api/paas/v4", apiKey: "plainkey123", optionsJSON: "{}")
    }

    func translated(_ body: String, stream: Bool = false, id: String = "gw-req-42") throws -> [String: Any] {
        try JSON.object(try instance.translateRequest(request(body, stream: stream, id: id)).body)
    }

    @Test func descriptor() {
        #expect(adapter.name == "glm")
        #expect(adapter.defaultBaseURL == "https://open.bigmodel.cn/api/paas/v4")
    }

    @Test func plainKeyIsSentAsBearer() throws {
        let up = try instance.translateRequest(request(#"{"model":"glm-4.6","messages":[]}"#))
        #expect(up.path == "/chat/completions")
        #expect(up.headers.contains { $0.name == "Authorization" && $0.value == "Bearer plainkey123" })
        for key in ["a.b.c", "id. secret", ".secret", "id.", "nodots"] {
            let i = try adapter.makeInstance(baseURL: "", apiKey: key, optionsJSON: "{}")
            let auth = try i.translateRequest(request("{}")).headers.first { $0.name == "Authorization" }?.value
            #expect(auth == "Bearer \(key)", "\(key)")
        }
    }

    @Test func legacyKeyBecomesAVerifiableJWT() throws {
        let i = try adapter.makeInstance(baseURL: "", apiKey: "my-key-id.my-secret", optionsJSON: "{}")
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let auth = try #require(try i.translateRequest(request("{}")).headers.first { $0.name == "Authorization" }?.value)
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(auth.hasPrefix("Bearer "))
        let parts = auth.dropFirst(7).split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        let header = try JSON.object(try #require(Base64URL.decode(parts[0])))
        #expect(header.count == 2 && header["alg"] as? String == "HS256" && header["sign_type"] as? String == "SIGN")
        let payload = try JSON.object(try #require(Base64URL.decode(parts[1])))
        #expect(payload["api_key"] as? String == "my-key-id")
        let timestamp = try #require((payload["timestamp"] as? NSNumber)?.int64Value)
        let exp = try #require((payload["exp"] as? NSNumber)?.int64Value)
        #expect(timestamp >= before && timestamp <= after)  // milliseconds, not seconds
        #expect(exp - timestamp == 210_000)
        let signature = HMACSHA256.authenticationCode(key: Array("my-secret".utf8), message: Array("\(parts[0]).\(parts[1])".utf8))
        #expect(Base64URL.encode(signature) == parts[2])
        let wrong = HMACSHA256.authenticationCode(key: Array("other".utf8), message: Array("\(parts[0]).\(parts[1])".utf8))
        #expect(Base64URL.encode(wrong) != parts[2])
    }

    @Test func authOption() throws {
        let forced = try adapter.makeInstance(baseURL: "", apiKey: "id.secret", optionsJSON: #"{"auth":"api_key"}"#)
        #expect(try forced.translateRequest(request("{}")).headers.contains { $0.value == "Bearer id.secret" })
        #expect(throws: AdapterCallError.self) { try adapter.makeInstance(baseURL: "", apiKey: "plain", optionsJSON: #"{"auth":"jwt"}"#) }
        #expect(throws: AdapterCallError.self) { try adapter.makeInstance(baseURL: "", apiKey: "plain", optionsJSON: #"{"auth":"magic"}"#) }
        #expect(throws: AdapterCallError.self) { try adapter.makeInstance(baseURL: "", apiKey: "", optionsJSON: "{}") }
    }

    @Test func requestFieldsAreMappedToGLM() throws {
        let body = #"{"model":"glm-4.6","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}],"temperature":1.5,"top_p":1,"stop":["END","STOP"],"user":"user-123456","n":2,"logprobs":true,"top_logprobs":3,"logit_bias":{"1":2},"presence_penalty":0.5,"frequency_penalty":0.5,"parallel_tool_calls":false,"stream_options":{"include_usage":true},"max_completion_tokens":300,"tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"tool_choice":"required","thinking":{"type":"disabled"},"stream":true}"#
        let sent = try translated(body, stream: true)
        #expect((sent["messages"] as? [[String: Any]])?.first?["role"] as? String == "system")
        #expect(sent["temperature"] as? Double == 0.99)
        #expect(sent["top_p"] as? Double == 0.99)
        #expect(sent["stop"] as? [String] == ["END"])
        #expect(sent["user_id"] as? String == "user-123456")
        #expect(sent["user"] == nil)
        #expect(sent["request_id"] as? String == "gw-req-42")
        for dropped in ["n", "logprobs", "top_logprobs", "logit_bias", "presence_penalty", "frequency_penalty", "parallel_tool_calls", "stream_options", "max_completion_tokens"] {
            #expect(sent[dropped] == nil, "\(dropped)")
        }
        #expect(sent["max_tokens"] as? Int == 300)
        #expect(sent["tool_choice"] as? String == "auto")
        #expect((sent["tools"] as? [Any])?.count == 1)
        #expect((sent["thinking"] as? [String: Any])?["type"] as? String == "disabled")
        #expect(sent["stream"] as? Bool == true)
        #expect(sent["do_sample"] == nil)
    }

    @Test func samplingClamps() throws {
        let greedy = try translated(#"{"model":"m","messages":[],"temperature":0,"top_p":0.5}"#)
        #expect(greedy["do_sample"] as? Bool == false)
        #expect(greedy["temperature"] == nil && greedy["top_p"] == nil)
        let low = try translated(#"{"model":"m","messages":[],"temperature":0.001,"top_p":0}"#)
        #expect(low["temperature"] as? Double == 0.01)
        #expect(low["top_p"] as? Double == 0.01)
        let inRange = try instance.translateRequest(request(#"{"model":"m","messages":[],"temperature":0.30,"top_p":0.95}"#)).body.text
        #expect(inRange.contains(#""temperature":0.30"#) && inRange.contains(#""top_p":0.95"#))  // literals kept
        #expect(throws: AdapterCallError.self) { try instance.translateRequest(request(#"{"temperature":"hot"}"#)) }
    }

    @Test func toolChoiceNoneDropsTools() throws {
        let sent = try translated(#"{"model":"m","messages":[],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}"#)
        #expect(sent["tools"] == nil && sent["tool_choice"] == nil)
        let named = try translated(#"{"model":"m","messages":[],"tools":[],"tool_choice":{"type":"function","function":{"name":"f"}}}"#)
        #expect(named["tool_choice"] as? String == "auto")
    }

    @Test func stopStringAndShortUser() throws {
        let sent = try translated(#"{"model":"m","messages":[],"stop":"\n\n","user":"bob"}"#)
        #expect(sent["stop"] as? [String] == ["\n\n"])
        #expect(sent["user_id"] == nil && sent["user"] == nil)
    }

    @Test func everyAttemptGetsAFreshRequestID() throws {
        let a = try translated(#"{"model":"m","messages":[]}"#, id: "")
        let b = try translated(#"{"model":"m","messages":[]}"#, id: "")
        let ida = try #require(a["request_id"] as? String), idb = try #require(b["request_id"] as? String)
        #expect(ida != idb && ida.hasPrefix("gw-"))
        let fixture = try instance.translateRequest(try request(fixture: "providers/glm/request.json", stream: true, id: "gw-new"))
        #expect(try JSON.object(fixture.body)["request_id"] as? String == "gw-new")
    }

    @Test(arguments: ["providers/glm/response.json", "providers/glm/response-web-search.json"])
    func responseIsNormalised(_ path: String) throws {
        let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: try Fixture.buffer(path))
        let body = try JSON.object(try #require(out.body))
        #expect(body["object"] as? String == "chat.completion")
        #expect(out.model == "glm-4.6")
        #expect(out.finishReason == "stop")
        #expect(try Schemas.errors(out.body, .response).isEmpty)
        if path.hasSuffix("response.json") {
            #expect(out.usage == TokenUsage(promptTokens: 21, completionTokens: 64, reasoningTokens: nil, cachedTokens: 0))
            #expect(body["request_id"] as? String == "gw-20251023-0001-7f3a")
        } else {
            #expect((body["web_search"] as? [Any])?.count == 1)
        }
    }

    @Test func sensitiveFinishIsContentFilter() throws {
        var object = try JSON.object(try Fixture.buffer("providers/glm/response.json"))
        var choices = try #require(object["choices"] as? [[String: Any]])
        choices[0]["finish_reason"] = "sensitive"
        object["choices"] = choices
        let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: try JSON.data(object))
        #expect(out.finishReason == "content_filter")
        choices[0]["finish_reason"] = "network_error"
        object["choices"] = choices
        let broken = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: try JSON.data(object))
        #expect(broken.body == nil && broken.error?.status == 502)
    }

    @Test(arguments: [
        ("providers/glm/error.json", 400, 400, "invalid_request_error", "invalid_request_error", true),
        ("providers/glm/error-1113.json", 429, 402, "insufficient_quota", "insufficient_quota", true),
        ("providers/glm/error-1301.json", 400, 400, "invalid_request_error", "content_filter", true),
    ])
    func fixtureErrorsAreMappedByBusinessCode(_ path: String, _ upstream: Int, _ status: Int, _ type: String, _ code: String, _ noRetry: Bool) throws {
        let out = instance.translateError(request("{}"), status: upstream, contentType: "application/json", body: try Fixture.buffer(path))
        #expect(out.status == status)
        #expect(out.noRetry == noRetry)
        let e = try #require(try JSON.object(out.body)["error"] as? [String: Any])
        #expect(e["type"] as? String == type)
        #expect(e["code"] as? String == code)
        #expect(e["param"] is NSNull)
        #expect(try Schemas.errors(out.body, .error).isEmpty)
    }

    @Test(arguments: [
        (1261, 400, 400, "context_length_exceeded"), (1302, 429, 429, "rate_limit_exceeded"), (1303, 429, 429, "rate_limit_exceeded"),
        (1304, 429, 429, "rate_limit_exceeded"), (1305, 429, 429, "rate_limit_exceeded"), (1308, 429, 429, "rate_limit_exceeded"),
        (1310, 429, 429, "rate_limit_exceeded"), (1000, 401, 401, "invalid_api_key"), (1002, 401, 401, "invalid_api_key"),
        (1004, 401, 401, "invalid_api_key"), (1211, 400, 404, "model_not_found"), (1210, 400, 400, "invalid_request_error"),
        (1213, 400, 400, "invalid_request_error"), (1215, 400, 400, "invalid_request_error"), (1231, 400, 400, "1231"),
        (500, 500, 500, "500"),
    ])
    func businessCodes(_ code: Int, _ upstream: Int, _ status: Int, _ clientCode: String) throws {
        for body in [#"{"error":{"code":"\#(code)","message":"msg"}}"#, #"{"error":{"code":\#(code),"message":"msg"}}"#] {
            let out = instance.translateError(request("{}"), status: upstream, contentType: "application/json", body: ByteBuffer(string: body))
            #expect(out.status == status, "\(code)")
            let e = try #require(try JSON.object(out.body)["error"] as? [String: Any])
            #expect(e["code"] as? String == clientCode, "\(code)")
            #expect(e["message"] as? String == "msg")
            #expect(try Schemas.errors(out.body, .error).isEmpty)
        }
    }

    @Test func nonJSONErrorsAreMappedByStatus() throws {
        let out = instance.translateError(request("{}"), status: 503, contentType: "text/plain", body: ByteBuffer(string: "busy"))
        #expect(out.status == 503)
        #expect(try Schemas.errors(out.body, .error).isEmpty)
    }

    @Test func streamIsNormalisedToOpenAIChunks() throws {
        let run = try StreamRun(instance, try request(fixture: "providers/glm/request.json", stream: true, includeUsage: true),
                                pieces: [try Fixture.bytes("providers/glm/stream.sse")])
        #expect(run.feedError == nil && run.finishError == nil)
        #expect(run.chunks.count == 32)
        #expect(run.chunks.map(\.usageOnly) == Array(repeating: false, count: 31) + [true])
        for (n, chunk) in run.chunks.enumerated() {
            #expect(chunk.json["object"] as? String == "chat.completion.chunk")
            #expect(try Schemas.errors(chunk.raw, .chunk).isEmpty, "chunk \(n)")
            let choices = chunk.json["choices"] as? [[String: Any]] ?? []
            if n < 30 { #expect(choices.first?["finish_reason"] is NSNull, "chunk \(n)") }
            #expect(chunk.json["usage"] == nil || chunk.usageOnly)
        }
        #expect((run.chunks[30].json["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "stop")
        let usage = try #require(run.chunks[31].json["usage"] as? [String: Any])
        #expect(usage["total_tokens"] as? Int == 85)
        #expect(run.usages == [TokenUsage(promptTokens: 21, completionTokens: 64, reasoningTokens: nil, cachedTokens: 0)])
        #expect(run.models == ["glm-4.6"])
        #expect(run.finishes == ["stop"])
        let text = run.chunks.compactMap { (($0.json["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
        #expect(text == "Write the subject line in the imperative mood, e.g. \"Fix race in cache eviction\".")
    }

    static let toolStream = Array("""
        data: {"id":"t1","created":1761201021,"model":"glm-4.5","choices":[{"index":0,"finish_reason":"tool_calls","delta":{"tool_calls":[{"id":"call_1","index":0,"type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Lisbon\\"}"}}]}}]}

        data: {"id":"t1","created":1761201021,"model":"glm-4.5","choices":[{"index":0,"finish_reason":"tool_calls","delta":{"role":"assistant","content":""}}],"usage":{"prompt_tokens":50,"completion_tokens":10,"total_tokens":60,"prompt_tokens_details":{"cached_tokens":8}}}

        data: [DONE]


        """.utf8)

    @Test func duplicatedToolCallsFinishIsDropped() throws {
        let run = try StreamRun(instance, request("{}", stream: true, includeUsage: true), pieces: [GLMAdapterTests.toolStream])
        #expect(run.finishError == nil)
        #expect(run.finishes == ["tool_calls"])
        #expect(run.chunks.count == 2)
        #expect(run.chunks[1].usageOnly)
        let first = try #require((run.chunks[0].json["choices"] as? [[String: Any]])?.first)
        #expect(first["finish_reason"] as? String == "tool_calls")
        #expect(((first["delta"] as? [String: Any])?["tool_calls"] as? [Any])?.count == 1)
        #expect(run.usages == [TokenUsage(promptTokens: 50, completionTokens: 10, reasoningTokens: nil, cachedTokens: 8)])
        for chunk in run.chunks { #expect(try Schemas.errors(chunk.raw, .chunk).isEmpty) }
    }

    @Test(arguments: [("sensitive", "content_filter"), ("model_context_window_exceeded", "length"), ("length", "length")])
    func streamFinishReasons(_ upstream: String, _ client: String) throws {
        let sse = Array("""
            data: {"id":"t","created":1,"model":"glm-4.6","choices":[{"index":0,"delta":{"role":"assistant","content":"x"}}]}

            data: {"id":"t","created":1,"model":"glm-4.6","choices":[{"index":0,"finish_reason":"\(upstream)","delta":{"role":"assistant","content":""}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}


            """.utf8)
        let run = try StreamRun(instance, request("{}", stream: true), pieces: [sse])
        #expect(run.finishError == nil)  // a finish_reason completes the answer even without [DONE]
        #expect(run.finishes == [client])
        for chunk in run.chunks { #expect(try Schemas.errors(chunk.raw, .chunk).isEmpty) }
    }

    @Test func networkErrorFinishIsAnErrorEvent() throws {
        let sse = Array("""
            data: {"id":"t","created":1,"model":"glm-4.6","choices":[{"index":0,"delta":{"role":"assistant","content":"par"}}]}

            data: {"id":"t","created":1,"model":"glm-4.6","choices":[{"index":0,"finish_reason":"network_error","delta":{"role":"assistant","content":""}}]}

            data: [DONE]


            """.utf8)
        let run = try StreamRun(instance, request("{}", stream: true), pieces: [sse])
        #expect(run.finishes.isEmpty)
        #expect(run.errors.first?.status == 502)
        #expect(run.finishError == nil)
    }

    @Test func midStreamErrorIsMappedByCode() throws {
        let sse = Array("""
            data: {"id":"t","created":1,"model":"glm-4.6","choices":[{"index":0,"delta":{"role":"assistant","content":"x"}}]}

            data: {"error":{"code":"1301","message":"unsafe"}}


            """.utf8)
        let run = try StreamRun(instance, request("{}", stream: true), pieces: [sse])
        let error = try #require(run.errors.first)
        #expect(error.status == 400)
        #expect((try JSON.object(error.body)["error"] as? [String: Any])?["code"] as? String == "content_filter")
        #expect(run.finishError == nil)
    }
}
