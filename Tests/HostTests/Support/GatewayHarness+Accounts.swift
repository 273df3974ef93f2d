import Foundation
import GRDB
import Testing

/// Accounts, sessions and database inspection for the security tests.
extension GatewayHarness {
    /// Logs in and returns the reply (token, user) or fails the test.
    func login(_ username: String, _ password: String) async throws -> (token: String, user: [String: Any]) {
        let reply = try await send(.POST, "/admin/login", json: ["username": username, "password": password])
        try #require(reply.status == 200, "login of \(username) failed: \(reply.status) \(reply.text)")
        return (try #require(reply.json?["token"] as? String), try #require(reply.json?["user"] as? [String: Any]))
    }

    /// Creates an account (by default a `user` that need not change its password) and returns its id.
    @discardableResult
    func createUser(_ username: String, password: String, role: String = "user", token: String,
                    extra: [String: Any] = [:]) async throws -> Int {
        var body: [String: Any] = ["username": username, "password": password, "role": role, "must_change_password": false]
        body.merge(extra) { _, new in new }
        let reply = try await send(.POST, "/admin/users", json: body, token: token)
        try #require(reply.status == 201, "user creation failed: \(reply.text)")
        return try #require(reply.json?["id"] as? Int)
    }

    /// Creates a key with `body` (name defaults to "k") using `token`; returns (id, plaintext).
    func createKey(token: String, body: [String: Any]) async throws -> (id: Int, key: String) {
        var body = body
        if body["name"] == nil { body["name"] = "k" }
        let reply = try await send(.POST, "/admin/keys", json: body, token: token)
        try #require(reply.status == 201, "key creation failed: \(reply.text)")
        return (try #require(reply.json?["id"] as? Int), try #require(reply.json?["key"] as? String))
    }

    /// Every row of the tables an admin write could touch, as text: equal dumps mean an unchanged database.
    func databaseDump(tables: [String] = ["user", "provider", "endpoint", "apiKey", "apiKeyEndpoint", "session", "auditEvent"]) throws -> String {
        let queue = try DatabaseQueue(path: gateway.database.path, configuration: {
            var configuration = Configuration()
            configuration.readonly = true
            return configuration
        }())
        return try queue.read { db in
            try tables.map { table in
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid")
                return "\(table):\n" + rows.map(\.description).joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }

    /// The database file and its WAL, for "no plaintext secret on disk" checks.
    func databaseBytes() -> Data {
        let path = gateway.database.path
        return [path, path + "-wal"].reduce(into: Data()) { all, file in
            all.append((try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data())
        }
    }
}

extension GatewayHarness.Reply {
    /// `error.fields` of an admin validation error.
    var errorFields: [String: String] { ((json?["error"] as? [String: Any])?["fields"] as? [String: String]) ?? [:] }
    func header(_ name: String) -> String? { headers.first(name: name) }
}
