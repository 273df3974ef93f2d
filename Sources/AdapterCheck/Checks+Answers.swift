import AdapterHost
import JSONCore
import NIOCore

extension AdapterChecker {
    /// Non-stream answers from the samples, and bodies that are not answers at all.
    func checkResponses(_ instance: AdapterInstance) {
        let request = unified(UnifiedRequests(model: model).plain.body, stream: false, includeUsage: false)
        if options.samples.responses.isEmpty {
            item("response.samples", "non-stream answers translate (needs response*.json samples)") {
                .skip("no non-stream answer among the samples: give one as response.json (see --samples)")
            }
        }
        for sample in options.samples.responses {
            item("response[\(sample.name)]", "a 2xx answer becomes one valid chat.completion with usage") {
                let translated: TranslatedResponse
                do throws(AdapterCallError) {
                    translated = try instance.translateResponse(request, status: sample.status, contentType: "application/json",
                                                                body: ByteBuffer(bytes: sample.bytes))
                } catch {
                    return .fail("\(error)")
                }
                if let error = translated.error {
                    return .fail("the answer was translated into an error (HTTP \(error.status)): \(Self.clip(String(buffer: error.body)))")
                }
                guard let body = translated.body else { return .fail("no GW_OUT_RESPONSE") }
                let bytes = Array(body.readableBytesView)
                checkSecret(in: bytes, where: "a translated answer")
                var problems = OpenAIShapes.completion(bytes)
                if sample.usage {
                    if let usage = translated.usage {
                        if usage.promptTokens == nil || usage.completionTokens == nil {
                            problems.append("GW_OUT_USAGE lacks prompt or completion tokens")
                        }
                    } else {
                        problems.append("no GW_OUT_USAGE (the host counts tokens only from what adapters report)")
                    }
                }
                problems += expectationProblems(sample.expect, content: OpenAIShapes.content(ofCompletion: bytes),
                                                finishReason: firstFinishReason(bytes) ?? translated.finishReason, usage: translated.usage)
                if !problems.isEmpty { return .fail(problems.joined(separator: "; ")) }
                var notes: [String] = []
                if let usage = translated.usage { notes.append("usage \(Self.describe(usage))") }
                if translated.model == nil { notes.append("no GW_OUT_MODEL") }
                if translated.finishReason == nil { notes.append("no GW_OUT_FINISH") }
                return .pass(notes.joined(separator: ", "))
            }
        }

        item("response.garbage", "bodies that are not answers give an error status, not a response") {
            var accepted: [String] = []
            for (label, body) in GarbageInput.responseBodies(seed: options.seed) {
                do throws(AdapterCallError) {
                    let out = try instance.translateResponse(request, status: 200, contentType: "application/json", body: ByteBuffer(bytes: body))
                    if let response = out.body {
                        // An adapter may wrap odd but valid JSON; it must still be a valid chat.completion.
                        if !OpenAIShapes.completion(Array(response.readableBytesView)).isEmpty { accepted.append(label) }
                    } else if let error = out.error, !OpenAIShapes.error(Array(error.body.readableBytesView)).isEmpty {
                        accepted.append("\(label) (as an invalid error body)")
                    }
                } catch {
                    checkSecret(in: error.message, where: "a translate_response error message")
                }
            }
            return accepted.isEmpty ? .pass("\(GarbageInput.responseBodies(seed: options.seed).count) bodies refused")
                : .fail("translated into an invalid answer: \(accepted.joined(separator: ", "))")
        }
    }

