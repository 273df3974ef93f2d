import HTTPTypes

/// Which browser origins may call which part of the gateway (`security.cors_*_origins`).
/// The admin API allows none unless configured; the proxy routes allow the configured origins
/// (or any, with `*`), since browser apps call them with their own gateway key.
struct CORSPolicy: Sendable {
    /// The part of the URL space a request belongs to.
    enum Space: Sendable { case admin, proxy, gateway }

    let adminOrigins: Set<String>
    let proxyOrigins: Set<String>

    init(configuration: GatewayConfiguration.Security) {
        adminOrigins = Set(configuration.corsAdminOrigins)
        proxyOrigins = Set(configuration.corsProxyOrigins)
    }

    static func space(of path: String) -> Space {
        if path == "/admin" || path.hasPrefix("/admin/") { return .admin }
        // Same rule as GatewayResponder.isGatewayRoute: the console, health checks and other reserved paths.
        let reserved = path == "/" || Validation.reservedPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
        return reserved ? .gateway : .proxy
    }

    /// The `Access-Control-Allow-Origin` value for `origin` in `space`, or nil when not allowed.
    func allowedOrigin(_ origin: String, in space: Space) -> String? {
        switch space {
        case .admin:
            return adminOrigins.contains(origin.lowercased()) ? origin : nil
        case .proxy:
            if proxyOrigins.contains("*") { return "*" }
            return proxyOrigins.contains(origin.lowercased()) ? origin : nil
        case .gateway:
            return nil
        }
    }

    static let adminMethods = "GET, POST, PUT, DELETE, OPTIONS"
    static let proxyMethods = "GET, POST, OPTIONS"
    static let adminHeaders = "authorization, content-type"
    /// Headers browsers may read from answers: request ids for support, retry hints for SDKs.
    static let exposedHeaders = "x-request-id, x-should-retry, retry-after"

    /// The request headers a preflight may ask for on proxy routes. SDKs send their own (`x-stainless-*`,
    /// `openai-organization`), so the proxy echoes what was asked, keeping only well-formed names.
    static func allowedProxyHeaders(_ requested: String?) -> String {
        let names = (requested ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { name in !name.isEmpty && name.count <= 64 && name.utf8.allSatisfy { $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) } }
        return (["authorization", "content-type"] + names.filter { $0 != "authorization" && $0 != "content-type" }).prefix(32).joined(separator: ", ")
    }
}
