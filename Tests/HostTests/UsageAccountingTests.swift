import Foundation
import Host
import MockProvider
import Testing

/// The numbers an operator pays by: the ledger, the statistics API and the metrics must agree with what
/// the provider reported, for streams, errors and disconnects alike.
@Suite("Usage accounting", .serialized)
struct UsageAccountingTests {
    /// All ledger rows through the logs API (newest first).
    static func logRows(_ harness: GatewayHarness, token: String, query: String = "") async throws -> [[String: Any]] {
        let reply = try await harness.send(.GET, "/admin/logs?page_size=200\(query)", token: token)
        try #require(reply.status == 200, "\(reply.text)")
        return try #require(reply.json?["data"] as? [[String: Any]])
    }

    @Test("a mixed workload: ledger, statistics and the provider's own numbers agree exactly")
    func mixedWorkload() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let openai = try await harness.createProvider(.openai, token: token)
        let deepseek = try await harness.createProvider(.deepseek, token: token)
        let glm = try await harness.createProvider(.glm, token: token)
        _ = try await harness.createEndpoint(path: "/oa", providerID: openai, model: "gpt-4o-mini", token: token)
        _ = try await harness.createEndpoint(path: "/ds", providerID: deepseek, model: "deepseek-reasoner", token: token)
        _ = try await harness.createEndpoint(path: "/glm", providerID: glm, model: "glm-4.6", token: token)
        let key = try await harness.createKey(token: token)

        // Non-stream and stream on each provider; usage rides in different places for each.
        for path in ["/oa", "/ds", "/glm"] {
            #expect(try await harness.send(.POST, path, json: chatBody("Hello number one"), token: key).status == 200)
            #expect(try await harness.stream(path, key: key, body: chatBody("Hello number two")).endedWithDone)
            // Usage that the client did not ask for is still counted; asked for, it is delivered once.
            let asked = try await harness.stream(path, key: key, body: chatBody("Hello three", extra: ["stream_options": ["include_usage": true]]))
            #expect(asked.jsonEvents.filter { $0["usage"] is [String: Any] }.count == 1)
        }
        // Errors and a client that leaves.
        #expect(try await harness.send(.POST, "/ds", json: chatBody("x [mock error=402]"), token: key).status == 402)
        #expect(try await harness.send(.POST, "/oa", json: ["messages": "bad"], token: key).status == 400)
        _ = try await harness.stream("/oa", key: key, body: chatBody("[mock chunks=100 interval_ms=40]"), stopAfter: 3)
        try await Task.sleep(for: .milliseconds(300))

        let rows = try await Self.logRows(harness, token: token)
        #expect(rows.count == 12)
        let reported = rows.filter { $0["token_source"] as? String == "reported" }
        #expect(reported.count == 9, "every completed answer is counted from the provider's numbers")
        let mockUsage = harness.mock.requests().compactMap(\.reportedUsage)
        #expect(reported.reduce(0) { $0 + ($1["prompt_tokens"] as? Int ?? 0) } == mockUsage.reduce(0) { $0 + $1.promptTokens })
        #expect(reported.reduce(0) { $0 + ($1["completion_tokens"] as? Int ?? 0) } == mockUsage.reduce(0) { $0 + $1.completionTokens })
        #expect(reported.reduce(0) { $0 + ($1["reasoning_tokens"] as? Int ?? 0) } == mockUsage.reduce(0) { $0 + $1.reasoningTokens })

