import AdapterHost
import Foundation
import NIOCore
import Testing
import TestSupport

@Suite struct OpenAIAdapterTests {
    let adapter: LoadedAdapter
    let instance: AdapterInstance

    init() throws {
        adapter = try Adapters.openAI()
        instance = try adapter.makeInstance(baseURL: "https://api.openai.com/v1", apiKey: "sk-test-123456789", optionsJSON: "{}")
    }

    @Test func descriptor() {
        #expect(adapter.name == "openai")
        #expect(adapter.displayName == "OpenAI")
        #expect(adapter.defaultBaseURL == "https://api.openai.com/v1")
        #expect(adapter.abiVersionString == "1.0")
        #expect(adapter.capabilityNames == ["streaming", "tools", "reasoning", "vision", "json_mode"])
    }

    @Test func streamingRequestAsksForUsageAndKeepsEverythingElse() throws {
        let body = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_obfuscation":false},"foo":{"bar":[1,2.50]},"temperature":0.3}"#
        let up = try instance.translateRequest(request(body, stream: true))
        #expect(up.method == "POST")
        #expect(up.path == "/chat/completions")
        #expect(up.headers.contains { $0.name == "Authorization" && $0.value == "Bearer sk-test-123456789" })
        #expect(up.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
        #expect(!up.headers.contains { $0.name.hasPrefix("OpenAI-") })
        #expect(up.body.text == #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true},"foo":{"bar":[1,2.50]},"temperature":0.3}"#)
    }

    @Test func fixtureRequestIsForwardedWithUsage() throws {
        let r = try request(fixture: "providers/openai/request.json", stream: true)
        let up = try instance.translateRequest(r)
        let sent = try JSON.object(up.body)
        #expect((sent["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(up.body == r.body)  // the fixture already asks for usage: nothing to change
    }

