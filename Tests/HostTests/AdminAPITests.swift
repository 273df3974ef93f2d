import Foundation
import GRDB
import Host
import MockProvider
import Testing

@Suite("Admin API", .serialized)
struct AdminAPITests {
    @Test("login issues a 24 h token; bad credentials and bad tokens are refused")
    func login() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let ok = try await harness.send(.POST, "/admin/login", json: ["username": "admin", "password": GatewayHarness.adminPassword])
        #expect(ok.status == 200)
        let token = try #require(ok.json?["token"] as? String)
        let expires = try #require(ok.json?["expires_at"] as? String)
        let expiry = try #require(ISO8601DateFormatter().date(from: expires))
        #expect(abs(expiry.timeIntervalSinceNow - 24 * 3600) < 120)
        #expect((ok.json?["user"] as? [String: Any])?["role"] as? String == "admin")

        let wrong = try await harness.send(.POST, "/admin/login", json: ["username": "admin", "password": "nope-nope"])
        #expect(wrong.status == 401)
        #expect(wrong.errorCode == "invalid_credentials")
        let unknown = try await harness.send(.POST, "/admin/login", json: ["username": "ghost", "password": "nope-nope"])
        #expect(unknown.status == 401)
        let malformed = try await harness.send(.POST, "/admin/login", rawBody: Array("{not json".utf8))
        #expect(malformed.status == 400)

