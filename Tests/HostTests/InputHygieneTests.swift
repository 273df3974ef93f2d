import Foundation
import Host
import MockProvider
import Testing

/// Hostile input on every admin write: clean 4xx answers and an unchanged database; hostile but
/// valid strings are stored verbatim (queries are parameterised) and change nothing else.
@Suite("Security: input hygiene", .serialized)
struct InputHygieneTests {
    @Test("injection strings, oversized fields, wrong types, unknown or repeated fields and non-UTF-8 bytes are refused without a trace")
    func hostileInput() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        let provider = try await harness.createProvider(.openai, token: admin)
        let endpoint = try await harness.createEndpoint(path: "/hygiene", providerID: provider, model: "gpt-4o-mini", token: admin)
        let userID = try await harness.createUser("ivan", password: "ivan-password-1", token: admin)
        let ivan = try await harness.login("ivan", "ivan-password-1").token
        let key = try await harness.createKey(token: ivan, body: ["name": "ivan's"])
        let before = try harness.databaseDump()

        let long = String(repeating: "x", count: 10_000)
        let injection = "x'; DROP TABLE user; --"
        let json: [(String, String, [String: Any])] = [
            ("POST", "/admin/users", ["username": injection, "password": "long-enough-1"]),
            ("POST", "/admin/users", ["username": "ok_name", "password": "long-enough-1", "role": "admin' OR '1'='1"]),
            ("POST", "/admin/users", ["username": long, "password": "long-enough-1"]),
            ("POST", "/admin/users", ["username": "ok_name", "password": String(repeating: "p", count: 73)]),
            ("POST", "/admin/users", ["username": "ok_name", "password": "long-enough-1", "email": long + "@example.com"]),
            ("POST", "/admin/users", ["username": "ok_name", "password": "long-enough-1", "display_name": "bell\u{07}\u{1b}[31m"]),
            ("POST", "/admin/users", ["username": ["admin"], "password": "long-enough-1"]),
            ("POST", "/admin/users", ["username": "ok_name", "password": 12345678]),
            ("POST", "/admin/users", ["username": "ok_name", "password": "long-enough-1", "enabled": "true"]),
            ("POST", "/admin/users", ["username": "ok_name", "password": "long-enough-1", "id": 1]),
            ("PUT", "/admin/users/\(userID)", ["role": "superuser"]),
            ("PUT", "/admin/users/\(userID)", ["username": "evil\nname"]),
            ("PUT", "/admin/users/\(userID)", ["password_hash": "$2b$10$abc"]),
            ("PUT", "/admin/user/info", ["display_name": long]),
            ("PUT", "/admin/user/info", ["email": "a@b.c\r\nBcc: x@y.z"]),
            ("PUT", "/admin/user/password", ["current_password": ["x"], "new_password": "new-password-1"]),
            ("POST", "/admin/providers", ["name": injection, "adapter": "openai' OR '1'='1"]),
            ("POST", "/admin/providers", ["name": "p\u{0}nul", "adapter": "openai"]),
            ("POST", "/admin/providers", ["name": "ok", "adapter": "openai", "base_url": "javascript:alert(1)"]),
            ("POST", "/admin/providers", ["name": "ok", "adapter": "openai", "api_key": String(repeating: "k", count: 5000)]),
            ("POST", "/admin/providers", ["name": "ok", "adapter": "openai", "models": [long]]),
            ("PUT", "/admin/providers/\(provider)", ["enabled": 1]),
            ("POST", "/admin/endpoints", ["path": "/x'; DROP TABLE endpoint; --", "provider_id": provider, "model": "m"]),
            ("POST", "/admin/endpoints", ["path": "/ok", "provider_id": "1 OR 1=1", "model": "m"]),
            ("POST", "/admin/endpoints", ["path": "/ok", "provider_id": provider, "model": "m", "system_prompt": String(repeating: "s", count: 70_000)]),
            ("PUT", "/admin/endpoints/\(endpoint)", ["path": "/admin/takeover"]),
            ("POST", "/admin/keys", ["name": long]),
            ("POST", "/admin/keys", ["name": "ok", "endpoint_ids": ["1 OR 1=1"]]),
            ("POST", "/admin/keys", ["name": "ok", "user_id": "1"]),
            ("POST", "/admin/keys", ["name": "ok", "scope": "all"]),
            ("PUT", "/admin/keys/\(key.id)", ["expires_at": "2099-01-01'; --"]),
            ("PUT", "/admin/keys/\(key.id)", ["user_id": userID + 100]),
        ]
        for (method, path, body) in json {
            let reply = try await harness.send(.init(rawValue: method), path, json: body, token: admin)
            #expect((400..<500).contains(reply.status) && reply.errorCode != nil, "\(method) \(path) \(body.keys.sorted()): \(reply.status) \(reply.text.prefix(200))")
        }

        let raw: [(String, String, [UInt8])] = [
            ("POST", "/admin/users", Array(#"{"username":"bad"#.utf8) + [0xFF, 0xFE] + Array(#"","password":"long-enough-1"}"#.utf8)),
            ("POST", "/admin/keys", Array(#"{"name":""#.utf8) + [0xC0, 0x80] + Array(#""}"#.utf8)),
            ("POST", "/admin/users", Array(#"{"username":"ok_name","password":"long-enough-1","role":"user","role":"admin"}"#.utf8)),
            ("POST", "/admin/providers", Array((#"{"name":"deep","adapter":"openai","options":"# + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}").utf8)),
            ("POST", "/admin/keys", Array("[1,2,3]".utf8)),
            ("POST", "/admin/keys", Array("{\"name\":".utf8)),
            ("POST", "/admin/keys", Array(repeating: UInt8(ascii: " "), count: 2 << 20)),
        ]
        for (method, path, bytes) in raw {
            let reply = try await harness.send(.init(rawValue: method), path, rawBody: bytes, token: admin)
            #expect([400, 413, 422].contains(reply.status) && reply.errorCode != nil, "\(path) raw \(bytes.prefix(40)): \(reply.status) \(reply.text.prefix(200))")
        }

        for path in ["/admin/users/1%27%20OR%20%271%27=%271", "/admin/keys/-1", "/admin/users/99999999999999999999999", "/admin/providers/0x10"] {
            let reply = try await harness.send(.DELETE, path, token: admin)
            #expect(reply.status == 404, "\(path): \(reply.status)")
        }
        #expect(try harness.databaseDump() == before, "refused requests must leave the database exactly as it was")
    }

    @Test("hostile but valid strings are stored and returned verbatim and change nothing else")
    func storedVerbatim() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let admin = try await harness.adminToken()
        let names = ["Robert'); DROP TABLE user;--", "<script>alert(1)</script>", "\" OR \"\"=\"", "名前 🙂 ünïcödé", "%s%n%x ${jndi:ldap://x}"]
        for (index, name) in names.enumerated() {
            let created = try await harness.send(.POST, "/admin/keys", json: ["name": name], token: admin)
            #expect(created.status == 201 && created.json?["name"] as? String == name, "\(name): \(created.text)")
            let user = try await harness.send(.POST, "/admin/users", json: [
                "username": "user\(index)", "password": "valid-password-1", "display_name": name,
            ], token: admin)
            #expect(user.status == 201 && user.json?["display_name"] as? String == name)
        }
        let keys = try await harness.send(.GET, "/admin/keys", token: admin)
        #expect((keys.json?["data"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } == names)
        let users = try await harness.send(.GET, "/admin/users", token: admin)
        #expect((users.json?["data"] as? [[String: Any]] ?? []).count == names.count + 1, "every table is intact")
        _ = try await harness.adminToken()
    }
}