    @Test func nonStreamRequestIsForwardedByteForByte() throws {
        let body = "{ \"model\": \"gpt-4o\",\n \"messages\": [], \"seed\": 12345678901234567890 }"
        let up = try instance.translateRequest(request(body))
        #expect(up.body.text == body)
        let withOptions = try instance.translateRequest(request(#"{"model":"m","stream_options":{"include_usage":true},"messages":[]}"#))
        #expect(withOptions.body.text == #"{"model":"m","messages":[]}"#)
    }

    @Test func organizationAndProjectHeaders() throws {
        let i = try adapter.makeInstance(baseURL: "", apiKey: "k", optionsJSON: #"{"organization":"org-1","project":"proj_2"}"#)
        let up = try i.translateRequest(request(#"{"model":"m","messages":[]}"#))
        #expect(up.headers.contains { $0.name == "OpenAI-Organization" && $0.value == "org-1" })
        #expect(up.headers.contains { $0.name == "OpenAI-Project" && $0.value == "proj_2" })
        let keyless = try adapter.makeInstance(baseURL: "", apiKey: "", optionsJSON: "")
        #expect(!(try keyless.translateRequest(request("{}"))).headers.contains { $0.name == "Authorization" })
    }

    @Test func badConfigurationIsRefused() {
        #expect(throws: AdapterCallError.self) { try adapter.makeInstance(baseURL: "", apiKey: "k", optionsJSON: "[1]") }
        #expect(throws: AdapterCallError.self) { try adapter.makeInstance(baseURL: "", apiKey: "k", optionsJSON: #"{"organization":5}"#) }
        do {
            _ = try adapter.makeInstance(baseURL: "", apiKey: "sk-secret\r\nX: y", optionsJSON: "{}")
            Issue.record("a key with CR/LF was accepted")
        } catch {
            #expect(error.status == 4)  // GW_ERR_CONFIG
            #expect(!error.message.contains("sk-secret"))
        }
    }

    @Test func invalidRequestBodyIsAnInvalidRequest() {
        #expect(throws: AdapterCallError.self) { try instance.translateRequest(request("not json", stream: true)) }
        do {
            _ = try instance.translateRequest(request("[1,2]"))
        } catch {
            #expect(error.status == 1)  // GW_ERR_INVALID_REQUEST
        }
    }

    @Test func responseIsForwardedUnchangedWithUsage() throws {
        let body = try Fixture.buffer("providers/openai/response.json")
        let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: body)
        #expect(out.body == body)
        #expect(out.error == nil)
        #expect(out.model == "gpt-4o-mini-2024-07-18")
        #expect(out.finishReason == "tool_calls")
        #expect(out.usage == TokenUsage(promptTokens: 92, completionTokens: 46, reasoningTokens: 0, cachedTokens: 0))
        #expect(try Schemas.errors(out.body, .response).isEmpty)
    }

    @Test func garbageResponseIsAnUpstreamFormatError() {
        for body in ["", "<html>oops</html>", "{\"id\":1", "{\"id\":\"x\"}", "[]"] {
            do {
                _ = try instance.translateResponse(request("{}"), status: 200, contentType: "text/html", body: ByteBuffer(string: body))
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.status == 3, "\(body)")
            }
        }
    }

    @Test(arguments: [
        ("providers/openai/error.json", 429, false), ("providers/openai/error-401.json", 401, true),
        ("providers/openai/error-400.json", 400, true), ("providers/openai/error-500.json", 500, false),
    ])
    func errorsPassThroughWithTheirStatus(_ path: String, _ status: Int, _ noRetry: Bool) throws {
        let body = try Fixture.buffer(path)
        let out = instance.translateError(request("{}"), status: status, contentType: "application/json", body: body)
        #expect(out.status == status)
        #expect(out.body == body)
        #expect(out.noRetry == noRetry)
        #expect(try Schemas.errors(out.body, .error).isEmpty)
    }

    @Test func nonJSONErrorsBecomeOpenAIShapedErrors() throws {
        let out = instance.translateError(request("{}"), status: 503, contentType: "text/html", body: ByteBuffer(string: "<h1>busy</h1>"))
        #expect(out.status == 503)
        let e = try #require(try JSON.object(out.body)["error"] as? [String: Any])
        #expect(e["type"] as? String == "server_error")
        #expect(try Schemas.errors(out.body, .error).isEmpty)
        let quota = instance.translateError(request("{}"), status: 429, contentType: "application/json",
            body: ByteBuffer(string: #"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#))
        #expect(quota.status == 429 && quota.noRetry)
        #expect(try Schemas.errors(quota.body, .error).isEmpty)  // param was missing upstream: added as null
    }

    @Test func streamIsForwardedAsReceived() throws {
        let sse = try Fixture.bytes("providers/openai/stream.sse")
        let r = try request(fixture: "providers/openai/request.json", stream: true, includeUsage: true)
        let run = try StreamRun(instance, r, pieces: [sse])
        #expect(run.feedError == nil && run.finishError == nil)
        // Byte-identical to the upstream data payloads.
        let upstream = String(decoding: sse, as: UTF8.self).components(separatedBy: "\n\n")
            .filter { $0.hasPrefix("data: {") }.map { String($0.dropFirst(6)) }
        #expect(run.chunks.map(\.raw) == upstream)
        #expect(run.chunks.map(\.usageOnly) == Array(repeating: false, count: 14) + [true])
        #expect(run.usages == [TokenUsage(promptTokens: 92, completionTokens: 46, reasoningTokens: 0, cachedTokens: 0)])
        #expect(run.models == ["gpt-4o-mini-2024-07-18"])
        #expect(run.finishes == ["tool_calls"])
        // Tool-call deltas accumulate by index into the two calls of the non-stream answer.
        var arguments: [Int: String] = [:]
        for chunk in run.chunks {
            for choice in chunk.json["choices"] as? [[String: Any]] ?? [] {
                for call in (choice["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]] ?? [] {
                    let index = call["index"] as? Int ?? -1
                    arguments[index, default: ""] += (call["function"] as? [String: Any])?["arguments"] as? String ?? ""
                }
            }
        }
        #expect(arguments == [0: #"{"city":"Lisbon"}"#, 1: #"{"city":"Osaka"}"#])
        for chunk in run.chunks { #expect(try Schemas.errors(chunk.raw, .chunk).isEmpty) }
    }

    @Test func usageNullIsDroppedWhenTheClientDidNotAskForUsage() throws {
        let sse = try Fixture.bytes("providers/openai/stream.sse")
        let run = try StreamRun(instance, request("{}", stream: true, includeUsage: false), pieces: [sse])
        #expect(run.chunks.count == 15)
        #expect(run.chunks.dropLast().allSatisfy { !$0.raw.contains("\"usage\"") })
        #expect(run.chunks.last?.usageOnly == true)
        #expect(run.usages.count == 1)
    }

    @Test func midStreamErrorEndsTheStream() throws {
        let sse = Array("""
            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}

            data: {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"ignored"},"finish_reason":null}]}


            """.utf8)
        let run = try StreamRun(instance, request("{}", stream: true), pieces: [sse])
        #expect(run.finishError == nil)
        #expect(run.chunks.count == 1)
        let error = try #require(run.errors.first)
        #expect(error.status == 500)
        #expect(try Schemas.errors(error.body, .error).isEmpty)
    }

    @Test func finishReasonWithoutDoneIsComplete() throws {
        let sse = Array("""
            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}

            data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}


            """.utf8)
        let run = try StreamRun(instance, request("{}", stream: true), pieces: [sse])
        #expect(run.finishError == nil)
        #expect(run.finishes == ["stop"])
    }
}
