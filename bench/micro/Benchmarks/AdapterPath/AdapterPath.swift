import AdapterHost
import Benchmark
import Foundation
import NIOCore

// The adapter path of one proxied call, as the gateway runs it: the host's typed calls (AdapterHost) into the
// real adapter libraries, loaded with dlopen from ADAPTER_DIR (the release build folder; `make bench-micro`
// sets it). Per adapter:
//   - translate request:      a typical chat request (system prompt + user message, a few options);
//   - translate response:     a typical non-stream answer;
//   - translate 100-chunk stream: create a stream, feed 100 content chunks plus the closing events one
//     network read per event (as a paced stream arrives), finish, destroy;
//   - the same stream fed in one read (as a fast upstream delivers it).
// Metrics: wall clock, malloc count (MallocInterposer), throughput. (CPU time is left out: its 10 ms resolution says
// nothing about microsecond calls.)

/// A typical client request after the host's preparation: the endpoint's system prompt first.
let requestBody = #"""
{"model":"MODEL","messages":[{"role":"system","content":"You are a helpful assistant. Answer in one short sentence."},\#
{"role":"user","content":"Translate into French: The benchmark measures what a gateway adds to the time of a call."}],\#
"temperature":0.7,"max_tokens":256,"user":"bench-user","stream":STREAM}
"""#

/// A non-stream OpenAI-shaped answer (DeepSeek and GLM accept the same shape with their own extras).
let responseBody = #"""
{"id":"chatcmpl-bench","object":"chat.completion","created":1767225600,"model":"MODEL","choices":[{"index":0,\#
"message":{"role":"assistant","content":"Le benchmark mesure ce qu'une passerelle ajoute au temps d'un appel."},\#
"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":18,"total_tokens":60}}
"""#

/// The SSE events of a 100-chunk answer in the upstream's wire format, one element per event.
func streamEvents(adapter: String, model: String) -> [String] {
    func chunk(_ delta: String, finish: String = "null", usage: String = "") -> String {
        let id = adapter == "glm" ? "20260101bench" : "chatcmpl-bench"
        let object = adapter == "glm" ? "" : #""object":"chat.completion.chunk","#
        return #"data: {"id":"\#(id)",\#(object)"created":1767225600,"model":"\#(model)","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finish)}]\#(usage)}"# + "\n\n"
    }
    var events = [chunk(#"{"role":"assistant","content":""}"#)]
    for i in 0..<100 {
        events.append(chunk(#"{"content":" word\#(i)"}"#))
    }
    let usage = #","usage":{"prompt_tokens":42,"completion_tokens":100,"total_tokens":142}"#
    events.append(chunk("{}", finish: #""stop""#, usage: usage))
    if adapter != "glm" { events.append("data: [DONE]\n\n") }
    return events
}

struct Subject {
    let name: String
    let model: String
    let instance: AdapterInstance
    let request: UnifiedRequest
    let streamRequest: UnifiedRequest
    let response: ByteBuffer
    let events: [ByteBuffer]
    let wholeStream: ByteBuffer

    init(file: String, model: String, apiKey: String, directory: String) throws {
        let adapter = try LoadedAdapter.load(path: directory + "/" + file) { _, message in
            FileHandle.standardError.write(Data("adapter: \(message)\n".utf8))
        }
        name = adapter.name
        self.model = model
        instance = try adapter.makeInstance(baseURL: "http://127.0.0.1:9", apiKey: apiKey, optionsJSON: "{}")
        let body = requestBody.replacingOccurrences(of: "MODEL", with: model)
        request = UnifiedRequest(model: model, body: ByteBuffer(string: body.replacingOccurrences(of: "STREAM", with: "false")),
                                 stream: false, requestID: "req_0123456789abcdef")
        streamRequest = UnifiedRequest(model: model, body: ByteBuffer(string: body.replacingOccurrences(of: "STREAM", with: "true")),
                                       stream: true, includeUsage: true, requestID: "req_0123456789abcdef")
        response = ByteBuffer(string: responseBody.replacingOccurrences(of: "MODEL", with: model))
        let text = streamEvents(adapter: adapter.name, model: model)
        events = text.map { ByteBuffer(string: $0) }
        wholeStream = ByteBuffer(string: text.joined())
    }

    /// One whole stream: create, feed every buffer, finish, destroy. Returns the number of chunks emitted.
    func translate(stream buffers: [ByteBuffer], into events: inout [StreamEvent]) throws -> Int {
        let stream = try instance.makeStream(streamRequest)
        var chunks = 0
        for buffer in buffers {
            events.removeAll(keepingCapacity: true)
            try stream.feed(buffer, into: &events)
            chunks += events.count
        }
        events.removeAll(keepingCapacity: true)
        try stream.finish(into: &events)
        return chunks + events.count
    }
}

let benchmarks: @Sendable () -> Void = {
    let directory = ProcessInfo.processInfo.environment["ADAPTER_DIR"] ?? "../../.build/release"
    let subjects: [Subject]
    do {
        subjects = [
            try Subject(file: "libOpenAIAdapter.so", model: "gpt-4o-mini", apiKey: "sk-bench-0123456789", directory: directory),
            try Subject(file: "libDeepSeekAdapter.so", model: "deepseek-chat", apiKey: "sk-bench-0123456789", directory: directory),
            try Subject(file: "libGLMAdapter.so", model: "glm-4.6", apiKey: "bench-glm-key", directory: directory),
        ]
    } catch {
        fatalError("cannot load the adapters from \(directory) (set ADAPTER_DIR to the release build folder): \(error)")
    }

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 100,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 200_000
    )

    for subject in subjects {
        Benchmark("\(subject.name): translate request") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try subject.instance.translateRequest(subject.request))
            }
        }
        Benchmark("\(subject.name): translate response") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try subject.instance.translateResponse(subject.request, status: 200,
                                                                 contentType: "application/json", body: subject.response))
            }
        }
        Benchmark("\(subject.name): 100-chunk stream, one read per event") { benchmark in
            var events: [StreamEvent] = []
            events.reserveCapacity(8)
            for _ in benchmark.scaledIterations {
                blackHole(try subject.translate(stream: subject.events, into: &events))
            }
        }
        Benchmark("\(subject.name): 100-chunk stream, one read") { benchmark in
            var events: [StreamEvent] = []
            events.reserveCapacity(128)
            for _ in benchmark.scaledIterations {
                blackHole(try subject.translate(stream: [subject.wholeStream], into: &events))
            }
        }
    }
}
