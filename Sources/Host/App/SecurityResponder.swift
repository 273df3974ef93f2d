import HTTPTypes
import Hummingbird
import NIOCore

/// Wraps the gateway's responder with the browser-facing protections: security headers on every
/// answer, and CORS for the origins `CORSPolicy` allows (preflights answered here, before any route).
struct SecurityResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == GatewayRequestContext {
    typealias Context = GatewayRequestContext
    let inner: Inner
    let cors: CORSPolicy

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let space = CORSPolicy.space(of: path)
        let origin = request.headers[.origin]

        if request.method == .options, origin != nil, request.headers[.accessControlRequestMethod] != nil {
            return preflight(request, space: space, allowedOrigin: origin.flatMap { cors.allowedOrigin($0, in: space) })
        }
        var response: Response
        do {
            response = try await inner.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            // Errors become answers here rather than in the server, so they get the headers too.
            response = try error.response(from: request, context: context)
        }
        cors.decorate(&response.headers, space: space, origin: origin)
        return response
    }

    private func preflight(_ request: Request, space: CORSPolicy.Space, allowedOrigin: String?) -> Response {
        guard let allowedOrigin else {
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            SecurityHeaders.add(to: &headers, space: space)
            let body = space == .admin
                ? #"{"error":{"code":"origin_not_allowed","message":"This origin may not call the admin API; see security.cors_admin_origins."}}"#
                : #"{"error":{"message":"This origin may not call this API; see security.cors_proxy_origins.","type":"invalid_request_error","param":null,"code":"origin_not_allowed"}}"#
            return Response(status: .forbidden, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = allowedOrigin
        if space == .admin {
            headers[.accessControlAllowMethods] = CORSPolicy.adminMethods
            headers[.accessControlAllowHeaders] = CORSPolicy.adminHeaders
        } else {
            headers[.accessControlAllowMethods] = CORSPolicy.proxyMethods
            headers[.accessControlAllowHeaders] = CORSPolicy.allowedProxyHeaders(request.headers[.accessControlRequestHeaders])
        }
        headers[.accessControlMaxAge] = "600"
        headers[.vary] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        SecurityHeaders.add(to: &headers, space: space)
        return Response(status: .noContent, headers: headers)
    }
}

extension CORSPolicy {
    /// Adds the security headers of `space` and, when `origin` may read the answer, the CORS headers.
    /// Every answer gets them: the router's through `SecurityResponder`, the proxy's in `ProxyExchange`.
    func decorate(_ headers: inout HTTPFields, space: Space, origin: String?) {
        SecurityHeaders.add(to: &headers, space: space)
        let allowed = origin.flatMap { allowedOrigin($0, in: space) }
        if let allowed {
            headers[.accessControlAllowOrigin] = allowed
            headers[.accessControlExposeHeaders] = CORSPolicy.exposedHeaders
        }
        if !adminOrigins.isEmpty || !proxyOrigins.isEmpty, space != .gateway, allowed != "*" {
            // The answer depends on the Origin header: caches must not hand one origin's answer to another.
            headers.append(HTTPField(name: .vary, value: "Origin"))
        }
    }
}

enum SecurityHeaders {
    /// `nosniff` everywhere; the full browser policy on the console, health and admin answers
    /// (without replacing a stricter header a route set itself); no caching of admin answers,
    /// which carry tokens and account data.
    static func add(to headers: inout HTTPFields, space: CORSPolicy.Space) {
        headers[.xContentTypeOptions] = "nosniff"
        guard space != .proxy else { return }
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = SecurityHeaders.contentSecurityPolicy }
        if headers[.xFrameOptions] == nil { headers[.xFrameOptions] = "DENY" }
        if headers[.referrerPolicy] == nil { headers[.referrerPolicy] = "no-referrer" }
        if headers[.crossOriginOpenerPolicy] == nil { headers[.crossOriginOpenerPolicy] = "same-origin" }
        if headers[.permissionsPolicy] == nil { headers[.permissionsPolicy] = "camera=(), microphone=(), geolocation=()" }
        if space == .admin, headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }

    /// The console and the admin API load nothing from elsewhere and run no inline script or style.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("x-frame-options")!
    static let referrerPolicy = HTTPField.Name("referrer-policy")!
    static let crossOriginOpenerPolicy = HTTPField.Name("cross-origin-opener-policy")!
    static let permissionsPolicy = HTTPField.Name("permissions-policy")!
}
