import Foundation
import Hummingbird
import NIOCore

/// What the mock answers on a native route: the pieces of text (or a tool call) and the token counts. The rules
/// are those of ``AnswerPlan`` (one completion token per piece), so tests can compute what to expect.
struct NativePlan: Sendable {
    var reasoning: [String]
    var pieces: [String]
    var toolCall: ToolCall?
    /// The native finish reason (`end_turn`, `max_tokens`, `tool_use`; `stop`, `length`).
    var finishReason: String
    var promptTokens: Int
    var cachedTokens: Int

    var completionTokens: Int { reasoning.count + (toolCall?.tokens ?? pieces.count) }
    var text: String { pieces.joined() }

    /// - Parameters:
    ///   - allText: every text of the request (system and messages), the basis of `promptTokens`.
    ///   - lastUserText: where directives are read; the echo is its first 40 scalars without them.
    ///   - maxTokens: the request's output limit; a longer answer is cut and finishes with `lengthReason`.
    init(api: MockNativeAPI, allText: String, lastUserText: String, directives: MockDirectives, tool: (name: String, argument: String)?,
         reasoning: Bool, maxTokens: Int?, stopReason: String, toolReason: String, lengthReason: String, sequence: Int) {
        self.reasoning = reasoning ? TextPieces(text: AnswerPlan.reasoningText).all : []
        if directives.has("tools"), let tool {
            toolCall = ToolCall(id: api == .anthropic ? "toolu_mock" + WireFormats.padded(sequence, width: 16) : "call_\(sequence)",
                                name: tool.name, argumentName: tool.argument)
            pieces = []
        } else if let count = directives.int("chunks") {
            pieces = TextPieces.words(min(count, 100_000)).all
        } else {
            let echo = String(String.UnicodeScalarView(directives.strippedText.unicodeScalars.prefix(40)))
            pieces = TextPieces(text: "Hello from mock \(api.rawValue)! You said: \(echo)").all
        }
        finishReason = toolCall == nil ? stopReason : toolReason
        if let maxTokens, toolCall == nil, pieces.count + self.reasoning.count > maxTokens {
            let keep = max(0, maxTokens - self.reasoning.count)
            pieces = Array(pieces.prefix(keep))
            finishReason = lengthReason
        }
        if let finish = directives.string("finish"), !finish.isEmpty { finishReason = finish }
        promptTokens = max(1, (allText.utf8.count + 3) / 4)
        cachedTokens = min(directives.int("cached") ?? 0, promptTokens)
    }

    var usage: MockUsage {
        MockUsage(promptTokens: promptTokens, completionTokens: completionTokens, reasoningTokens: 0, cachedTokens: cachedTokens)
    }
}

/// Shared plumbing of the native routes: recording, pacing and writing.
struct NativeResponder: Sendable {
    let api: MockNativeAPI
    let log: RequestLog

    func record(_ request: Request) async throws -> (entry: Int, body: [UInt8]) {
        var request = request
        let body = Array(try await request.collectBody(upTo: ProviderEndpoint.maxBodySize).readableBytesView)
        var recorded = MockRecordedRequest(
            flavor: .openai, method: request.method.rawValue, path: request.uri.path,
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }, body: body,
            reportedUsage: nil, completed: false, clientDisconnected: false)
        recorded.nativeAPI = api
        return (log.append(recorded), body)
    }

    /// A whole JSON body.
    func json(status: Int, _ body: JSONValue, contentType: String = "application/json", entry: Int, usage: MockUsage? = nil) -> Response {
        let text = body.serialized
        return respond(status: status, contentType: contentType, contentLength: text.utf8.count, entry: entry) { writer in
            try await writer.write(ByteBuffer(string: text))
            if let usage { log.update(entry) { $0.reportedUsage = usage } }
        }
    }

    /// A body written by `write`, recording how the answer ended.
    func respond(status: Int, contentType: String, contentLength: Int? = nil, entry: Int,
                 write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.init(api == .anthropic ? "request-id" : "x-request-id")!] = "req_mock" + WireFormats.padded(entry, width: 8)
        let log = self.log
        let body = ResponseBody(contentLength: contentLength) { writer in
            do {
                try await write(&writer)
                try await writer.finish(nil)
                log.update(entry) { $0.completed = true }
            } catch let error as ProviderEndpoint.DeliberateDrop {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                log.update(entry) { $0.clientDisconnected = true }
                throw error
            }
        }
        return Response(status: .init(code: status), headers: headers, body: body)
    }

    /// Waits `first_byte_ms`, noticing a client that leaves.
    func firstByteDelay(_ directives: MockDirectives, pacer: ConnectionPacer, entry: Int) async throws {
        guard let delay = directives.int("first_byte_ms"), delay > 0 else { return }
        do {
            try await pacer.pause(milliseconds: delay)
        } catch {
            log.update(entry) { $0.clientDisconnected = error is ConnectionPacer.ClientGone }
            throw error
        }
    }
}

/// Reads request JSON with Foundation (requests only; answers are built with the ordered ``JSONValue``).
enum NativeJSON {
    static func object(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// The text of a string, or of the `text` of each block of an array.
    static func text(_ content: Any?) -> String {
        if let s = content as? String { return s }
        return (content as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined()
    }

    /// A whole-number JSON value (Foundation reads `3` and `3.0` alike; it does not tell `true` from `1`, which
    /// is lenient enough for a mock).
    static func int(_ value: Any?) -> Int? {
        guard let n = value as? NSNumber else { return nil }
        let d = n.doubleValue
        return d == d.rounded() && abs(d) < 1e15 ? Int(d) : nil
    }

    static func double(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }
}