        let disconnected = try #require(rows.first { $0["error_class"] as? String == "client_disconnected" })
        #expect(disconnected["token_source"] as? String == "estimated")
        let estimated = disconnected["completion_tokens"] as? Int ?? 0
        #expect(estimated > 0 && estimated < 100, "only the delivered words are estimated: \(estimated)")
        #expect(rows.contains { $0["status"] as? Int == 402 && $0["error_class"] as? String == "provider_402" })
        #expect(rows.contains { $0["status"] as? Int == 400 && $0["token_source"] as? String == "none" })
        for row in rows where row["status"] as? Int == 200 && row["error_class"] is NSNull {
            #expect((row["latency_ms"] as? Double ?? 0) > 0)
            #expect(row["upstream_ms"] is Double && row["overhead_ms"] is Double)
            #expect((row["model_answered"] as? String)?.isEmpty == false)
            if row["stream"] as? Bool == true { #expect(row["ttft_ms"] is Double) }
        }

        // The statistics API adds up the same rows.
        let stats = try await harness.send(.GET, "/admin/stats", token: token)
        let today = try #require(stats.json?["today"] as? [String: Any])
        let allTime = try #require(stats.json?["all_time"] as? [String: Any])
        #expect(today["calls"] as? Int == 12)
        #expect(allTime["calls"] as? Int == 12)
        #expect(today["errors"] as? Int == 3)
        #expect(today["prompt_tokens"] as? Int == rows.reduce(0) { $0 + ($1["prompt_tokens"] as? Int ?? 0) })
        #expect(today["completion_tokens"] as? Int == rows.reduce(0) { $0 + ($1["completion_tokens"] as? Int ?? 0) })
        let breakdown = try #require((stats.json?["breakdown"] as? [String: Any])?["endpoints"] as? [[String: Any]])
        #expect(Set(breakdown.compactMap { $0["label"] as? String }) == ["/oa", "/ds", "/glm"])
        let system = try #require(stats.json?["system"] as? [String: Any])
        #expect(system["adapters_loaded"] as? Int == 3)
        #expect((system["memory_rss_bytes"] as? Int ?? 0) > 1_000_000)
        #expect((stats.json?["live"] as? [String: Any])?["open_streams"] as? Int == 0)
        #expect((stats.json?["live"] as? [String: Any])?["in_flight_requests"] as? Int == 0)

        // Charts: one series per endpoint, calls adding up.
        let series = try await harness.send(.GET, "/admin/stats/timeseries?bucket=minute&group_by=endpoint", token: token)
        #expect(series.status == 200, "\(series.text)")
        let list = try #require(series.json?["series"] as? [[String: Any]])
        #expect(Set(list.compactMap { $0["label"] as? String }) == ["/oa", "/ds", "/glm"])
        let calls = list.flatMap { ($0["points"] as? [[String: Any]]) ?? [] }.reduce(0) { $0 + ($1["calls"] as? Int ?? 0) }
        #expect(calls == 12)
        #expect(try await harness.send(.GET, "/admin/stats/timeseries?bucket=week", token: token).status == 422)

        // Filters on the request log.
        let errors = try await Self.logRows(harness, token: token, query: "&status=4xx")
        #expect(errors.count == 2)

        // Prometheus metrics count the same requests (the test client is on loopback).
        let metrics = try await harness.send(.GET, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains(#"gateway_requests_total{endpoint="/ds",provider="#))
        #expect(metrics.text.contains("gateway_tokens_total"))
        let inFlight = metrics.text.split(separator: "\n").first { $0.hasPrefix("gateway_in_flight_requests ") }
        #expect(inFlight.flatMap { Double($0.split(separator: " ").last ?? "") } == 0, "nothing is in flight any more: \(inFlight ?? "missing")")
        #expect(metrics.text.contains("gateway_overhead_seconds_bucket"))
    }

    @Test("a provider that reports no usage is estimated from the delivered text and marked so")
    func estimatedUsage() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, token) = try await harness.setUpRoute(.openai, path: "/e")
        let streamed = try await harness.stream("/e", key: key, body: chatBody("Tell me [mock no_usage chunks=40]"))
        #expect(streamed.endedWithDone)
        let whole = try await harness.send(.POST, "/e", json: chatBody("Tell me [mock no_usage chunks=40]"), token: key)
        #expect(whole.status == 200)
        let rows = try await Self.logRows(harness, token: token)
        #expect(rows.count == 2)
        for row in rows {
            #expect(row["token_source"] as? String == "estimated")
            // 40 words "w1".."w40" with spaces: about 150 characters, so tens of tokens, never hundreds.
            let completion = row["completion_tokens"] as? Int ?? 0
            #expect((20...80).contains(completion), "estimate \(completion)")
            #expect((row["prompt_tokens"] as? Int ?? 0) > 0)
        }
    }

    @Test("the request id in the response header names the ledger row and the log line")
    func requestID() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, token) = try await harness.setUpRoute(.glm, path: "/r")
        let reply = try await harness.send(.POST, "/r", json: chatBody("hi"), token: key)
        let id = try #require(reply.headers.first(name: "x-request-id"))
        let rows = try await Self.logRows(harness, token: token)
        #expect(rows.first?["request_id"] as? String == id)
        // The key's "last used" time is kept by the ledger writer.
        let keys = try await harness.send(.GET, "/admin/keys", token: token)
        #expect((keys.json?["data"] as? [[String: Any]])?.first?["last_used_at"] is String, "\(keys.text)")
        #expect(harness.log.all.contains { $0.contains("request_id=\(id)") })
    }

    @Test("an ordinary user sees only the requests made with their own keys")
    func usersSeeTheirOwnNumbers() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (adminKey, adminToken) = try await harness.setUpRoute(.openai, path: "/shared")
        try await harness.createUser("alice", password: "alice-password-1", token: adminToken)
        let alice = try await harness.login("alice", "alice-password-1").token
        let aliceKey = try await harness.createKey(token: alice, body: ["name": "alice's key"]).key
        for _ in 0..<3 { #expect(try await harness.send(.POST, "/shared", json: chatBody("admin call"), token: adminKey).status == 200) }
        for _ in 0..<2 { #expect(try await harness.send(.POST, "/shared", json: chatBody("alice call"), token: aliceKey).status == 200) }

        let mine = try await harness.send(.GET, "/admin/stats", token: alice)
        #expect(mine.json?["scope"] as? String == "own")
        #expect((mine.json?["today"] as? [String: Any])?["calls"] as? Int == 2)
        let all = try await harness.send(.GET, "/admin/stats", token: adminToken)
        #expect((all.json?["today"] as? [String: Any])?["calls"] as? Int == 5)
        let aliceLogs = try await Self.logRows(harness, token: alice)
        #expect(aliceLogs.count == 2)
        #expect(aliceLogs.allSatisfy { $0["username"] as? String == "alice" })
        let aliceSeries = try await harness.send(.GET, "/admin/stats/timeseries?bucket=minute", token: alice)
        let calls = ((aliceSeries.json?["series"] as? [[String: Any]]) ?? []).flatMap { ($0["points"] as? [[String: Any]]) ?? [] }
        #expect(calls.reduce(0) { $0 + ($1["calls"] as? Int ?? 0) } == 2)
        #expect(try await harness.send(.GET, "/admin/stats/timeseries?group_by=user", token: alice).status == 403)
        #expect(try await harness.send(.GET, "/admin/logs?user_id=1", token: alice).status == 403)
    }
}
