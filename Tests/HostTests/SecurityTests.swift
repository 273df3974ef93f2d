import Crypto
import Foundation
import GRDB
@testable import Host
import MockProvider
import Testing

/// Accounts and sessions over real sockets: the forced first password change, logout and
/// revocation (also across a restart), token forgery, login throttling.
@Suite("Security: accounts and sessions", .serialized)
struct SecurityTests {
    @Test("the seeded admin / admin123 must change its password before anything else")
    func forcedPasswordChange() async throws {
        let harness = try await GatewayHarness.start(adminPassword: nil)
        defer { Task { await harness.stop() } }
        #expect(harness.log.text.contains("admin123"), "the log tells the operator to change the default password")
        let (token, user) = try await harness.login("admin", "admin123")
        #expect(user["must_change_password"] as? Bool == true)

        for (method, path) in [("GET", "/admin/providers"), ("POST", "/admin/keys"), ("GET", "/admin/users"), ("GET", "/admin/audit"),
                               ("PUT", "/admin/user/info"), ("GET", "/admin/user/endpoints")] {
            let reply = try await harness.send(.init(rawValue: method), path, json: method == "GET" ? nil : ["name": "x"], token: token)
            #expect(reply.status == 403 && reply.errorCode == "password_change_required", "\(method) \(path): \(reply.status) \(reply.text)")
        }
        let info = try await harness.send(.GET, "/admin/user/info", token: token)
        #expect(info.status == 200 && info.json?["must_change_password"] as? Bool == true)

        let weak = try await harness.send(.PUT, "/admin/user/password", json: ["current_password": "admin123", "new_password": "12345678"], token: token)
        #expect(weak.status == 422)
        #expect(weak.errorFields["new_password"]?.contains("8 to 72 bytes") == true, "the rule is stated: \(weak.text)")
        let same = try await harness.send(.PUT, "/admin/user/password", json: ["current_password": "admin123", "new_password": "admin123"], token: token)
        #expect(same.status == 422)
        let wrong = try await harness.send(.PUT, "/admin/user/password", json: ["current_password": "nope-nope", "new_password": "a-much-better-one"], token: token)
        #expect(wrong.status == 422 && wrong.errorFields["current_password"] != nil)

        let changed = try await harness.send(.PUT, "/admin/user/password", json: ["current_password": "admin123", "new_password": "a-much-better-one"], token: token)
        #expect(changed.status == 204, "\(changed.text)")
        // The same session goes on, now without restrictions.
        #expect(try await harness.send(.GET, "/admin/providers", token: token).status == 200)
        let after = try await harness.send(.GET, "/admin/user/info", token: token)
        #expect(after.json?["must_change_password"] as? Bool == false && after.json?["password_changed_at"] is String)
        #expect(try await harness.send(.POST, "/admin/login", json: ["username": "admin", "password": "admin123"]).status == 401)
        _ = try await harness.login("admin", "a-much-better-one")
    }

    @Test("logout ends one session; a password change ends the others; disabled and deleted accounts lose theirs")
    func revocation() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        let first = try await harness.adminToken()
        let logout = try await harness.send(.POST, "/admin/logout", token: first)
        #expect(logout.status == 204)
        let refused = try await harness.send(.GET, "/admin/user/info", token: first)
        #expect(refused.status == 401 && refused.errorCode == "session_revoked", "\(refused.text)")
        #expect(try await harness.send(.GET, "/admin/user/info", token: admin).status == 200, "other sessions stay")

