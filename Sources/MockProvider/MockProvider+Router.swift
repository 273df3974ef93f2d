import Foundation
import Hummingbird

extension MockProvider {
    /// The provider routes plus `/_mock/...` inspection routes for out-of-process tests.
    static func buildRouter(log: RequestLog) -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        for flavor in MockFlavor.allCases {
            let endpoint = ProviderEndpoint(wire: WireFormats.format(for: flavor), log: log)
            var prefixes = [flavor.basePath]
            if flavor == .deepseek {
                prefixes.append(flavor.basePath + "/v1")
            }
            for prefix in prefixes {
                router.post(RouterPath(prefix + "/chat/completions"), use: endpoint.chatCompletions)
                if flavor != .glm {
                    router.get(RouterPath(prefix + "/models"), use: endpoint.models)
                }
            }
        }

        addNativeRoutes(to: router, log: log)

        router.get("/_mock/health") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/_mock/requests") { _, _ in
            let json = JSONValue.array(log.all().map(\.inspectionJSON)).serialized
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.delete("/_mock/requests") { _, _ in
            log.reset()
            return Response(status: .noContent)
        }
        return router
    }
}

extension MockRecordedRequest {
    /// The entry as `GET /_mock/requests` lists it: the body as parsed JSON when it is JSON, else as a string.
    var inspectionJSON: JSONValue {
        let isJSON = (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil
        return .object([
            ("flavor", .string(nativeAPI?.rawValue ?? flavor.rawValue)),
            ("method", .string(method)),
            ("path", .string(path)),
            ("headers", .object(headers.map { ($0.name.lowercased(), .string($0.value)) })),
            ("body", isJSON ? .raw(bodyString) : (body.isEmpty ? .null : .string(bodyString))),
            (
                "reported_usage",
                reportedUsage.map { usage in
                    .object([
                        ("prompt_tokens", .int(usage.promptTokens)),
                        ("completion_tokens", .int(usage.completionTokens)),
                        ("reasoning_tokens", .int(usage.reasoningTokens)),
                        ("cached_tokens", .int(usage.cachedTokens)),
                        ("total_tokens", .int(usage.totalTokens)),
                    ])
                } ?? .null
            ),
            ("completed", .bool(completed)),
            ("client_disconnected", .bool(clientDisconnected)),
        ])
    }
}
