import AdapterHost
import JSONCore
import NIOCore

extension AdapterChecker {
    /// Request translation of the representative unified requests and of the samples' own.
    func checkRequests(_ instance: AdapterInstance, adapter: LoadedAdapter) {
        let cases = UnifiedRequests(model: model)
        var translated: [String: UpstreamRequest] = [:]
        for c in cases.all {
            let capable = c.capability.map { adapter.capabilities & $0 != 0 } ?? true
            item(c.id, c.title, required: capable) {
                let request = unified(c.body, stream: c.stream, includeUsage: c.includeUsage)
                let upstream: UpstreamRequest
                do throws(AdapterCallError) {
                    upstream = try instance.translateRequest(request)
                } catch {
                    checkSecret(in: error.message, where: "a translate_request error message")
                    if !capable, error.status == 1 || error.status == 2 {
                        return .pass("refused with \(AdapterCallError.statusName(error.status)) (the capability is not declared): \(Self.clip(error.message, 80))")
                    }
                    return .fail("\(error)")
                }
                translated[c.id] = upstream
                let body = Array(upstream.body.readableBytesView)
                let strings = OpenAIShapes.strings(in: body)
                let lost = c.mustCarry.filter { needle in !strings.contains { $0.contains(needle) } }
                var notes = ["\(upstream.method) \(upstream.path)", "\(upstream.headers.count) headers", "\(body.count) body bytes"]
                if upstream.method == "POST", body.isEmpty { return .fail("POST with an empty body") }
                if let type = upstream.headers.first(where: { $0.name.lowercased() == "content-type" })?.value,
                   type.lowercased().contains("json"), (try? JSONValue.parse(body)) == nil {
                    return .fail("the body is sent as \(type) but is not valid JSON")
                }
                if !lost.isEmpty {
                    let shown = lost.map { "\"\(Self.clip($0, 40))\"" }.joined(separator: ", ")
                    return .fail("the upstream request lost \(shown) (searched every string of the body)")
                }
                if !capable { notes.append("translated although the capability is not declared") }
                return .pass(notes.joined(separator: ", "))
            }
        }

        if let plain = translated[cases.plain.id], let streamed = translated[cases.stream.id] {
            item("request.stream-flag", "GW_REQ_STREAM changes the upstream request", required: false) {
                let plainBody = Array(plain.body.readableBytesView), streamBody = Array(streamed.body.readableBytesView)
                let same = plain.path == streamed.path && plainBody == streamBody
                    && plain.headers.map { "\($0.name):\($0.value)" } == streamed.headers.map { "\($0.name):\($0.value)" }
                return same ? .warn("the request for a stream looks like the one for a non-stream answer; does the adapter ask the provider to stream?")
                    : .pass()
            }
        }

        for sample in options.samples.requests {
            item("request.sample[\(sample.name)]", "a unified request from the samples") {
                do throws(AdapterCallError) {
                    let upstream = try instance.translateRequest(unified(sample.body, stream: sample.stream, includeUsage: sample.stream))
                    return .pass("\(upstream.method) \(upstream.path), \(upstream.body.readableBytes) body bytes")
                } catch {
                    return .fail("\(error)")
                }
            }
        }

        item("request.malformed", "a unified body that is not JSON is refused, not forwarded", required: false) {
            do throws(AdapterCallError) {
                _ = try instance.translateRequest(unified(Array("{\"model\": \"x\", \"messages\": [".utf8), stream: false, includeUsage: false))
                return .warn("translate_request returned GW_OK for a truncated JSON body (the host always sends valid JSON, but a parser that accepts this may accept worse)")
            } catch {
                return .pass("\(AdapterCallError.statusName(error.status))")
            }
        }
    }
}
