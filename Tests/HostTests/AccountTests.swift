import Foundation
import Host
import MockProvider
import Testing

/// User management and the personal centre, over real sockets.
@Suite("Security: accounts and roles", .serialized)
struct AccountTests {
    @Test("admins create, list, update and delete users; input is validated; usernames are unique regardless of case")
    func userManagement() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        let invalid: [([String: Any], String)] = [
            (["password": "alice-password-1"], "username"),
            (["username": "alice"], "password"),
            (["username": "a", "password": "alice-password-1"], "username"),
            (["username": "alice smith", "password": "alice-password-1"], "username"),
            (["username": "alice", "password": "short"], "password"),
            (["username": "alice", "password": "password123"], "password"),
            (["username": "alice", "password": "alice"], "password"),
            (["username": "alice", "password": "alice-password-1", "role": "root"], "role"),
            (["username": "alice", "password": "alice-password-1", "email": "not an email"], "email"),
            (["username": "alice", "password": "alice-password-1", "display_name": String(repeating: "x", count: 101)], "display_name"),
            (["username": "alice", "password": "alice-password-1", "is_admin": true], "is_admin"),
            (["username": "alice", "password": "alice-password-1", "enabled": "yes"], "enabled"),
        ]
        for (body, field) in invalid {
            let reply = try await harness.send(.POST, "/admin/users", json: body, token: admin)
            #expect(reply.status == 422 && reply.errorFields[field] != nil, "\(body) should name \(field): \(reply.text)")
        }
        let created = try await harness.send(.POST, "/admin/users", json: [
            "username": "alice", "password": "alice-password-1", "display_name": "Alice", "email": "alice@example.com",
        ], token: admin)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json?["role"] as? String == "user", "users are created with the user role by default")
        #expect(created.json?["must_change_password"] as? Bool == true, "an admin-set password must be replaced by its owner")
        #expect(created.json?["password"] == nil && created.json?["password_hash"] == nil && !created.text.contains("$2"))
        let id = try #require(created.json?["id"] as? Int)
        #expect(try await harness.send(.POST, "/admin/users", json: ["username": "ALICE", "password": "other-password-1"], token: admin).status == 409)

        let listed = try await harness.send(.GET, "/admin/users", token: admin)
        let names = (listed.json?["data"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String }
        #expect(names == ["admin", "alice"])
        #expect(!listed.text.contains("$2"), "no password hash in reads")

        let renamed = try await harness.send(.PUT, "/admin/users/\(id)", json: ["display_name": "Alice A.", "role": "admin"], token: admin)
        #expect(renamed.status == 200 && renamed.json?["role"] as? String == "admin" && renamed.json?["display_name"] as? String == "Alice A.")
        #expect(try await harness.send(.GET, "/admin/users/\(id)", token: admin).json?["role"] as? String == "admin")
        #expect(try await harness.send(.PUT, "/admin/users/999", json: ["display_name": "x"], token: admin).status == 404)
        #expect(try await harness.send(.DELETE, "/admin/users/\(id)", token: admin).status == 204)
        #expect(try await harness.send(.GET, "/admin/users/\(id)", token: admin).status == 404)
        #expect(try await harness.send(.POST, "/admin/login", json: ["username": "alice", "password": "alice-password-1"]).status == 401)
    }

    @Test("disabling a user ends their sessions and suspends their keys at once; deleting removes the keys")
    func disableAndDelete() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (_, admin) = try await harness.setUpRoute(.openai, path: "/bots/a")
        let bobID = try await harness.createUser("bob", password: "bob-password-1", token: admin)
        let bob = try await harness.login("bob", "bob-password-1").token
        let key = try await harness.createKey(token: bob, body: ["name": "bob's app"]).key
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key).status == 200)

        #expect(try await harness.send(.PUT, "/admin/users/\(bobID)", json: ["enabled": false], token: admin).status == 200)
        #expect(try await harness.send(.GET, "/admin/user/info", token: bob).status == 401, "the session ends at once")
        let suspended = try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key)
        #expect(suspended.status == 401 && suspended.errorCode == "invalid_api_key", "the key is suspended at once: \(suspended.text)")
        #expect(try await harness.send(.POST, "/admin/login", json: ["username": "bob", "password": "bob-password-1"]).status == 401)
        let keys = try await harness.send(.GET, "/admin/keys?user_id=\(bobID)", token: admin)
        #expect((keys.json?["data"] as? [[String: Any]])?.first?["status"] as? String == "owner_disabled")

        #expect(try await harness.send(.PUT, "/admin/users/\(bobID)", json: ["enabled": true], token: admin).status == 200)
        #expect(try await harness.send(.GET, "/admin/user/info", token: bob).status == 401, "old sessions stay ended after re-enabling")
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key).status == 200, "keys come back with the account")

        let again = try await harness.login("bob", "bob-password-1").token
        #expect(try await harness.send(.DELETE, "/admin/users/\(bobID)", token: admin).status == 204)
        #expect(try await harness.send(.GET, "/admin/user/info", token: again).status == 401)
        #expect(try await harness.send(.POST, "/bots/a", json: chatBody("hi"), token: key).status == 401, "the key is gone with its owner")
        let remaining = try await harness.send(.GET, "/admin/keys", token: admin)
        #expect((remaining.json?["data"] as? [[String: Any]] ?? []).allSatisfy { $0["user_id"] as? Int != bobID })
    }

    @Test("the last enabled administrator cannot be deleted, disabled or demoted")
    func lastAdmin() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        let me = try #require(try await harness.send(.GET, "/admin/user/info", token: admin).json?["id"] as? Int)
        for (method, body) in [("DELETE", nil), ("PUT", ["enabled": false]), ("PUT", ["role": "user"])] as [(String, [String: Any]?)] {
            let reply = try await harness.send(.init(rawValue: method), "/admin/users/\(me)", json: body, token: admin)
            #expect(reply.status == 409 && reply.errorCode == "conflict", "\(method) \(String(describing: body)): \(reply.text)")
        }
        // A disabled second admin does not count.
        let other = try await harness.createUser("root2", password: "root2-password", role: "admin", token: admin, extra: ["enabled": false])
        #expect(try await harness.send(.PUT, "/admin/users/\(me)", json: ["role": "user"], token: admin).status == 409)
        #expect(try await harness.send(.PUT, "/admin/users/\(other)", json: ["enabled": true], token: admin).status == 200)
        #expect(try await harness.send(.PUT, "/admin/users/\(me)", json: ["role": "user"], token: admin).status == 200)
        // Now a user: the admin routes are closed to this session at once.
        #expect(try await harness.send(.GET, "/admin/users", token: admin).status == 403)
        let root2 = try await harness.login("root2", "root2-password").token
        #expect(try await harness.send(.PUT, "/admin/users/\(other)", json: ["role": "user"], token: root2).status == 409)
    }

    @Test("personal centre: profile edits, no role changes, admin password resets")
    func personalCentre() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        let id = try await harness.createUser("gina", password: "gina-password-1", token: admin)
        let gina = try await harness.login("gina", "gina-password-1").token
        let edited = try await harness.send(.PUT, "/admin/user/info", json: ["display_name": "Gina G.", "email": "gina@example.org"], token: gina)
        #expect(edited.status == 200 && edited.json?["display_name"] as? String == "Gina G." && edited.json?["email"] as? String == "gina@example.org")
        for field in ["role", "username", "enabled"] {
            let value: Any = field == "enabled" ? true : (field == "role" ? "admin" : "root")
            let reply = try await harness.send(.PUT, "/admin/user/info", json: [field: value], token: gina)
            #expect(reply.status == 422 && reply.errorFields[field]?.contains("administrator") == true, "\(reply.text)")
        }
        #expect(try await harness.send(.GET, "/admin/user/info", token: gina).json?["role"] as? String == "user")
        #expect(try await harness.send(.PUT, "/admin/user/info", json: ["email": "nope"], token: gina).status == 422)

        // An administrator resets the password: the owner's sessions end and the new one must be changed.
        #expect(try await harness.send(.PUT, "/admin/users/\(id)", json: ["password": "temporary-pass-1"], token: admin).status == 200)
        #expect(try await harness.send(.GET, "/admin/user/info", token: gina).status == 401)
        let (fresh, user) = try await harness.login("gina", "temporary-pass-1")
        #expect(user["must_change_password"] as? Bool == true)
        #expect(try await harness.send(.GET, "/admin/keys", token: fresh).errorCode == "password_change_required")
    }
}
