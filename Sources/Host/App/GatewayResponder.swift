import Hummingbird

/// The router's responder, for every request that is not on a proxy route (those never reach
/// Hummingbird: see `ProxyChannelHandler`). Gives unmatched paths a body in the right shape.
struct GatewayResponder<Router: HTTPResponder>: HTTPResponder where Router.Context == GatewayRequestContext {
    typealias Context = GatewayRequestContext
    let router: Router

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let response = try await router.respond(to: request, context: context)
        // The router marks requests that matched no route; give them a body in the right shape.
        guard response.status == .notFound, context.coreContext.endpointPath.value == "NotFound" else { return response }
        if Self.isGatewayRoute(path) {
            return try AdminError(status: .notFound, code: "not_found", message: "There is no route \(request.method) \(path).")
                .response(from: request, context: context)
        }
        // An unknown path outside the admin/console space is most likely a mistyped endpoint: answer in
        // the OpenAI shape that SDK clients understand.
        let answer = ProxyHandler.errorResponse(.endpointNotFound(path), requestID: RequestID.make())
        return Response(status: answer.head.status, headers: answer.head.headerFields, body: ResponseBody(byteBuffer: answer.body))
    }

    static func isGatewayRoute(_ path: String) -> Bool {
        path == "/" || Validation.reservedPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }
}