        try await harness.createUser("carol", password: "carol-password-1", token: admin)
        let carolA = try await harness.login("carol", "carol-password-1").token
        let carolB = try await harness.login("carol", "carol-password-1").token
        let change = try await harness.send(.PUT, "/admin/user/password",
                                            json: ["current_password": "carol-password-1", "new_password": "carol-password-2"], token: carolA)
        #expect(change.status == 204)
        #expect(try await harness.send(.GET, "/admin/user/info", token: carolA).status == 200, "the session that changed it stays")
        #expect(try await harness.send(.GET, "/admin/user/info", token: carolB).status == 401, "every other session ends")
        #expect(try await harness.send(.POST, "/admin/login", json: ["username": "carol", "password": "carol-password-1"]).status == 401)
    }

    @Test("revoked sessions stay revoked after a restart; open ones stay open")
    func revocationSurvivesRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.sqlite").path
        let first = try await GatewayHarness.start { $0.database.path = path }
        let kept = try await first.adminToken()
        let ended = try await first.adminToken()
        #expect(try await first.send(.POST, "/admin/logout", token: ended).status == 204)
        await first.stop()

        let second = try await GatewayHarness.start { $0.database.path = path }
        defer { Task { await second.stop() } }
        #expect(try await second.send(.GET, "/admin/user/info", token: kept).status == 200)
        let reply = try await second.send(.GET, "/admin/user/info", token: ended)
        #expect(reply.status == 401 && reply.errorCode == "session_revoked")
    }

    @Test("forged tokens are refused: alg none, other algorithms, bad signature, foreign issuer or audience, expired, never issued")
    func tokenForgery() async throws {
        let secret = "test-jwt-secret-0123456789-abcdefghijklmnop"
        let harness = try await GatewayHarness.start { $0.server.jwtSecret = secret }
        defer { Task { await harness.stop() } }
        let token = try await harness.adminToken()
        let parts = token.split(separator: ".").map(String.init)
        let claims = try JSONDecoder().decode(AdminTokenClaims.self, from: try #require(Base64URL.decode(parts[1])))
        let signer = AdminTokenSigner(secret: Array(secret.utf8))

        func hs256(_ header: String, _ payload: Data, key: String = secret) -> String {
            let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(payload)
            let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Array(key.utf8)))
            return input + "." + Base64URL.encode(Data(mac))
        }
        func payload(_ change: (inout AdminTokenClaims) -> Void) throws -> Data {
            var copy = claims
            change(&copy)
            return try JSONEncoder().encode(copy)
        }
        let now = Int64(Date().timeIntervalSince1970)
        let forged: [(String, String)] = [
            ("alg none", Base64URL.encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + parts[1] + "."),
            ("alg None with the real signature", Base64URL.encode(Data(#"{"alg":"None","typ":"JWT"}"#.utf8)) + "." + parts[1] + "." + parts[2]),
            ("alg HS512", hs256(#"{"alg":"HS512","typ":"JWT"}"#, try payload { _ in })),
            ("alg RS256", hs256(#"{"alg":"RS256","typ":"JWT"}"#, try payload { _ in })),
            ("another secret", hs256(#"{"alg":"HS256","typ":"JWT"}"#, try payload { _ in }, key: "some-other-secret-of-enough-length!!")),
            ("payload changed, signature kept", parts[0] + "." + Base64URL.encode(try payload { $0.role = "admin"; $0.name = "root" }) + "." + parts[2]),
            ("foreign issuer", try signer.sign({ var c = claims; c.iss = "someone-else"; return c }())),
            ("foreign audience", try signer.sign({ var c = claims; c.aud = "another-api"; return c }())),
            ("expired", try signer.sign({ var c = claims; c.exp = now - 10; c.iat = now - 100; return c }())),
            ("never issued by a login", try signer.sign({ var c = claims; c.jti = UUID().uuidString.lowercased(); return c }())),
            ("another user's id on this session", try signer.sign({ var c = claims; c.sub = "999"; return c }())),
            ("truncated", String(token.dropLast(5))),
            ("two parts", parts[0] + "." + parts[1]),
            ("empty", ""),
        ]
        for (name, candidate) in forged {
            let reply = try await harness.send(.GET, "/admin/user/info", headers: [("authorization", "Bearer \(candidate)")])
            #expect(reply.status == 401, "\(name) must be refused, got \(reply.status)")
        }
        #expect(try await harness.send(.GET, "/admin/user/info", headers: [("authorization", "Basic \(token)")]).status == 401)
        #expect(try await harness.send(.GET, "/admin/user/info", token: token).status == 200, "the real token still works")
    }

    @Test("failed logins are slowed, then locked with 429 and Retry-After; success resets the username; parallel guesses do not slip through")
    func loginThrottling() async throws {
        let harness = try await GatewayHarness.start {
            $0.security.loginMaxFailures = 3
            $0.security.loginMaxFailuresPerIP = 1000
            $0.security.loginLockoutSeconds = 120
        }
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        try await harness.createUser("dave", password: "dave-password-1", token: admin)
        try await harness.createUser("erin", password: "erin-password-1", token: admin)
        try await harness.createUser("frank", password: "frank-password-1", token: admin)

        func attempt(_ user: String, _ password: String) async throws -> GatewayHarness.Reply {
            try await harness.send(.POST, "/admin/login", json: ["username": user, "password": password])
        }
        #expect(try await attempt("dave", "wrong-1").status == 401)
        #expect(try await attempt("dave", "wrong-2").status == 401)
        let clock = ContinuousClock()
        let started = clock.now
        #expect(try await attempt("dave", "wrong-3").status == 401)
        #expect(clock.now - started >= .milliseconds(450), "the third failure in a row is answered slowly")
        let locked = try await attempt("dave", "dave-password-1")
        #expect(locked.status == 429 && locked.errorCode == "too_many_attempts", "even the right password waits: \(locked.text)")
        let retryAfter = Int(locked.header("retry-after") ?? "") ?? 0
        #expect((1...120).contains(retryAfter), "Retry-After: \(retryAfter)")
        #expect(try await attempt("erin", "erin-password-1").status == 200, "other accounts are not affected")

        // A success clears the count: two more failures do not lock.
        #expect(try await attempt("erin", "wrong-1").status == 401)
        #expect(try await attempt("erin", "wrong-2").status == 401)
        #expect(try await attempt("erin", "erin-password-1").status == 200)
        #expect(try await attempt("erin", "wrong-3").status == 401)
        #expect(try await attempt("erin", "wrong-4").status == 401)
        #expect(try await attempt("erin", "erin-password-1").status == 200)

        // Ten guesses at once: no more than the limit are checked, the rest wait.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<10 { group.addTask { try await attempt("frank", "guess-\(index)").status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 401 }.count <= 3 && statuses.filter { $0 == 429 }.count >= 7, "\(statuses)")

        let audit = try await harness.send(.GET, "/admin/audit?action=login.&limit=500", token: admin)
        let actions = (audit.json?["data"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions.contains("login.failure") && actions.contains("login.success") && actions.contains("login.locked"))
    }

    @Test("one address is locked after too many failures across usernames; a lock ends after its time")
    func addressThrottleAndExpiry() async throws {
        let harness = try await GatewayHarness.start {
            $0.security.loginMaxFailures = 100
            $0.security.loginMaxFailuresPerIP = 4
            $0.security.loginLockoutSeconds = 1
        }
        defer { Task { await harness.stop() } }
        for name in ["ann", "bob", "cid", "dan"] {
            #expect(try await harness.send(.POST, "/admin/login", json: ["username": name, "password": "guess-guess"]).status == 401)
        }
        let locked = try await harness.send(.POST, "/admin/login", json: ["username": "admin", "password": GatewayHarness.adminPassword])
        #expect(locked.status == 429, "the address is locked for every username: \(locked.text)")
        #expect(locked.header("retry-after") == "1")
        // Wait for the lock to end (bounded polling, not a timing assertion).
        var status = 429
        for _ in 0..<40 where status == 429 {
            try await Task.sleep(for: .milliseconds(100))
            status = try await harness.send(.POST, "/admin/login", json: ["username": "admin", "password": GatewayHarness.adminPassword]).status
        }
        #expect(status == 200)
    }

    @Test("bcrypt stays within the login budget, off the request threads")
    func loginTime() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        _ = try await harness.adminToken()  // warm up connections and the dummy hash
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for _ in 0..<5 {
            let started = clock.now
            _ = try await harness.adminToken()
            samples.append(clock.now - started)
        }
        let median = samples.sorted()[2]
        print("login median \(median) over \(samples.count) (bcrypt cost \(PasswordPolicy.bcryptCost)): \(samples)")
        #expect(median < .milliseconds(1000), "a login should take well under a second even on a loaded machine: \(samples)")
    }
}
