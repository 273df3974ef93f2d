import Foundation
import JSONCore

/// Upstream bodies the checker feeds an adapter, so it can check providers it has never heard of.
///
/// The folder layout (docs/plugins.md, "Samples"):
///
/// ```
/// samples/
///   manifest.json            optional: configuration, expectations, file lists
///   response*.json           a 2xx non-stream answer
///   error-<status>*.<ext>    an error body sent with HTTP <status> (error-429.json, error-500.html)
///   stream*.<ext>            a complete streamed answer, byte for byte as the provider sends it (SSE, NDJSON, ...)
///   stream-error*.<ext>      a streamed answer that ends in an error after the 200
/// ```
///
/// `manifest.json` (every key optional; paths are relative to the folder):
///
/// ```json
/// {
///   "model": "my-model",
///   "config": {"base_url": "https://api.example.com", "api_key": "sk-test", "options": {}},
///   "invalid_configs": [{"options": {"mode": 7}}],
///   "requests": [{"file": "unified-tools.json", "stream": false}],
///   "responses": [{"file": "response.json", "usage": true,
///                  "expect": {"content": "Hello", "finish_reason": "stop", "prompt_tokens": 9, "completion_tokens": 2}}],
///   "errors": [{"file": "error.json", "status": 529, "expect_status": 503}],
///   "streams": [{"file": "stream.sse", "usage": true, "expect": {"content": "Hello", "finish_reason": "stop"}}],
///   "error_streams": [{"file": "stream-error.sse", "expect_status": 503}]
/// }
/// ```
/// A list given in the manifest replaces the files found by name for that kind.
public struct SampleSet: Sendable {
    /// What the answer translated from a sample must contain; nil fields are not checked.
    public struct Expectation: Sendable {
        public var content: String?
        public var finishReason: String?
        public var promptTokens: Int64?
        public var completionTokens: Int64?
        public var cachedTokens: Int64?
        public var reasoningTokens: Int64?

        public init() {}

        var isEmpty: Bool {
            content == nil && finishReason == nil && promptTokens == nil && completionTokens == nil && cachedTokens == nil
                && reasoningTokens == nil
        }
    }

    public struct Body: Sendable {
        /// The file name relative to the folder (as shown in the report).
        public var name: String
        public var bytes: [UInt8]
        /// The upstream HTTP status it comes with.
        public var status: Int
        /// Whether the adapter must report usage for it.
        public var usage: Bool
        public var expect: Expectation
        /// For errors and error streams: the client status the adapter must choose.
        public var expectStatus: Int?
    }

    public struct Request: Sendable {
        public var name: String
        public var body: [UInt8]
        public var stream: Bool
    }

    public struct Config: Sendable {
        public var baseURL: String?
        public var apiKey: String?
        /// JSON text of the options object.
        public var optionsJSON: String?
    }

    public var directory: String?
    public var model: String?
    public var config: Config?
    public var invalidConfigs: [Config] = []
    public var requests: [Request] = []
    public var responses: [Body] = []
    public var errors: [Body] = []
    public var streams: [Body] = []
    public var errorStreams: [Body] = []
    /// Files in the folder that matched no convention (shown, so a misnamed sample is noticed).
    public var ignored: [String] = []

    /// No samples at all.
    public init() {}

    /// Why a samples folder cannot be used.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Reads a samples folder.
    /// - Throws: ``Problem`` when the folder, the manifest or a listed file cannot be read.
    public init(directory: String) throws(Problem) {
        self.directory = directory
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Problem(message: "the samples folder \(directory) does not exist")
        }
        let base = URL(fileURLWithPath: directory)
        func read(_ name: String) throws(Problem) -> [UInt8] {
            let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : base.appendingPathComponent(name)
            do {
                return Array(try Data(contentsOf: url))
            } catch {
                throw Problem(message: "cannot read the sample \(name): \(error.localizedDescription)")
            }
        }

        var manifest = JSONObject()
        if fm.fileExists(atPath: base.appendingPathComponent("manifest.json").path) {
            do {
                manifest = try JSONValue.parseObject(try read("manifest.json"))
            } catch let problem as Problem {
                throw problem
            } catch {
                throw Problem(message: "manifest.json is not a JSON object: \(error)")
            }
        }

