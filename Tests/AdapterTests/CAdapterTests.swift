import AdapterHost
import Foundation
import NIOCore
import Testing
import TestSupport

/// The plain-C pass-through adapter, loaded like any other.
@Suite struct CAdapterTests {
    let adapter: LoadedAdapter
    let instance: AdapterInstance
    let log = LogSink()

    init() throws {
        adapter = try LoadedAdapter.load(path: try CFixtures.build("passthrough"), log: log.closure)
        instance = try adapter.makeInstance(baseURL: "http://localhost:9", apiKey: "c-key", optionsJSON: "{}")
    }

    @Test func descriptorAndHostLog() {
        #expect(adapter.name == "c-passthrough")
        #expect(adapter.displayName == "C pass-through")
        #expect(adapter.defaultBaseURL == nil)
        #expect(adapter.capabilityNames == ["streaming", "tools"])
        // Logged from the entry function, before the descriptor is validated: tagged with the file name.
        #expect(log.contains("passthrough.so: c-passthrough ready"))
    }

    @Test func requestIsForwarded() throws {
        let body = try Fixture.buffer("providers/openai/request.json")
        let up = try instance.translateRequest(UnifiedRequest(model: "gpt-4o-mini", body: body, stream: true, requestID: "r"))
        #expect(up.method == "POST" && up.path == "/chat/completions")
        #expect(up.headers.map(\.name) == ["Authorization", "Content-Type"])
        #expect(up.headers.first?.value == "Bearer c-key")
        #expect(up.body == body)
    }

    @Test func responseAndErrorsAreForwarded() throws {
        let body = try Fixture.buffer("providers/openai/response.json")
        let out = try instance.translateResponse(request("{}"), status: 200, contentType: "application/json", body: body)
        #expect(out.body == body)
        #expect(out.usage == nil && out.model == nil)
        let errorBody = try Fixture.buffer("providers/openai/error.json")
        let e = instance.translateError(request("{}"), status: 429, contentType: "application/json", body: errorBody)
        #expect(e.status == 429 && e.body == errorBody)
        #expect(throws: AdapterCallError.self) {
            try instance.translateResponse(request("{}"), status: 200, contentType: "text/html", body: ByteBuffer(string: "<html>"))
        }
    }

    @Test func streamIsSplitIntoChunks() throws {
        let bytes = try Fixture.bytes("providers/openai/stream.sse")
        let whole = try StreamRun(instance, request("{}", stream: true), pieces: [bytes])
        #expect(whole.finishError == nil)
        #expect(whole.chunks.count == 15)
        let split = try StreamRun(instance, request("{}", stream: true), pieces: RandomSplits.random(bytes, seed: 5, maxPiece: 9))
        #expect(split.signature == whole.signature)
        let cut = try StreamRun(instance, request("{}", stream: true), pieces: [Array(bytes.prefix(bytes.count - 20))])
        #expect(cut.finishError?.status == 3)
        #expect(cut.finishError?.message == "the stream ended before data: [DONE]")
    }
}

/// What the host does with adapters that break the rules: refuse, report, never trap.
@Suite struct HostValidationTests {
    let adapter: LoadedAdapter
    let log = LogSink()

    init() throws {
        adapter = try LoadedAdapter.load(path: try CFixtures.build("misbehaving"), log: log.closure)
    }

    func instance(_ mode: String) throws -> AdapterInstance {
        try adapter.makeInstance(baseURL: "", apiKey: mode, optionsJSON: "{}")
    }

    func requestError(_ mode: String) throws -> AdapterCallError? {
        let i = try instance(mode)
        do throws(AdapterCallError) {
            _ = try i.translateRequest(request("{}"))
            return nil
        } catch {
            return error
        }
    }

    @Test func descriptorDefaults() {
        #expect(adapter.displayName == "misbehaving")  // NULL display_name falls back to the name
        #expect(adapter.defaultBaseURL == nil)  // "" counts as absent
        #expect(adapter.capabilityNames == ["streaming"])  // unknown future bits are not named
    }

    @Test func oddButLegalOutputIsIgnored() throws {
        let up = try instance("well-behaved").translateRequest(request("{}"))
        #expect(up.path == "/ok" && up.method == "POST" && up.body.readableBytes == 0)
        #expect(log.contains("output kind 99 during translate_request; ignored"))
        #expect(log.contains("output kind 11 during translate_request; ignored"))
    }

