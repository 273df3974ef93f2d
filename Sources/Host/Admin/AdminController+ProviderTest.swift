import AdapterHost
import AsyncHTTPClient
import Foundation
import Hummingbird
import JSONCore
import NIOCore

/// `POST /admin/providers/:id/test`: the console's "test connection". Sends a one-token completion
/// through the provider's adapter and reports what came back, so an admin learns whether the URL, the
/// key and the model work before any client depends on them.
extension AdminController {
    struct ProviderTestBody: Decodable {
        var model: String?
    }

    struct ProviderTestResult: ResponseEncodable, Sendable {
        /// The provider answered 2xx with a readable completion.
        let ok: Bool
        /// The provider's HTTP status; nil when no answer arrived (connection failed, timeout).
        let status: Int?
        let latencyMs: Int
        let model: String
        /// The first characters of the answer, when there was one.
        let reply: String?
        /// What went wrong, in the provider's or the gateway's words; nil on success.
        let message: String?

        enum CodingKeys: String, CodingKey {
            case ok, status, model, reply, message
            case latencyMs = "latency_ms"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ok, forKey: .ok)
            try container.encode(status, forKey: .status)
            try container.encode(latencyMs, forKey: .latencyMs)
            try container.encode(model, forKey: .model)
            try container.encode(reply, forKey: .reply)
            try container.encode(message, forKey: .message)
        }
    }

    /// Longest a test may take; a provider that needs longer for one token is not working well.
    static let providerTestTimeout: TimeAmount = .seconds(30)

    @Sendable func testProvider(_ request: Request, context: GatewayRequestContext) async throws -> ProviderTestResult {
        _ = try context.requireAdmin()
        let id = try Self.id(context)
        var request = request
        let body = try await request.decodeAdminBody(ProviderTestBody.self, allowedFields: ["model"], context: context)
        guard let provider = snapshots.snapshot.providersByID[id] else { throw AdminError.notFound("Provider \(id)") }
        let model = (body.model ?? provider.models.first ?? "").trimmingCharacters(in: .whitespaces)
        guard !model.isEmpty, Validation.oneLine(model, max: 128) else {
            throw AdminError.field("model", provider.models.isEmpty ? "is required: the provider lists no models" : "must be 1 to 128 characters on one line")
        }
        func failure(_ message: String, status: Int? = nil, since start: ContinuousClock.Instant? = nil) -> ProviderTestResult {
            ProviderTestResult(ok: false, status: status, latencyMs: start.map(Self.milliseconds) ?? 0, model: model, reply: nil, message: message)
        }
        guard provider.status == .ready, let instance = provider.instance else {
            return failure(provider.statusMessage ?? "The provider is \(provider.status.rawValue.replacingOccurrences(of: "_", with: " ")).")
        }

        let chat: JSONValue = .object([
            "model": .string(model),
            "messages": .array([.object(["role": .string("user"), "content": .string("Reply with one word: ok")])]),
            "max_tokens": .number("1"),
            "stream": .bool(false),
        ])
        let unified = UnifiedRequest(model: model, body: chat.byteBuffer, stream: false, requestID: RequestID.make())
        let upstreamRequest: UpstreamRequest
        do {
            upstreamRequest = try instance.translateRequest(unified)
        } catch {
            return failure("The adapter refused the test request: \(error.message)")
        }

        // A client of its own, closed after the test: the controller does not hold the proxy's pool,
        // and a test now and then does not need pooled connections.
        let client = UpstreamClient(configuration: .init())
        defer { Task { try? await client.shutdown() } }
        let start = ContinuousClock.now
        do {
            let httpRequest = client.makeAsyncRequest(upstreamRequest, baseURL: provider.record.baseURL, stream: false)
            let response = try await client.http.execute(httpRequest, deadline: .now() + Self.providerTestTimeout)
            let status = Int(response.status.code)
            let contentType = response.headers.first(name: "content-type") ?? ""
            let answer = try await response.body.collect(upTo: 1024 * 1024)
            guard (200..<300).contains(status) else {
                let translated = instance.translateError(unified, status: status, contentType: contentType, body: answer)
                return failure(Self.errorMessage(translated.body) ?? "The provider answered \(status).", status: status, since: start)
            }
            let translated = try instance.translateResponse(unified, status: status, contentType: contentType, body: answer)
            if let error = translated.error {
                return failure(Self.errorMessage(error.body) ?? "The provider reported an error.", status: error.status, since: start)
            }
            let reply = translated.body.flatMap { try? JSONValue.parse($0) }?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
            logger.info("provider test", metadata: ["provider": "\(provider.name)", "status": "\(status)"])
            return ProviderTestResult(
                ok: true, status: status, latencyMs: Self.milliseconds(since: start), model: translated.model ?? model,
                reply: reply.map { String($0.prefix(200)) }, message: nil)
        } catch let error as AdapterCallError {
            return failure("The provider's answer could not be read: \(error.message)", since: start)
        } catch {
            return failure(UpstreamClient.classify(error, phase: "during the test").message, since: start)
        }
    }

    /// `error.message` of an OpenAI-shaped error body.
    private static func errorMessage(_ body: ByteBuffer) -> String? {
        (try? JSONValue.parse(body))?["error"]?["message"]?.stringValue.map { String($0.prefix(500)) }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
