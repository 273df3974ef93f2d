import Foundation
import Host
import MockProvider
import Testing

/// Browser-facing protections: security headers and CORS, off by default and as configured.
@Suite("Security: headers and CORS", .serialized)
struct SecurityHeadersTests {
    @Test("console, health and admin answers carry a strict CSP and friends; admin answers are not cached")
    func securityHeaders() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, token) = try await harness.setUpRoute(.openai, path: "/bots/h")
        let answers = [
            ("openapi", try await harness.send(.GET, "/admin/openapi.json")),
            ("admin read", try await harness.send(.GET, "/admin/providers", token: token)),
            ("admin error", try await harness.send(.GET, "/admin/providers")),
            ("admin 404", try await harness.send(.GET, "/admin/nothing-here", token: token)),
            ("health", try await harness.send(.GET, "/healthz")),
            ("console root", try await harness.send(.GET, "/")),
        ]
        for (name, reply) in answers {
            let csp = reply.header("content-security-policy") ?? ""
            #expect(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "\(name): \(csp)")
            #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "\(name): \(csp)")
            #expect(reply.header("x-content-type-options") == "nosniff", "\(name)")
            #expect(reply.header("x-frame-options") == "DENY", "\(name)")
            #expect(reply.header("referrer-policy") == "no-referrer", "\(name)")
            #expect(reply.header("access-control-allow-origin") == nil, "\(name): no CORS unless configured")
        }
        #expect(answers[1].1.header("cache-control") == "no-store")
        let proxied = try await harness.send(.POST, "/bots/h", json: chatBody("hi"), token: key)
        #expect(proxied.status == 200 && proxied.header("x-content-type-options") == "nosniff")
    }

    @Test("CORS is off by default: preflights are refused and no origin is allowed")
    func corsOffByDefault() async throws {
        let harness = try await GatewayHarness.start()
        defer { Task { await harness.stop() } }
        let (key, token) = try await harness.setUpRoute(.openai, path: "/bots/c")
        let origin = ("origin", "https://evil.example")
        for path in ["/admin/providers", "/bots/c/chat/completions"] {
            let preflight = try await harness.send(.OPTIONS, path, headers: [origin, ("access-control-request-method", "POST"),
                                                                             ("access-control-request-headers", "authorization")])
            #expect(preflight.status == 403 && preflight.header("access-control-allow-origin") == nil, "\(path): \(preflight.status)")
        }
        let admin = try await harness.send(.GET, "/admin/providers", token: token, headers: [origin])
        #expect(admin.status == 200 && admin.header("access-control-allow-origin") == nil)
        let proxy = try await harness.send(.POST, "/bots/c", json: chatBody("hi"), token: key, headers: [origin])
        #expect(proxy.status == 200 && proxy.header("access-control-allow-origin") == nil)
    }

    @Test("configured origins get preflights and CORS headers; others do not")
    func corsConfigured() async throws {
        let harness = try await GatewayHarness.start {
            $0.security.corsAdminOrigins = ["https://console.example.com"]
            $0.security.corsProxyOrigins = ["https://app.example.com"]
        }
        defer { Task { await harness.stop() } }
        let (key, token) = try await harness.setUpRoute(.openai, path: "/bots/c")
        func preflight(_ path: String, _ origin: String, headers: String = "authorization, content-type") async throws -> GatewayHarness.Reply {
            try await harness.send(.OPTIONS, path, headers: [("origin", origin), ("access-control-request-method", "POST"),
                                                            ("access-control-request-headers", headers)])
        }
        let console = try await preflight("/admin/keys", "https://console.example.com")
        #expect(console.status == 204 && console.header("access-control-allow-origin") == "https://console.example.com")
        #expect(console.header("access-control-allow-methods")?.contains("DELETE") == true)
        #expect(console.header("access-control-allow-headers")?.contains("authorization") == true)
        #expect(try await preflight("/admin/keys", "https://app.example.com").status == 403, "the app's origin may not call the admin API")
        #expect(try await preflight("/admin/keys", "https://console.example.com.evil.example").status == 403)

        let app = try await preflight("/bots/c/chat/completions", "https://app.example.com", headers: "authorization, content-type, x-stainless-os")
        #expect(app.status == 204 && app.header("access-control-allow-origin") == "https://app.example.com")
        #expect(app.header("access-control-allow-headers")?.contains("x-stainless-os") == true, "SDK headers are allowed")
        #expect(try await preflight("/bots/c/chat/completions", "https://console.example.com").status == 403)

        let call = try await harness.send(.POST, "/bots/c", json: chatBody("hi"), token: key, headers: [("origin", "https://app.example.com")])
        #expect(call.status == 200 && call.header("access-control-allow-origin") == "https://app.example.com")
        #expect(call.header("access-control-expose-headers")?.contains("x-request-id") == true)
        #expect(call.header("vary")?.contains("Origin") == true)
        let read = try await harness.send(.GET, "/admin/keys", token: token, headers: [("origin", "https://console.example.com")])
        #expect(read.header("access-control-allow-origin") == "https://console.example.com")
        let denied = try await harness.send(.GET, "/admin/keys", token: token, headers: [("origin", "https://app.example.com")])
        #expect(denied.header("access-control-allow-origin") == nil)
    }

    @Test("a proxy origin of * allows any page; * is refused for the admin API; origins are validated")
    func corsConfiguration() async throws {
        let harness = try await GatewayHarness.start { $0.security.corsProxyOrigins = ["*"] }
        defer { Task { await harness.stop() } }
        let (key, _) = try await harness.setUpRoute(.openai, path: "/bots/w")
        let call = try await harness.send(.POST, "/bots/w", json: chatBody("hi"), token: key, headers: [("origin", "https://anything.example")])
        #expect(call.header("access-control-allow-origin") == "*")

        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.load(file: nil, environment: ["GATEWAY_SECURITY_CORS_ADMIN_ORIGINS": "*"])
        }
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.load(file: nil, environment: ["GATEWAY_SECURITY_CORS_PROXY_ORIGINS": "https://app.example.com/path"])
        }
        let fromEnvironment = try GatewayConfiguration.load(file: nil, environment: [
            "GATEWAY_SECURITY_CORS_ADMIN_ORIGINS": "https://a.example, http://localhost:5173",
        ])
        #expect(fromEnvironment.security.corsAdminOrigins == ["https://a.example", "http://localhost:5173"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cors-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "security:\n  cors_proxy_origins:\n    - https://one.example\n    - https://two.example:8443\n  login_max_failures: 7\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try GatewayConfiguration.load(file: file.path, environment: [:])
        #expect(fromFile.security.corsProxyOrigins == ["https://one.example", "https://two.example:8443"])
        #expect(fromFile.security.loginMaxFailures == 7 && fromFile.security.corsAdminOrigins.isEmpty)
    }
}