    @Test(arguments: [
        ("null-value", "NULL HTTP path with length 5"), ("no-path", "emitted no HTTP path"),
        ("bad-path", "invalid HTTP path"), ("null-output", "NULL gw_output"),
        ("crlf-header", "control characters"), ("huge", "more than 64 MiB"), ("ignore-abort", "NULL gw_output"),
        ("small-output", "invalid HTTP path"),  // the value lies outside struct_size: read as empty, not as "/should-not-be-read"
    ])
    func brokenRequestOutput(_ mode: String, _ message: String) throws {
        let error = try #require(try requestError(mode))
        #expect(error.status == 6)  // GW_ERR_INTERNAL: the adapter's fault
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func createFailures() throws {
        do throws(AdapterCallError) {
            _ = try adapter.makeInstance(baseURL: "", apiKey: "fail-create-silently", optionsJSON: "{}")
            Issue.record("created")
        } catch {
            #expect(error.status == 4)
            #expect(error.message == "adapter misbehaving failed in create_instance with GW_ERR_CONFIG")
        }
        do throws(AdapterCallError) {
            _ = try adapter.makeInstance(baseURL: "", apiKey: "fail-create-unterminated", optionsJSON: "{}")
            Issue.record("created")
        } catch {
            #expect(error.message == String(repeating: "x", count: 256))
        }
        #expect(throws: AdapterCallError.self) { try instance("create-ok-null") }
    }

    @Test func logCallbackSurvivesBadArguments() throws {
        _ = try instance("log-bad-ctx").translateRequest(request("{}"))
        let lines = log.lines.withLock { $0 }
        #expect(!lines.contains { $0.1.contains("hello") })  // wrong host_ctx: dropped
        let forged = try #require(lines.first { $0.1.contains("forged") })
        #expect(forged.0 == .info)  // unknown level 42
        #expect(forged.1 == "misbehaving: line one forged line [31m")  // control characters neutralised
    }

    @Test func responseRules() throws {
        #expect(throws: AdapterCallError.self) {
            try instance("two-responses").translateResponse(request("{}"), status: 200, contentType: "", body: ByteBuffer())
        }
        #expect(throws: AdapterCallError.self) {
            try instance("emits-nothing").translateResponse(request("{}"), status: 200, contentType: "", body: ByteBuffer())
        }
        let weird = try instance("weird-usage").translateResponse(request("{}"), status: 200, contentType: "", body: ByteBuffer())
        #expect(weird.usage == TokenUsage(promptTokens: 7, completionTokens: nil, reasoningTokens: nil, cachedTokens: nil))
    }

    @Test(arguments: ["emits-nothing", "error-fails"])
    func translateErrorFallsBackToA502(_ mode: String) throws {
        let out = try instance(mode).translateError(request("{}"), status: 418, contentType: "", body: ByteBuffer(string: "teapot"))
        #expect(out.status == 502)
        #expect(out.body.text == #"{"error":{"message":"upstream returned HTTP 418","type":"upstream_error","param":null,"code":"upstream_error"}}"#)
        #expect(try Schemas.errors(out.body, .error).isEmpty)
    }

    @Test func errorStatusOutsideTheErrorRangeBecomes502() throws {
        let out = try instance("error-status-200").translateError(request("{}"), status: 500, contentType: "", body: ByteBuffer())
        #expect(out.status == 502)
    }

    @Test func streamRules() throws {
        #expect(throws: AdapterCallError.self) { try instance("stream-ok-null").makeStream(request("{}", stream: true)) }
        let s = try instance("streams").makeStream(request("{}", stream: true))
        var events: [StreamEvent] = []
        try s.feed(ByteBuffer(string: "abc"), into: &events)
        #expect(events.count == 1)  // the stray GW_OUT_HTTP_PATH is ignored
        do {
            try s.feed(ByteBuffer(string: "fail"), into: &events)
            Issue.record("accepted")
        } catch {
            #expect(error.status == 3 && error.message == "bad bytes")
        }
        // After a failure nothing more reaches the adapter.
        #expect(throws: AdapterCallError.self) { try s.feed(ByteBuffer(string: "abc"), into: &events) }
        #expect(events.count == 1)
        let cut = try instance("streams").makeStream(request("{}", stream: true))
        do {
            try cut.finish(into: &events)
            Issue.record("finished")
        } catch {
            #expect(error.message == "adapter misbehaving failed in finish_stream with GW_ERR_UPSTREAM_FORMAT")
        }
    }

    @Test func everyStreamIsDestroyedExactlyOnce() throws {
        let i = try instance("streams")
        // The counter of the copy the host loaded (the host maps a private copy of every adapter file).
        let symbol = try #require(i.adapter.symbol("misbehaving_destroyed_streams"))
        let destroyed = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
        let before = destroyed()
        do {
            let a = try i.makeStream(request("{}", stream: true))
            let b = try i.makeStream(request("{}", stream: true))
            var events: [StreamEvent] = []
            try? b.feed(ByteBuffer(string: "fail"), into: &events)
            try? a.finish(into: &events)
            _ = (a, b)
        }
        #expect(destroyed() - before == 2)
    }
}
