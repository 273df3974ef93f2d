import Foundation
import Host
import MockProvider
import Testing

/// After a full scenario, no secret the scenario used appears in the gateway's log, in any admin
/// API answer, or (for passwords, client keys and tokens) in the database file.
@Suite("Security: secrets never leak", .serialized)
struct LogSecretsTests {
    @Test("the captured log, admin answers and the database hold none of the secrets of a full scenario")
    func scan() async throws {
        let harness = try await GatewayHarness.start(adminPassword: nil)
        defer { Task { await harness.stop() } }
        var secrets: [String: String] = [:]  // secret -> what it is
        var answers: [String] = []           // every admin API answer body
        func remember(_ reply: GatewayHarness.Reply) -> GatewayHarness.Reply {
            answers.append(reply.text)
            return reply
        }

        // First start: the default admin password, then a strong one.
        let adminPassword = "Adm1n-Str0ng-\(UUID().uuidString.prefix(8))"
        // admin123 itself is public (the docs and the start-up warning name it); what was typed after it is not.
        secrets[adminPassword] = "admin password"
        let first = try await harness.login("admin", "admin123").token
        secrets[first] = "admin token (before the change)"
        _ = remember(try await harness.send(.PUT, "/admin/user/password", json: ["current_password": "admin123", "new_password": adminPassword], token: first))
        let admin = try await harness.login("admin", adminPassword).token
        secrets[admin] = "admin token"

        // Providers: one with the mock's key, one with a key that the mock refuses (error paths).
        let upstreamKey = MockCredentials.openAIKey
        let wrongUpstreamKey = "sk-live-DO-NOT-LOG-\(UUID().uuidString)"
        secrets[upstreamKey] = "provider key"
        secrets[wrongUpstreamKey] = "wrong provider key"
        let good = try await harness.createProvider(.openai, token: admin, apiKey: upstreamKey)
        let bad = try await harness.createProvider(.deepseek, token: admin, apiKey: wrongUpstreamKey)
        let rotated = "sk-rotated-\(UUID().uuidString)"
        secrets[rotated] = "rotated provider key"
        _ = remember(try await harness.send(.PUT, "/admin/providers/\(bad)", json: ["api_key": rotated], token: admin))
        _ = try await harness.createEndpoint(path: "/scan/good", providerID: good, model: "gpt-4o-mini", token: admin)
        let badEndpoint = try await harness.createEndpoint(path: "/scan/bad", providerID: bad, model: "deepseek-chat", token: admin)

        // A user with keys, calls that succeed, stream, fail upstream, and are refused.
        let userPassword = "User-Pa55-\(UUID().uuidString.prefix(8))"
        secrets[userPassword] = "user password"
        try await harness.createUser("jane", password: userPassword, token: admin)
        let jane = try await harness.login("jane", userPassword).token
        secrets[jane] = "user token"
        let key = try await harness.createKey(token: jane, body: ["name": "jane's app"])
        let scoped = try await harness.createKey(token: jane, body: ["name": "scoped", "endpoint_ids": [badEndpoint]])
        secrets[key.key] = "client key"
        secrets[scoped.key] = "scoped client key"
        #expect(try await harness.send(.POST, "/scan/good", json: chatBody("hello"), token: key.key).status == 200)
        #expect(try await harness.stream("/scan/good/chat/completions", key: key.key, body: chatBody("hello")).endedWithDone)
        #expect(try await harness.send(.POST, "/scan/bad", json: chatBody("hello"), token: key.key).status == 401, "the provider refuses the wrong key")
        #expect(try await harness.send(.POST, "/scan/good", json: chatBody("hello"), token: scoped.key).status == 403)
        let guessedKey = "gw-\(UUID().uuidString)-guess"
        secrets[guessedKey] = "guessed client key"
        #expect(try await harness.send(.POST, "/scan/good", json: chatBody("hello"), token: guessedKey).status == 401)
        #expect(try await harness.send(.POST, "/scan/good", json: chatBody("hello"), headers: [("authorization", "Basic \(guessedKey)")]).status == 401)

        // Failed logins, including a password typed into the username field, and a failed password change.
        let typo = "\(userPassword)x"
        secrets[typo] = "mistyped password"
        _ = remember(try await harness.send(.POST, "/admin/login", json: ["username": "jane", "password": typo]))
        _ = remember(try await harness.send(.POST, "/admin/login", json: ["username": userPassword, "password": userPassword]))
        _ = remember(try await harness.send(.PUT, "/admin/user/password", json: ["current_password": typo, "new_password": "Another-0ne-here"], token: jane))
        let newUserPassword = "Changed-\(UUID().uuidString.prefix(8))"
        secrets[newUserPassword] = "user's new password"
        _ = remember(try await harness.send(.PUT, "/admin/user/password", json: ["current_password": userPassword, "new_password": newUserPassword], token: jane))
        let reset = "Reset-\(UUID().uuidString.prefix(8))"
        secrets[reset] = "admin-set password"
        let janeID = try #require(try await harness.send(.GET, "/admin/user/info", token: jane).json?["id"] as? Int)
        _ = remember(try await harness.send(.PUT, "/admin/users/\(janeID)", json: ["password": reset], token: admin))
        _ = remember(try await harness.send(.GET, "/admin/user/info", token: jane))  // refused: session ended

        // Every read an admin or user can make.
        for path in ["/admin/providers", "/admin/providers/\(bad)", "/admin/endpoints", "/admin/keys", "/admin/users", "/admin/audit?limit=500",
                     "/admin/user/info", "/admin/user/endpoints", "/admin/plugins"] {
            _ = remember(try await harness.send(.GET, path, token: admin))
        }
        _ = remember(try await harness.send(.POST, "/admin/logout", token: admin))
        _ = remember(try await harness.send(.GET, "/admin/providers", token: admin))  // refused: logged out

        // The generated secrets on disk.
        let data = harness.gateway.database.path
        let folder = URL(fileURLWithPath: data).deletingLastPathComponent()
        for file in ["jwt_secret", "secret_key"] {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            secrets[text] = file
        }

        let log = harness.log.text
        #expect(log.contains("admin login") && log.contains("admin login failed"), "the scenario was logged")
        let everything = answers.joined(separator: "\n")
        let database = harness.databaseBytes()
        for (secret, what) in secrets {
            #expect(!log.contains(secret), "the log contains the \(what)")
            #expect(!everything.contains(secret), "an admin API answer contains the \(what)")
            if what.contains("password") || what.contains("token") || what.contains("client key") || what.contains("provider key") {
                #expect(database.range(of: Data(secret.utf8)) == nil, "the database file contains the \(what)")
            }
        }
        #expect(!log.lowercased().contains("bearer "), "no Authorization header value in the log")
        #expect(!log.contains("$2b$") && !log.contains("$2a$") && !everything.contains("$2b$"), "no password hash in logs or answers")
    }
}
