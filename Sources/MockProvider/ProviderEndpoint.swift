import Foundation
import Hummingbird
import NIOCore

/// Serves one provider's routes: records the request, checks the key, reads the directives and writes the answer.
struct ProviderEndpoint: Sendable {
    let wire: any WireFormat
    let log: RequestLog

    /// Thrown from a response body writer to close the connection mid-body; Hummingbird closes the channel when
    /// the writer throws.
    struct DeliberateDrop: Error {}

    static let maxBodySize = 64 * 1024 * 1024

    // MARK: Routes

    /// `POST .../chat/completions`.
    func chatCompletions(_ request: Request, context: MockRequestContext) async throws -> Response {
        let (entry, body) = try await record(request)
        let pacer = ConnectionPacer(channel: context.channel)
        if let refusal = authorize(request) {
            return json(refusal, entry: entry)
        }
        let chat: ChatRequest
        do {
            chat = try ChatRequest(json: body)
        } catch {
            return json(wire.invalidRequest(message: error.message), entry: entry)
        }
        let directives = MockDirectives(parsing: chat.lastUserText)

        if let delay = directives.int("first_byte_ms"), delay > 0 {
            do {
                try await pacer.pause(milliseconds: delay)
            } catch {
                log.update(entry) { $0.clientDisconnected = error is ConnectionPacer.ClientGone }
                throw error
            }
        }
        if directives.has("error") || (wire.flavor == .glm && directives.has("glm_code")) {
            return json(wire.error(status: directives.int("error"), directives: directives), entry: entry)
        }
        if directives.flag("garbage") {
            return garbage(stream: chat.stream, entry: entry)
        }

        let reasoning = directives.has("reasoning") ? directives.flag("reasoning") : wire.reasonsByDefault(chat)
        let plan = AnswerPlan(
            request: chat,
            directives: directives,
            flavor: wire.flavor,
            reasoning: reasoning,
            reportsReasoningTokens: wire.reportsReasoningTokens,
            toolCallID: wire.toolCallID(sequence: entry)
        )
        let answer = Answer(
            plan: plan,
            request: chat,
            id: wire.answerID(sequence: entry),
            created: Int(Date().timeIntervalSince1970)
        )
        if chat.stream {
            return stream(answer, directives: directives, entry: entry, pacer: pacer)
        }
        return completion(answer, directives: directives, entry: entry, pacer: pacer)
    }

    /// `GET .../models`.
    func models(_ request: Request, context: MockRequestContext) async throws -> Response {
        let (entry, _) = try await record(request)
        if let refusal = authorize(request) {
            return json(refusal, entry: entry)
        }
        guard let models = wire.models() else {
            return json(wire.error(status: 404, directives: MockDirectives(parsing: "")), entry: entry)
        }
        return json(JSONAnswer(status: 200, body: models), entry: entry)
    }

    // MARK: Answers

    private func stream(_ answer: Answer, directives: MockDirectives, entry: Int, pacer: ConnectionPacer) -> Response {
        let options = StreamScript.Options(
            keepAlives: directives.int("keepalive") ?? 0,
            keepAliveIntervalMs: directives.int("keepalive_ms") ?? 0,
            intervalMs: directives.int("interval_ms") ?? 0,
            dropAfter: directives.int("drop_after"),
            errorAfter: directives.int("stream_error_after")
        )
        let wire = self.wire
        let log = self.log
        let channel = pacer.channel
        let initialPauseMs = directives.int("headers_then_wait_ms") ?? 0
        return respond(status: 200, contentType: wire.streamContentType, stream: true, entry: entry) { _ in
            // The events are written from the connection's event loop (`StreamPump`); this task only waits for
            // the end of the stream. Hummingbird then writes the end of the chunked body.
            try await StreamPump.run(
                channel: channel,
                script: StreamScript(answer: answer, wire: wire, directives: directives, options: options),
                initialPauseMs: initialPauseMs,
                onUsage: { log.update(entry) { $0.reportedUsage = answer.plan.usage } }
            )
        }
    }

