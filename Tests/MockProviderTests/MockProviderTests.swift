import AsyncHTTPClient
import Foundation
import MockProvider
import Testing

/// The mock over real sockets, as the gateway's tests use it.
@Suite struct MockProviderTests {
    private func post(
        _ mock: MockProvider, _ flavor: MockFlavor, _ body: String, key: String? = nil
    ) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: mock.baseURL(for: flavor) + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key ?? MockCredentials.key(for: flavor))")
        request.body = .bytes(Array(body.utf8))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    private func withMock(_ body: (MockProvider) async throws -> Void) async throws {
        let mock = try await MockProvider.start()
        do {
            try await body(mock)
        } catch {
            await mock.stop()
            throw error
        }
        await mock.stop()
    }

    private func chat(_ content: String, stream: Bool = false, extra: String = "") -> String {
        #"{"model":"m","stream":\#(stream)\#(extra),"messages":[{"role":"user","content":"\#(content)"}]}"#
    }

    private func dataEvents(_ body: String) -> [String] {
        body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    @Test(arguments: MockFlavor.allCases)
    func answersWithTheDefaultTextAndRecordsUsage(flavor: MockFlavor) async throws {
        try await withMock { mock in
            let (status, body) = try await post(mock, flavor, chat("Good morning [mock cached=1]"))
            #expect(status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let choices = try #require(json["choices"] as? [[String: Any]])
            let message = try #require(choices.first?["message"] as? [String: Any])
            #expect(message["content"] as? String == "Hello from mock \(flavor.rawValue)! You said: Good morning")
            #expect((json["object"] != nil) == (flavor != .glm))

            let recorded = try #require(mock.requests().first)
            #expect(recorded.flavor == flavor)
            #expect(recorded.completed)
            #expect(!recorded.clientDisconnected)
            // "Good morning [mock cached=1]" is 28 bytes -> 7 prompt tokens; the answer is 8 pieces.
            #expect(recorded.reportedUsage == MockUsage(promptTokens: 7, completionTokens: 8, reasoningTokens: 0, cachedTokens: 1))
        }
    }

    @Test(arguments: MockFlavor.allCases)
    func streamsWordChunksAndEndsWithDone(flavor: MockFlavor) async throws {
        try await withMock { mock in
            let extra = #","stream_options":{"include_usage":true}"#
            let (status, body) = try await post(mock, flavor, chat("[mock chunks=4]", stream: true, extra: extra))
            #expect(status == 200)
            let events = dataEvents(body)
            #expect(events.last == "[DONE]")
            var text = ""
            for event in events.dropLast() {
                let json = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
                let choices = try #require(json["choices"] as? [[String: Any]])
                text += (choices.first?["delta"] as? [String: Any])?["content"] as? String ?? ""
            }
            #expect(text == "w1 w2 w3 w4")
            #expect(mock.requests().first?.reportedUsage?.completionTokens == 4)
        }
    }

    @Test func rejectsWrongKeysInEachProvidersShape() async throws {
        try await withMock { mock in
            let openAI = try await post(mock, .openai, chat("hi"), key: "sk-wrong")
            #expect(openAI.status == 401)
            #expect(openAI.body.contains(#""code":"invalid_api_key""#))
            let glm = try await post(mock, .glm, chat("hi"), key: "sk-wrong")
            #expect(glm.status == 401)
            #expect(glm.body.contains(#""code":"1002""#))
        }
    }

    @Test func acceptsValidGLMTokensOnly() async throws {
        try await withMock { mock in
            let valid = try await post(mock, .glm, chat("hi"), key: MockCredentials.glmJWT())
            #expect(valid.status == 200)
            let expired = try await post(mock, .glm, chat("hi"), key: MockCredentials.glmJWT(lifetime: -1))
            #expect(expired.status == 401)
            let forged = try await post(mock, .glm, chat("hi"), key: MockCredentials.glmJWT(idSecret: "mockid.othersecret"))
            #expect(forged.status == 401)
        }
    }

    @Test func glmBusinessCodesComeWithTheirStatus() async throws {
        try await withMock { mock in
            let arrears = try await post(mock, .glm, chat("[mock glm_code=1113]"))
            #expect(arrears.status == 429)
            #expect(arrears.body.contains(#""code":"1113""#))
            let balance = try await post(mock, .deepseek, chat("[mock error=402]"))
            #expect(balance.status == 402)
            #expect(balance.body.contains("Insufficient Balance"))
        }
    }

    @Test func dropAfterCutsTheBodyAndClosesTheConnection() async throws {
        try await withMock { mock in
            await #expect(throws: (any Error).self) {
                _ = try await post(mock, .openai, chat("[mock chunks=10 drop_after=3]", stream: true))
            }
            let recorded = try #require(mock.requests().first)
            #expect(!recorded.completed)
            #expect(!recorded.clientDisconnected)
            #expect(recorded.reportedUsage == nil)
        }
    }

    @Test func noticesAClientThatGoesAway() async throws {
        try await withMock { mock in
            var request = HTTPClientRequest(url: mock.baseURL(for: .deepseek) + "/chat/completions")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(MockCredentials.deepSeekKey)")
            request.body = .bytes(Array(chat("[mock chunks=1000 interval_ms=20]", stream: true).utf8))
            let reader = Task {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                var parts = 0
                for try await _ in response.body {
                    parts += 1
                    if parts == 3 { break }
                }
            }
            try await reader.value  // leaving the body sequence early closes the connection

            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline, mock.requests().first?.clientDisconnected != true {
                try await Task.sleep(for: .milliseconds(20))
            }
            let recorded = try #require(mock.requests().first)
            #expect(recorded.clientDisconnected)
            #expect(!recorded.completed)
        }
    }

    @Test func pacesKeepAlivesAndEventsFromTheEventLoop() async throws {
        try await withMock { mock in
            let started = ContinuousClock.now
            let (status, body) = try await post(
                mock, .openai,
                chat("[mock chunks=3 interval_ms=40 keepalive=2 keepalive_ms=30 headers_then_wait_ms=50]", stream: true))
            let elapsed = ContinuousClock.now - started
            #expect(status == 200)
            #expect(body.hasPrefix(": keep-alive\n\n: keep-alive\n\ndata: "))
            let events = dataEvents(body)
            #expect(events.last == "[DONE]")
            // 50 ms of headers_then_wait, 30 between the keep-alives and before the first data event, then 40
            // between data events ([DONE] follows the last one at once).
            let dataCount = events.count - 1
            let least = 50 + 30 + 30 + 40 * (dataCount - 1)
            // A floor only: the mock never sends an event early. (How late it may be depends on the machine.)
            #expect(elapsed >= .milliseconds(least))
            #expect(mock.requests().first?.completed == true)
        }
    }

    @Test func streamsLongUnpacedAnswersWhole() async throws {
        try await withMock { mock in
            // 20,000 events without pauses: written in batches, waiting whenever the socket is full.
            let (status, body) = try await post(mock, .deepseek, chat("[mock chunks=20000]", stream: true))
            #expect(status == 200)
            let events = dataEvents(body)
            #expect(events.last == "[DONE]")
            #expect(events.count > 20_000)
            let recorded = try #require(mock.requests().first)
            #expect(recorded.completed)
            #expect(recorded.reportedUsage?.completionTokens == 20_000)
            // The next answers reuse the pooled keep-alive connection.
            for _ in 0..<3 {
                let (again, text) = try await post(mock, .deepseek, chat("[mock chunks=5 interval_ms=1]", stream: true))
                #expect(again == 200)
                #expect(dataEvents(text).last == "[DONE]")
            }
            #expect(mock.requests().allSatisfy { $0.completed })
        }
    }
}
