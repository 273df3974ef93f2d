import Foundation
import Host
import MockProvider
import Testing

/// The audit log (`GET /admin/audit`) and provider keys at rest.
@Suite("Security: audit log and secrets at rest", .serialized)
struct AuditTests {
    @Test("admin changes are recorded with who, what, when and from where; only admins read them")
    func auditLog() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        let started = Date().addingTimeInterval(-1)
        let provider = try await harness.createProvider(.deepseek, token: admin, apiKey: "sk-audit-secret-1234567890")
        _ = try await harness.send(.PUT, "/admin/providers/\(provider)", json: ["api_key": "sk-audit-secret-rotated-0987"], token: admin)
        let endpoint = try await harness.createEndpoint(path: "/audited", providerID: provider, model: "deepseek-chat", token: admin)
        let userID = try await harness.createUser("hank", password: "hank-password-1", token: admin)
        let hank = try await harness.login("hank", "hank-password-1").token
        let key = try await harness.createKey(token: hank, body: ["name": "hank's", "endpoint_ids": [endpoint]])
        _ = try await harness.send(.DELETE, "/admin/keys/\(key.id)", token: hank)
        _ = try await harness.send(.POST, "/admin/login", json: ["username": "hank", "password": "not-hanks-password"])

        #expect(try await harness.send(.GET, "/admin/audit", token: hank).status == 403, "users do not read the audit log")
        let reply = try await harness.send(.GET, "/admin/audit", token: admin)
        #expect(reply.status == 200)
        let events = try #require(reply.json?["data"] as? [[String: Any]])
        let actions = events.compactMap { $0["action"] as? String }
        for expected in ["provider.create", "provider.update", "endpoint.create", "user.create", "login.success", "key.create", "key.delete", "login.failure"] {
            #expect(actions.contains(expected), "\(expected) missing from \(actions)")
        }
        #expect(actions.first == "login.failure", "newest first")
        let update = try #require(events.first { $0["action"] as? String == "provider.update" })
        #expect(update["username"] as? String == "admin" && update["remote_address"] as? String == "127.0.0.1")
        #expect(update["target_type"] as? String == "provider" && update["target_id"] as? String == String(provider))
        #expect((update["detail"] as? [String: Any])?["fields"] as? [String] == ["api_key"], "the field is named, its value is not")
        let at = try #require(ISO8601DateFormatter().date(from: update["at"] as? String ?? ""))
        #expect(at >= started && at <= Date().addingTimeInterval(1))
        let keyCreate = try #require(events.first { $0["action"] as? String == "key.create" })
        #expect(keyCreate["username"] as? String == "hank" && (keyCreate["detail"] as? [String: Any])?["user_id"] as? Int == userID)
        for secret in ["sk-audit-secret-1234567890", "sk-audit-secret-rotated-0987", key.key, "hank-password-1", "not-hanks-password", admin, hank] {
            #expect(!reply.text.contains(secret), "the audit log must not hold secrets")
        }

        let logins = try await harness.send(.GET, "/admin/audit?action=login.", token: admin)
        #expect((logins.json?["data"] as? [[String: Any]] ?? []).allSatisfy { ($0["action"] as? String)?.hasPrefix("login.") == true })
        let byHank = try await harness.send(.GET, "/admin/audit?user_id=\(userID)", token: admin)
        #expect((byHank.json?["data"] as? [[String: Any]] ?? []).allSatisfy { $0["user_id"] as? Int == userID })
        let page = try await harness.send(.GET, "/admin/audit?limit=2", token: admin)
        let next = try #require(page.json?["next_before"] as? Int)
        let older = try await harness.send(.GET, "/admin/audit?limit=2&before=\(next)", token: admin)
        #expect((older.json?["data"] as? [[String: Any]] ?? []).allSatisfy { ($0["id"] as? Int ?? .max) < next })
        for bad in ["limit=0", "limit=abc", "before=-1", "action=x%27%20OR%201%3D1", "user_id=1%20OR%201=1"] {
            #expect(try await harness.send(.GET, "/admin/audit?\(bad)", token: admin).status == 422, "\(bad)")
        }
    }

    @Test("provider keys are sealed at rest with the secret key (0600 file); another secret key cannot open them")
    func encryptionAtRest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-sealed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.sqlite").path
        let secret = "sk-at-rest-\(UUID().uuidString)"
        let first = try await GatewayHarness.start { $0.database.path = path }
        let admin = try await first.adminToken()
        let id = try await first.createProvider(.openai, token: admin, apiKey: secret)
        let read = try await first.send(.GET, "/admin/providers/\(id)", token: admin)
        #expect(read.json?["api_key"] as? String == "sk-...\(secret.suffix(4))" && !read.text.contains(secret))
        #expect(first.databaseBytes().range(of: Data(secret.utf8)) == nil, "the SQLite file holds no provider key in plain text")
        for file in ["secret_key", "jwt_secret"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(file).path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(file) is readable by the owner only")
        }
        await first.stop()

        // The same database with another encryption key: the provider is reported unusable, nothing leaks.
        let second = try await GatewayHarness.start {
            $0.database.path = path
            $0.server.secretKey = "a-different-secret-key-for-this-test"
        }
        defer { Task { await second.stop() } }
        let token = try await second.adminToken()
        let provider = try await second.send(.GET, "/admin/providers/\(id)", token: token)
        #expect(provider.json?["status"] as? String == "config_error", "\(provider.text)")
        #expect(!second.log.text.contains(secret))
    }
}