    /// A JSON answer. DeepSeek-style queueing (`keepalive=N`) sends N blank lines first; `drop_after` sends half
    /// the body and closes, so the client sees fewer bytes than the Content-Length promised.
    private func completion(_ answer: Answer, directives: MockDirectives, entry: Int, pacer: ConnectionPacer) -> Response {
        let body = wire.completion(answer).serialized
        let keepAlives = directives.int("keepalive") ?? 0
        let keepAliveInterval = directives.int("keepalive_ms") ?? 0
        let drop = directives.has("drop_after")
        let log = self.log
        return respond(
            status: 200,
            contentType: wire.jsonContentType,
            contentLength: keepAlives + body.utf8.count,
            entry: entry
        ) { writer in
            if let wait = directives.int("headers_then_wait_ms") {
                try await pacer.pause(milliseconds: wait)
            }
            for index in 0..<keepAlives {
                try await pacer.pause(milliseconds: index > 0 ? keepAliveInterval : 0)
                try await writer.write(ByteBuffer(string: "\n"))
            }
            if drop {
                let bytes = Array(body.utf8)
                try await writer.write(ByteBuffer(bytes: bytes[..<(bytes.count / 2)]))
                throw DeliberateDrop()
            }
            try await writer.write(ByteBuffer(string: body))
            log.update(entry) { $0.reportedUsage = answer.plan.usage }
        }
    }

    /// A 200 whose body is neither JSON nor well-formed SSE.
    private func garbage(stream: Bool, entry: Int) -> Response {
        let text =
            stream
            ? "data: {\"id\":\"mock-garbage\",\"choices\":[{\"delta\":{\"content\":\"unterminated\n\n"
                + "data: <html>not json</html>\n\nthis line is not an SSE field\n\n"
            : "<html><body><h1>502 Bad Gateway</h1></body></html>\n"
        let contentType = stream ? wire.streamContentType : wire.jsonContentType
        return respond(status: 200, contentType: contentType, contentLength: text.utf8.count, stream: stream, entry: entry) {
            writer in
            try await writer.write(ByteBuffer(string: text))
        }
    }

    private func json(_ answer: JSONAnswer, entry: Int) -> Response {
        let text = answer.body.serialized
        return respond(status: answer.status, contentType: wire.jsonContentType, contentLength: text.utf8.count, entry: entry) {
            writer in
            try await writer.write(ByteBuffer(string: text))
        }
    }

    /// Builds a response whose body writer records how the answer ended.
    private func respond(
        status: Int,
        contentType: String,
        contentLength: Int? = nil,
        stream: Bool = false,
        entry: Int,
        write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if stream {
            headers[.cacheControl] = "no-cache"
        }
        headers[.init("x-request-id")!] = "req_mock" + WireFormats.padded(entry, width: 8)
        let log = self.log
        let body = ResponseBody(contentLength: contentLength) { writer in
            do {
                try await write(&writer)
                try await writer.finish(nil)
                log.update(entry) { $0.completed = true }
            } catch let error as DeliberateDrop {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                // A failed write or a pause that saw the channel close: the client went away.
                log.update(entry) { $0.clientDisconnected = true }
                throw error
            }
        }
        return Response(status: .init(code: status), headers: headers, body: body)
    }

    // MARK: Recording and auth

    private func record(_ request: Request) async throws -> (entry: Int, body: [UInt8]) {
        var request = request
        let buffer = try await request.collectBody(upTo: Self.maxBodySize)
        let body = Array(buffer.readableBytesView)
        let entry = log.append(
            MockRecordedRequest(
                flavor: wire.flavor,
                method: request.method.rawValue,
                path: request.uri.path,
                headers: request.headers.map { (name: $0.name.rawName, value: $0.value) },
                body: body,
                reportedUsage: nil,
                completed: false,
                clientDisconnected: false
            )
        )
        return (entry, body)
    }

    /// - Returns: nil when the bearer token is the flavor's key (or, on GLM, a valid unexpired JWT), else the 401.
    private func authorize(_ request: Request) -> JSONAnswer? {
        let header = request.headers[.authorization]
        var token: String?
        if let header {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                token = parts[1].trimmingWhitespace()
            }
        }
        if token == MockCredentials.key(for: wire.flavor) {
            return nil
        }
        if wire.flavor == .glm, let token {
            let nowMillis = Int(Date().timeIntervalSince1970 * 1000)
            if case .success = GLMToken.verify(token, idSecret: MockCredentials.glmIDSecret, nowMillis: nowMillis) {
                return nil
            }
        }
        return wire.unauthorized(presentedKey: token ?? header)
    }
}