        // Files found by name.
        let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted().filter { !$0.hasPrefix(".") && $0 != "manifest.json" }
        var found: (responses: [String], errors: [(String, Int)], streams: [String], errorStreams: [String]) = ([], [], [], [])
        for name in names {
            let lower = name.lowercased()
            if lower.hasPrefix("stream-error") || (lower.hasPrefix("stream") && lower.contains("error")) {
                found.errorStreams.append(name)
            } else if lower.hasPrefix("stream") {
                found.streams.append(name)
            } else if lower.hasPrefix("response") && lower.hasSuffix(".json") {
                found.responses.append(name)
            } else if lower.hasPrefix("error") {
                found.errors.append((name, SampleSet.statusInName(lower) ?? 500))
            } else {
                ignored.append(name)
            }
        }

        model = manifest["model"]?.stringValue
        if let c = manifest["config"]?.objectValue { config = try SampleSet.config(c) }
        for case .object(let c) in manifest["invalid_configs"]?.arrayValue ?? [] { invalidConfigs.append(try SampleSet.config(c)) }

        func entries(_ key: String, default names: [(String, Int)]) -> [(name: String, spec: JSONObject, status: Int)] {
            if let listed = manifest[key]?.arrayValue {
                return listed.compactMap { value in
                    if let name = value.stringValue { return (name, JSONObject(), SampleSet.statusInName(name.lowercased()) ?? 500) }
                    guard let spec = value.objectValue, let name = spec["file"]?.stringValue else { return nil }
                    return (name, spec, SampleSet.statusInName(name.lowercased()) ?? 500)
                }
            }
            return names.map { ($0.0, JSONObject(), $0.1) }
        }
        for (name, spec, _) in entries("requests", default: []) {
            requests.append(Request(name: name, body: try read(name), stream: spec["stream"]?.boolValue ?? false))
        }
        for (name, spec, _) in entries("responses", default: found.responses.map { ($0, 200) }) {
            responses.append(Body(name: name, bytes: try read(name), status: Int(spec["status"]?.int64Value ?? 200),
                                  usage: spec["usage"]?.boolValue ?? true, expect: SampleSet.expectation(spec["expect"]), expectStatus: nil))
        }
        for (name, spec, status) in entries("errors", default: found.errors) {
            errors.append(Body(name: name, bytes: try read(name), status: Int(spec["status"]?.int64Value ?? Int64(status)),
                               usage: false, expect: Expectation(), expectStatus: spec["expect_status"]?.int64Value.map { Int($0) }))
        }
        for (name, spec, _) in entries("streams", default: found.streams.map { ($0, 200) }) {
            streams.append(Body(name: name, bytes: try read(name), status: 200, usage: spec["usage"]?.boolValue ?? true,
                                expect: SampleSet.expectation(spec["expect"]), expectStatus: nil))
        }
        for (name, spec, _) in entries("error_streams", default: found.errorStreams.map { ($0, 200) }) {
            errorStreams.append(Body(name: name, bytes: try read(name), status: 200, usage: false, expect: Expectation(),
                                     expectStatus: spec["expect_status"]?.int64Value.map { Int($0) }))
        }
    }

    /// Whether there is anything to translate.
    public var isEmpty: Bool { responses.isEmpty && errors.isEmpty && streams.isEmpty && errorStreams.isEmpty }

    /// `error-429.json` -> 429.
    static func statusInName(_ name: String) -> Int? {
        var digits = ""
        for c in name.drop(while: { !$0.isNumber }) {
            guard c.isNumber else { break }
            digits.append(c)
        }
        guard digits.count == 3, let status = Int(digits), (100...599).contains(status) else { return nil }
        return status
    }

    static func config(_ c: JSONObject) throws(Problem) -> Config {
        var options: String?
        if let value = c["options"] {
            options = String(decoding: value.serialized(), as: UTF8.self)
        } else if let text = c["options_json"]?.stringValue {
            options = text
        }
        return Config(baseURL: c["base_url"]?.stringValue, apiKey: c["api_key"]?.stringValue, optionsJSON: options)
    }

    static func expectation(_ value: JSONValue?) -> Expectation {
        var e = Expectation()
        guard let o = value?.objectValue else { return e }
        e.content = o["content"]?.stringValue
        e.finishReason = o["finish_reason"]?.stringValue
        e.promptTokens = o["prompt_tokens"]?.int64Value
        e.completionTokens = o["completion_tokens"]?.int64Value
        e.cachedTokens = o["cached_tokens"]?.int64Value
        e.reasoningTokens = o["reasoning_tokens"]?.int64Value
        return e
    }
}