        #expect(try await harness.send(.GET, "/admin/providers").status == 401)
        #expect(try await harness.send(.GET, "/admin/providers", token: "garbage").status == 401)
        // Change a character in the middle of the signature (the last one may only carry padding bits).
        var characters = Array(token)
        let position = characters.count - 10
        characters[position] = characters[position] == "A" ? "B" : "A"
        let tampered = String(characters)
        #expect(try await harness.send(.GET, "/admin/providers", token: tampered).status == 401)
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + token.split(separator: ".")[1] + "."
        #expect(try await harness.send(.GET, "/admin/providers", token: unsigned).status == 401)
        #expect(try await harness.send(.GET, "/admin/providers", token: token).status == 200)
    }

    @Test("providers: create, read with masked key, partial update keeps the key, delete; the key is encrypted at rest")
    func providers() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let secret = "sk-super-secret-provider-key-9f2c"
        let created = try await harness.send(.POST, "/admin/providers", json: [
            "name": "DeepSeek main", "adapter": "deepseek", "base_url": harness.mock.baseURL(for: .deepseek),
            "api_key": secret, "models": ["deepseek-chat"], "options": ["x": 1],
        ], token: token)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json?["api_key"] as? String == "sk-...9f2c")
        #expect(created.json?["has_api_key"] as? Bool == true)
        #expect(created.json?["status"] as? String == "ready")
        #expect(!created.text.contains(secret))
        let id = try #require(created.json?["id"] as? Int)

        let listed = try await harness.send(.GET, "/admin/providers", token: token)
        #expect(!listed.text.contains(secret))
        let renamed = try await harness.send(.PUT, "/admin/providers/\(id)", json: ["name": "DeepSeek renamed"], token: token)
        #expect(renamed.status == 200)
        #expect(renamed.json?["api_key"] as? String == "sk-...9f2c", "an update without api_key keeps the stored key")

        // The key still works upstream after the rename: the snapshot kept the decrypted key.
        _ = try await harness.createEndpoint(path: "/ds", providerID: id, model: "deepseek-chat", token: token)
        let key = try await harness.createKey(token: token)
        // Mock accepts only its own key; our secret is wrong for it, so expect the provider's 401.
        #expect(try await harness.send(.POST, "/ds", json: chatBody("hi"), token: key).status == 401)
        let fixed = try await harness.send(.PUT, "/admin/providers/\(id)", json: ["api_key": MockCredentials.deepSeekKey], token: token)
        #expect(fixed.status == 200)
        #expect(try await harness.send(.POST, "/ds", json: chatBody("hi"), token: key).status == 200, "the new key applies at once")

        // Nothing in the database file is the plaintext key.
        let file = try Data(contentsOf: URL(fileURLWithPath: harness.gateway.database.path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: harness.gateway.database.path + "-wal"))) ?? Data()
        #expect(file.range(of: Data(secret.utf8)) == nil && wal.range(of: Data(secret.utf8)) == nil)
        #expect(file.range(of: Data(MockCredentials.deepSeekKey.utf8)) == nil && wal.range(of: Data(MockCredentials.deepSeekKey.utf8)) == nil)

        let inUse = try await harness.send(.DELETE, "/admin/providers/\(id)", token: token)
        #expect(inUse.status == 409)
        let duplicate = try await harness.send(.POST, "/admin/providers", json: ["name": "DeepSeek renamed", "adapter": "deepseek"], token: token)
        #expect(duplicate.status == 409)
        #expect(try await harness.send(.GET, "/admin/providers/999", token: token).status == 404)
        #expect(!harness.log.text.contains(secret), "the provider key must never be logged")
    }

    @Test("provider validation names the field")
    func providerValidation() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let cases: [([String: Any], String)] = [
            (["adapter": "openai"], "name"),
            (["name": "x", "adapter": "nope"], "adapter"),
            (["name": "x", "adapter": "openai", "base_url": "ftp://x"], "base_url"),
            (["name": "x", "adapter": "openai", "models": "gpt"], "models"),
            (["name": "x", "adapter": "openai", "options": [1, 2]], "options"),
            (["name": "x", "adapter": "openai", "colour": "red"], "colour"),
            (["name": 5, "adapter": "openai"], "name"),
        ]
        for (body, field) in cases {
            let reply = try await harness.send(.POST, "/admin/providers", json: body, token: token)
            #expect(reply.status == 422, "\(body): \(reply.text)")
            let fields = (reply.json?["error"] as? [String: Any])?["fields"] as? [String: String]
            #expect(fields?[field] != nil, "\(body) should name \(field): \(reply.text)")
        }
        let defaulted = try await harness.send(.POST, "/admin/providers", json: ["name": "official", "adapter": "openai"], token: token)
        #expect(defaulted.json?["base_url"] as? String == "https://api.openai.com/v1", "an empty base URL takes the adapter's default")
    }

    @Test("endpoint paths are validated and unique")
    func endpointValidation() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let provider = try await harness.createProvider(.openai, token: token)
        let bad = ["bots", "/admin/x", "/admin", "/healthz", "/a/../b", "/a//b", "/a/", "/x/chat/completions", "/x/models", "/sp ace", "/"]
        for path in bad {
            let reply = try await harness.send(.POST, "/admin/endpoints", json: ["path": path, "provider_id": provider, "model": "m"], token: token)
            #expect(reply.status == 422, "\(path) should be refused: \(reply.text)")
            #expect(((reply.json?["error"] as? [String: Any])?["fields"] as? [String: String])?["path"] != nil)
        }
        #expect(try await harness.send(.POST, "/admin/endpoints", json: ["path": "/ok", "provider_id": 999, "model": "m"], token: token).status == 422)
        #expect(try await harness.send(.POST, "/admin/endpoints", json: ["path": "/ok", "provider_id": provider, "model": "m", "stream": "sometimes"], token: token).status == 422)
        let created = try await harness.send(.POST, "/admin/endpoints", json: [
            "path": "/ok", "provider_id": provider, "model": "gpt-4o-mini", "system_prompt": "Be brief.", "stream": "always",
        ], token: token)
        #expect(created.status == 201)
        #expect(created.json?["stream"] as? String == "always")
        #expect(try await harness.send(.POST, "/admin/endpoints", json: ["path": "/ok", "provider_id": provider, "model": "m"], token: token).status == 409)
    }

    @Test("client keys: plaintext only at creation, stored as a hash")
    func keys() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let created = try await harness.send(.POST, "/admin/keys", json: ["name": "ci"], token: token)
        #expect(created.status == 201)
        let key = try #require(created.json?["key"] as? String)
        #expect(key.hasPrefix("gw-") && key.count >= 40)
        #expect(created.json?["prefix"] as? String == String(key.prefix(11)))
        let listed = try await harness.send(.GET, "/admin/keys", token: token)
        #expect(!listed.text.contains(key))
        #expect((listed.json?["data"] as? [[String: Any]])?.first?["key"] == nil)
        let file = try Data(contentsOf: URL(fileURLWithPath: harness.gateway.database.path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: harness.gateway.database.path + "-wal"))) ?? Data()
        #expect(file.range(of: Data(key.utf8)) == nil && wal.range(of: Data(key.utf8)) == nil)
        #expect(try await harness.send(.POST, "/admin/keys", json: ["name": ""], token: token).status == 422)
    }

    @Test("plugins and the OpenAPI document are served")
    func pluginsAndDocument() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let plugins = try await harness.send(.GET, "/admin/plugins", token: token)
        let loaded = try #require(plugins.json?["loaded"] as? [[String: Any]])
        #expect(Set(loaded.compactMap { $0["name"] as? String }) == ["openai", "deepseek", "glm"])
        #expect(loaded.allSatisfy { $0["abi_version"] as? String == "1.0" && ($0["capabilities"] as? [String])?.contains("streaming") == true })
        let document = try await harness.send(.GET, "/admin/openapi.json")
        #expect(document.status == 200)
        let paths = try #require(document.json?["paths"] as? [String: Any])
        #expect(paths["/admin/providers"] != nil && paths["/admin/endpoints"] != nil && paths["/admin/keys"] != nil)
        #expect(try await harness.send(.GET, "/readyz").status == 200)
    }
}
