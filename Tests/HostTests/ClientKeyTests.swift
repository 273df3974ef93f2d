import Foundation
import GRDB
import Host
import MockProvider
import Testing

/// Client keys owned by users: ownership on the admin API, and scope, expiry and disabling on the
/// proxy routes.
@Suite("Security: client keys", .serialized)
struct ClientKeyTests {
    /// Two endpoints (/bots/a, /bots/b), two users (una, vic) and the admin token.
    private func setUp(_ harness: GatewayHarness) async throws -> (admin: String, a: Int, b: Int, una: String, vic: String, unaID: Int, vicID: Int) {
        let admin = try await harness.adminToken()
        let provider = try await harness.createProvider(.openai, token: admin)
        let a = try await harness.createEndpoint(path: "/bots/a", providerID: provider, model: "gpt-4o-mini", token: admin)
        let b = try await harness.createEndpoint(path: "/bots/b", providerID: provider, model: "gpt-4o-mini", token: admin)
        let unaID = try await harness.createUser("una", password: "una-password-1", token: admin)
        let vicID = try await harness.createUser("vic", password: "vic-password-1", token: admin)
        let una = try await harness.login("una", "una-password-1").token
        let vic = try await harness.login("vic", "vic-password-1").token
        return (admin, a, b, una, vic, unaID, vicID)
    }

