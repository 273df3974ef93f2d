import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads a streamed answer from the gateway the way an SSE client does, keeping comments apart.
struct SSEStream: Sendable {
    let status: Int
    let contentType: String
    /// `data:` payloads in order, `[DONE]` included.
    var events: [String] = []
    /// Comment lines (`: keep-alive`).
    var comments: [String] = []
    var raw = ""

    /// Parsed JSON payloads (everything but `[DONE]`).
    var jsonEvents: [[String: Any]] {
        events.filter { $0 != "[DONE]" }.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Concatenated `delta.content` of all chunks.
    var content: String { deltas("content") }
    func deltas(_ field: String) -> String {
        jsonEvents.compactMap { event -> String? in
            guard let choices = event["choices"] as? [[String: Any]], let delta = choices.first?["delta"] as? [String: Any] else { return nil }
            return delta[field] as? String
        }.joined()
    }

    var endedWithDone: Bool { events.last == "[DONE]" }
    var errorEvent: [String: Any]? { jsonEvents.last?["error"] as? [String: Any] }
}

extension GatewayHarness {
    /// POSTs a streaming chat request and reads the whole SSE answer. `stopAfter` closes the
    /// connection after that many data events, like a client that gives up.
    func stream(_ path: String, key: String, body: [String: Any], stopAfter: Int? = nil) async throws -> SSEStream {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        var body = body
        body["stream"] = true
        request.body = .bytes(try JSONSerialization.data(withJSONObject: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var result = SSEStream(status: Int(response.status.code), contentType: response.headers.first(name: "content-type") ?? "")
        var pending = ""
        for try await buffer in response.body {
            let text = String(buffer: buffer)
            result.raw += text
            pending += text
            while let range = pending.range(of: "\n\n") {
                let block = String(pending[..<range.lowerBound])
                pending = String(pending[range.upperBound...])
                for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                    if line.hasPrefix(":") {
                        result.comments.append(String(line))
                    } else if line.hasPrefix("data: ") {
                        result.events.append(String(line.dropFirst(6)))
                    } else if line.hasPrefix("data:") {
                        result.events.append(String(line.dropFirst(5)))
                    }
                }
                if let stopAfter, result.events.count >= stopAfter { return result }
            }
        }
        return result
    }
}

func chatBody(_ text: String, model: String? = nil, extra: [String: Any] = [:]) -> [String: Any] {
    var body: [String: Any] = ["messages": [["role": "user", "content": text]]]
    if let model { body["model"] = model }
    body.merge(extra) { _, new in new }
    return body
}
