import AdapterHost
import Foundation
import NIOCore
import Synchronization
import Testing
import TestSupport

/// Log lines captured from adapters and the loader, for assertions.
final class LogSink: Sendable {
    let lines = Mutex<[(AdapterLogLevel, String)]>([])
    var closure: @Sendable (AdapterLogLevel, String) -> Void {
        { [self] level, line in lines.withLock { $0.append((level, line)) } }
    }
    func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.1.contains(text) } } }
}

/// The three Swift adapters under test, each loaded once per test process.
enum Adapters {
    static let log = LogSink()
    private static let cache = Mutex<[String: LoadedAdapter]>([:])

    /// Loads `lib<product>.so` from the build products (build it first: `swift build --product <product>`).
    static func load(_ product: String) throws -> LoadedAdapter {
        if let a = cache.withLock({ $0[product] }) { return a }
        let path = RepositoryPaths.adapterLibrary(product).path
        try #require(FileManager.default.fileExists(atPath: path),
                     "\(path) is missing: build it with `swift build --product \(product)` before running the tests")
        let adapter = try LoadedAdapter.load(path: path, log: log.closure)
        cache.withLock { $0[product] = adapter }
        return adapter
    }

    static func openAI() throws -> LoadedAdapter { try load("OpenAIAdapter") }
    static func deepSeek() throws -> LoadedAdapter { try load("DeepSeekAdapter") }
    static func glm() throws -> LoadedAdapter { try load("GLMAdapter") }
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
    var text: String { String(decoding: readableBytesView, as: UTF8.self) }
}

/// Fixture helpers.
enum Fixture {
    static func bytes(_ path: String) throws -> [UInt8] { Array(try RepositoryPaths.fixture(path)) }
    static func buffer(_ path: String) throws -> ByteBuffer { ByteBuffer(bytes: try bytes(path)) }
    static func text(_ path: String) throws -> String { String(decoding: try bytes(path), as: UTF8.self) }
}

/// JSON helpers over Foundation, used only to check what the adapters produced.
enum JSON {
    static func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try object(buffer.bytes)
    }
    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        return try #require(value as? [String: Any], "not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
    }
    static func data(_ object: Any) throws -> ByteBuffer {
        ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: object)))
    }
}

func request(_ body: String, model: String = "m", stream: Bool = false, includeUsage: Bool = false,
             id: String = "req-1") -> UnifiedRequest {
    UnifiedRequest(model: model, body: ByteBuffer(string: body), stream: stream, includeUsage: includeUsage, requestID: id)
}

func request(fixture path: String, stream: Bool, includeUsage: Bool = false, id: String = "req-1") throws -> UnifiedRequest {
    let body = try Fixture.buffer(path)
    let model = try JSON.object(body)["model"] as? String ?? "m"
    return UnifiedRequest(model: model, body: body, stream: stream, includeUsage: includeUsage, requestID: id)
}

/// Runs a whole stream through a fresh AdapterStream with the given pieces.
struct StreamRun {
    var events: [StreamEvent] = []
    var feedError: AdapterCallError?
    var finishError: AdapterCallError?

    init(_ instance: AdapterInstance, _ request: UnifiedRequest, pieces: [[UInt8]]) throws {
        let stream = try instance.makeStream(request)
        for piece in pieces {
            do throws(AdapterCallError) {
                try stream.feed(ByteBuffer(bytes: piece), into: &events)
            } catch {
                feedError = error
                return
            }
        }
        do throws(AdapterCallError) {
            try stream.finish(into: &events)
        } catch {
            finishError = error
        }
    }

    var chunks: [(json: [String: Any], usageOnly: Bool, raw: String)] {
        events.compactMap {
            if case .chunk(let b, let u) = $0, let o = try? JSON.object(b) { return (o, u, b.text) }
            return nil
        }
    }
    var usages: [TokenUsage] { events.compactMap { if case .usage(let u) = $0 { return u } else { return nil } } }
    var models: [String] { events.compactMap { if case .model(let m) = $0 { return m } else { return nil } } }
    var finishes: [String] { events.compactMap { if case .finish(let f) = $0 { return f } else { return nil } } }
    var errors: [AdapterErrorOutput] { events.compactMap { if case .error(let e) = $0 { return e } else { return nil } } }

    /// A comparable rendering of every event, to check that different splits give identical results.
    var signature: [String] {
        events.map {
            switch $0 {
            case .chunk(let b, let u): return "chunk\(u ? "[usage]" : ""):\(b.text)"
            case .usage(let u): return "usage:\(String(describing: u))"
            case .model(let m): return "model:\(m)"
            case .finish(let f): return "finish:\(f)"
            case .error(let e): return "error:\(e.status):\(e.noRetry):\(e.body.text)"
            }
        }
    }
}

/// The OpenAI JSON Schemas in `Tests/Fixtures/schemas`, for checking what clients will receive.
enum Schemas {
    enum Kind: String {
        case response = "CreateChatCompletionResponse"
        case chunk = "CreateChatCompletionStreamResponse"
        case error = "ErrorResponse"
    }

    private static let validator = Result { try JSONSchemaValidator.openAIChatCompletions() }

    /// Schema violations of `body` (empty when valid).
    static func errors(_ body: ByteBuffer?, _ kind: Kind) throws -> [String] {
        let body = try #require(body)
        return try validator.get().errors(body.bytes, against: kind.rawValue)
    }

    static func errors(_ text: String, _ kind: Kind) throws -> [String] {
        try validator.get().errors(text, against: kind.rawValue)
    }
}