    @Test("a key scoped to endpoint A works on A and gets 403 on B, models route included")
    func scoping() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let s = try await setUp(harness)
        let scoped = try await harness.createKey(token: s.una, body: ["name": "only a", "endpoint_ids": [s.a]])
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: scoped.key).status == 200)
        #expect(try await harness.send(.GET, "/bots/a/models", token: scoped.key).status == 200)
        let refused = try await harness.send(.POST, "/bots/b/chat/completions", json: chatBody("hi"), token: scoped.key)
        #expect(refused.status == 403 && refused.errorCode == "key_not_allowed_for_endpoint", "\(refused.text)")
        #expect(refused.json?["error"] as? [String: Any] != nil && !refused.text.contains(scoped.key))
        #expect(try await harness.send(.GET, "/bots/b/models", token: scoped.key).status == 403)
        let streamed = try await harness.stream("/bots/b", key: scoped.key, body: chatBody("hi"))
        #expect(streamed.status == 403)

        // Widen to every endpoint, then narrow again; each change applies to the next request.
        #expect(try await harness.send(.PUT, "/admin/keys/\(scoped.id)", json: ["endpoint_ids": NSNull()], token: s.una).status == 200)
        #expect(try await harness.send(.POST, "/bots/b", json: chatBody("hi"), token: scoped.key).status == 200)
        let narrowed = try await harness.send(.PUT, "/admin/keys/\(scoped.id)", json: ["endpoint_ids": [s.b]], token: s.una)
        #expect(narrowed.status == 200 && narrowed.json?["endpoint_ids"] as? [Int] == [s.b])
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: scoped.key).status == 403)

        // Deleting the only endpoint in a key's scope leaves the key with no endpoint, not with all.
        #expect(try await harness.send(.DELETE, "/admin/endpoints/\(s.b)", token: s.admin).status == 204)
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: scoped.key).status == 403)

        for bad in [[Int](), [999], "1", [s.a, "x"]] as [Any] {
            let reply = try await harness.send(.POST, "/admin/keys", json: ["name": "bad", "endpoint_ids": bad], token: s.una)
            #expect(reply.status == 422 && reply.errorFields.keys.contains { $0.hasPrefix("endpoint_ids") }, "\(bad): \(reply.text)")
        }
    }

    @Test("users see and change only their own keys; admins see all and may create keys for others")
    func ownership() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let s = try await setUp(harness)
        let unaKey = try await harness.createKey(token: s.una, body: ["name": "una's"])
        _ = try await harness.createKey(token: s.vic, body: ["name": "vic's"])

        let unaList = try await harness.send(.GET, "/admin/keys", token: s.una)
        #expect((unaList.json?["data"] as? [[String: Any]] ?? []).map { $0["name"] as? String } == ["una's"])
        #expect((unaList.json?["data"] as? [[String: Any]])?.first?["username"] as? String == "una")
        for (method, body) in [("GET", nil), ("PUT", ["enabled": false]), ("DELETE", nil)] as [(String, [String: Any]?)] {
            let reply = try await harness.send(.init(rawValue: method), "/admin/keys/\(unaKey.id)", json: body, token: s.vic)
            #expect(reply.status == 404, "vic must not reach una's key with \(method): \(reply.text)")
        }
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: unaKey.key).status == 200, "una's key is untouched")

        let all = try await harness.send(.GET, "/admin/keys", token: s.admin)
        #expect(Set((all.json?["data"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }) == ["una's", "vic's"])
        let forVic = try await harness.send(.POST, "/admin/keys", json: ["name": "issued", "user_id": s.vicID], token: s.admin)
        #expect(forVic.status == 201 && forVic.json?["user_id"] as? Int == s.vicID)
        let vicList = try await harness.send(.GET, "/admin/keys", token: s.vic)
        #expect((vicList.json?["data"] as? [[String: Any]] ?? []).count == 2)
        let sneaky = try await harness.send(.POST, "/admin/keys", json: ["name": "mine now", "user_id": s.unaID], token: s.vic)
        #expect(sneaky.status == 422 && sneaky.errorFields["user_id"] != nil)
        #expect(try await harness.send(.PUT, "/admin/keys/\(unaKey.id)", json: ["name": "renamed"], token: s.admin).status == 200)
        #expect(try await harness.send(.DELETE, "/admin/keys/\(unaKey.id)", token: s.una).status == 204)
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: unaKey.key).status == 401)
    }

    @Test("a disabled key is kept but refused; an expired key is refused; expiry must be in the future")
    func disableAndExpiry() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let s = try await setUp(harness)
        let key = try await harness.createKey(token: s.una, body: ["name": "temp", "expires_at": "2099-01-01T00:00:00Z"])
        let created = try await harness.send(.GET, "/admin/keys/\(key.id)", token: s.una)
        #expect(created.json?["expires_at"] as? String == "2099-01-01T00:00:00Z" && created.json?["status"] as? String == "active")

        #expect(try await harness.send(.PUT, "/admin/keys/\(key.id)", json: ["enabled": false], token: s.una).status == 200)
        let disabled = try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key.key)
        #expect(disabled.status == 401 && disabled.text.contains("disabled"))
        #expect(try await harness.send(.GET, "/admin/keys/\(key.id)", token: s.una).json?["status"] as? String == "disabled")
        #expect(try await harness.send(.PUT, "/admin/keys/\(key.id)", json: ["enabled": true], token: s.una).status == 200)
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key.key).status == 200)

        for bad in ["2001-01-01T00:00:00Z", "tomorrow", "2099-13-01T00:00:00Z"] {
            let reply = try await harness.send(.PUT, "/admin/keys/\(key.id)", json: ["expires_at": bad], token: s.una)
            #expect(reply.status == 422 && reply.errorFields["expires_at"] != nil, "\(bad)")
        }
        // Time passes: move the expiry into the past in the database and rebuild the snapshot, as the
        // next admin write would.
        let queue = try DatabaseQueue(path: harness.gateway.database.path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE apiKey SET expiresAt = ? WHERE id = ?", arguments: [Date().addingTimeInterval(-1), key.id])
        }
        try harness.gateway.snapshots.rebuild()
        let expired = try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key.key)
        #expect(expired.status == 401 && expired.text.contains("expired"), "\(expired.text)")
        #expect(try await harness.send(.GET, "/bots/a/models", token: key.key).status == 401)
        #expect(try await harness.send(.GET, "/admin/keys/\(key.id)", token: s.una).json?["status"] as? String == "expired")
        let renewed = try await harness.send(.PUT, "/admin/keys/\(key.id)", json: ["expires_at": NSNull()], token: s.una)
        #expect(renewed.status == 200 && renewed.json?["expires_at"] is NSNull)
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key.key).status == 200)
    }

    @Test("users read the endpoints they may call without provider details or system prompts")
    func callableEndpoints() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let s = try await setUp(harness)
        _ = try await harness.send(.PUT, "/admin/endpoints/\(s.a)", json: ["system_prompt": "SECRET PROMPT", "allow_model_override": true], token: s.admin)
        _ = try await harness.send(.PUT, "/admin/endpoints/\(s.b)", json: ["enabled": false], token: s.admin)
        let reply = try await harness.send(.GET, "/admin/user/endpoints", token: s.una)
        #expect(reply.status == 200)
        let data = try #require(reply.json?["data"] as? [[String: Any]])
        #expect(data.map { $0["path"] as? String } == ["/bots/a"], "disabled endpoints are not offered")
        #expect(data.first?["models"] as? [String] == ["gpt-4o-mini", "gpt-4o"])
        #expect(!reply.text.contains("SECRET PROMPT") && data.first?["provider_id"] == nil)
        #expect(try await harness.send(.GET, "/admin/endpoints", token: s.una).status == 403)
        #expect(try await harness.send(.GET, "/admin/providers", token: s.una).status == 403)
    }
}