    /// Error answers from the samples, and error bodies that are not JSON.
    func checkErrors(_ instance: AdapterInstance) {
        let request = unified(UnifiedRequests(model: model).plain.body, stream: false, includeUsage: false)
        func translate(_ body: [UInt8], status: Int, contentType: String) -> Result<AdapterErrorOutput, Reason> {
            switch instance.translateErrorStrictly(request, status: status, contentType: contentType, body: ByteBuffer(bytes: body)) {
            case .failure(let error):
                checkSecret(in: error.message, where: "a translate_error error message")
                return .failure(Reason("\(error)"))
            case .success(let out):
                let bytes = Array(out.body.readableBytesView)
                checkSecret(in: bytes, where: "an error body for clients")
                let problems = OpenAIShapes.error(bytes)
                if !problems.isEmpty { return .failure(Reason(problems.joined(separator: "; ") + ": " + Self.clip(String(decoding: bytes, as: UTF8.self)))) }
                return .success(out)
            }
        }
        if options.samples.errors.isEmpty {
            item("error.samples", "provider errors translate (needs error-<status>.json samples)", required: false) {
                .skip("no error body among the samples: give one as error-429.json (see --samples)")
            }
        }
        for sample in options.samples.errors {
            item("error[\(sample.name)]", "HTTP \(sample.status) becomes one OpenAI-shaped error") {
                switch translate(sample.bytes, status: sample.status, contentType: "application/json") {
                case .failure(let reason): return .fail(reason.text)
                case .success(let out):
                    if let expected = sample.expectStatus, out.status != expected {
                        return .fail("client status \(out.status), expected \(expected)")
                    }
                    return .pass("HTTP \(sample.status) -> \(out.status)\(out.noRetry ? ", no retry" : "")")
                }
            }
        }
        item("error.not-json", "error bodies that are HTML, empty, truncated or binary still give an OpenAI error") {
            var problems: [String] = []
            var statuses: [String] = []
            var changed: [String] = []
            for (label, status, type, body) in GarbageInput.errorBodies(seed: options.seed) {
                switch translate(body, status: status, contentType: type) {
                case .failure(let reason): problems.append("\(label): \(reason.text)")
                case .success(let out):
                    statuses.append("\(status)->\(out.status)")
                    if (status == 429 || status >= 500), out.status != status, !(status == 529 && out.status == 503) {
                        changed.append("\(status) became \(out.status)")
                    }
                }
            }
            if !problems.isEmpty { return .fail(problems.joined(separator: "; ")) }
            return .pass(statuses.joined(separator: ", ") + (changed.isEmpty ? "" : " (note: \(changed.joined(separator: ", ")); clients retry 429 and 5xx)"))
        }
    }

    // MARK: Helpers

    func expectationProblems(_ expect: SampleSet.Expectation, content: String?, finishReason: String?, usage: TokenUsage?) -> [String] {
        var problems: [String] = []
        if let want = expect.content, content != want {
            problems.append("content \"\(Self.clip(content ?? "nil", 60))\", expected \"\(Self.clip(want, 60))\"")
        }
        if let want = expect.finishReason, finishReason != want {
            problems.append("finish_reason \(finishReason ?? "nil"), expected \(want)")
        }
        func compare(_ name: String, _ got: Int64?, _ want: Int64?) {
            if let want, got != want { problems.append("\(name) \(got.map(String.init) ?? "not reported"), expected \(want)") }
        }
        compare("prompt_tokens", usage?.promptTokens, expect.promptTokens)
        compare("completion_tokens", usage?.completionTokens, expect.completionTokens)
        compare("cached_tokens", usage?.cachedTokens, expect.cachedTokens)
        compare("reasoning_tokens", usage?.reasoningTokens, expect.reasoningTokens)
        return problems
    }

    func firstFinishReason(_ completion: [UInt8]) -> String? {
        guard case .object(let o)? = try? JSONValue.parse(completion) else { return nil }
        return o["choices"]?.arrayValue?.first?.objectValue?["finish_reason"]?.stringValue
    }

    static func describe(_ usage: TokenUsage) -> String {
        func n(_ v: Int64?) -> String { v.map(String.init) ?? "-" }
        return "prompt \(n(usage.promptTokens)), completion \(n(usage.completionTokens)), reasoning \(n(usage.reasoningTokens)), cached \(n(usage.cachedTokens))"
    }
}
