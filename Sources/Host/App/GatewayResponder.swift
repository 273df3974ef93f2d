import Hummingbird

/// The gateway's top-level responder: endpoint paths go straight to the proxy (one dictionary lookup
/// in the snapshot, no router walk); everything else goes to the router (admin API, health, console).
struct GatewayResponder<Router: HTTPResponder>: HTTPResponder where Router.Context == GatewayRequestContext {
    typealias Context = GatewayRequestContext
    let proxy: ProxyHandler
    let router: Router

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if let response = await proxy.respond(to: request, path: path, snapshot: proxy.snapshots.snapshot) {
            return response
        }
        let response = try await router.respond(to: request, context: context)
        // The router marks requests that matched no route; give them a body in the right shape.
        guard response.status == .notFound, context.coreContext.endpointPath.value == "NotFound" else { return response }
        if Self.isGatewayRoute(path) {
            return try AdminError(status: .notFound, code: "not_found", message: "There is no route \(request.method) \(path).")
                .response(from: request, context: context)
        }
        // An unknown path outside the admin/console space is most likely a mistyped endpoint: answer in
        // the OpenAI shape that SDK clients understand.
        return ProxyHandler.errorResponse(.endpointNotFound(path), requestID: RequestID.make())
    }

    static func isGatewayRoute(_ path: String) -> Bool {
        path == "/" || Validation.reservedPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }
}
