import JSONCore
import NIOCore

/// Rebuilds a complete `chat.completion` from the `chat.completion.chunk`s of a stream, so a streamed
/// answer can fill the response cache: content and reasoning concatenated, tool calls joined by index,
/// the finish reason and the usage kept.
struct CompletionAssembler {
    private var id = ""
    private var created: JSONValue = .number("0")
    private var model = ""
    private var systemFingerprint: JSONValue?
    private var content = ""
    private var hasContent = false
    private var reasoning = ""
    private var toolCalls: [Int: (id: String, name: String, arguments: String)] = [:]
    private var finishReason: String?
    private var usage: JSONValue?
    /// Set when a chunk could not be read or had several choices: such a stream is not cached.
    private(set) var unusable = false

    mutating func add(chunk bytes: ByteBuffer) {
        guard !unusable else { return }
        let parsed: JSONValue? = bytes.withUnsafeReadableBytes { try? JSONValue.parse($0) }
        guard let chunk = parsed?.objectValue else { unusable = true; return }
        if id.isEmpty, let value = chunk["id"]?.stringValue { id = value }
        if let value = chunk["created"], case .number = value { created = value }
        if let value = chunk["model"]?.stringValue { model = value }
        if let value = chunk["system_fingerprint"], !value.isNull { systemFingerprint = value }
        if let value = chunk["usage"], case .object = value { usage = value }
        let choices = chunk["choices"]?.arrayValue ?? []
        for choice in choices {
            guard let choice = choice.objectValue else { continue }
            if let index = choice["index"]?.int64Value, index != 0 { unusable = true; return }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
            guard let delta = choice["delta"]?.objectValue else { continue }
            if let text = delta["content"]?.stringValue { content += text; hasContent = true }
            if let text = delta["reasoning_content"]?.stringValue { reasoning += text }
            for call in delta["tool_calls"]?.arrayValue ?? [] {
                guard let call = call.objectValue, let index = call["index"]?.int64Value else { continue }
                var entry = toolCalls[Int(index)] ?? ("", "", "")
                if let value = call["id"]?.stringValue { entry.id += value }
                let function = call["function"]?.objectValue
                if let value = function?["name"]?.stringValue { entry.name += value }
                if let value = function?["arguments"]?.stringValue { entry.arguments += value }
                toolCalls[Int(index)] = entry
            }
        }
    }

    /// The assembled answer, or nil when the stream did not finish properly or could not be read.
    func completion() -> ByteBuffer? {
        guard !unusable, let finishReason else { return nil }
        var message: JSONObject = ["role": .string("assistant"), "content": hasContent || toolCalls.isEmpty ? .string(content) : .null]
        if !reasoning.isEmpty { message["reasoning_content"] = .string(reasoning) }
        if !toolCalls.isEmpty {
            message["tool_calls"] = .array(toolCalls.keys.sorted().map { index in
                let call = toolCalls[index]!
                return .object([
                    "id": .string(call.id), "type": .string("function"),
                    "function": .object(["name": .string(call.name), "arguments": .string(call.arguments)]),
                ])
            })
        }
        var object: JSONObject = [
            "id": .string(id), "object": .string("chat.completion"), "created": created, "model": .string(model),
            "choices": .array([.object(["index": .number("0"), "message": .object(message), "logprobs": .null, "finish_reason": .string(finishReason)])]),
        ]
        if let usage { object["usage"] = usage }
        if let systemFingerprint { object["system_fingerprint"] = systemFingerprint }
        return JSONValue.object(object).byteBuffer
    }
}

/// Replays a cached `chat.completion` as a stream of OpenAI chunks: role, reasoning, content, tool calls,
/// the finish chunk, the usage chunk (when the client asked) and `[DONE]`.
enum CompletionReplayer {
    static func sse(from body: ByteBuffer, includeUsage: Bool) -> ByteBuffer? {
        guard let completion = (body.withUnsafeReadableBytes { try? JSONValue.parse($0) })?.objectValue,
              let choice = completion["choices"]?.arrayValue?.first?.objectValue,
              let message = choice["message"]?.objectValue else { return nil }
        let base: JSONObject = [
            "id": completion["id"] ?? .string("chatcmpl-cache"), "object": .string("chat.completion.chunk"),
            "created": completion["created"] ?? .number("0"), "model": completion["model"] ?? .string(""),
        ]
        var out = ByteBuffer()
        func emit(delta: JSONObject, finish: JSONValue = .null) {
            var chunk = base
            chunk["choices"] = .array([.object(["index": .number("0"), "delta": .object(delta), "logprobs": .null, "finish_reason": finish])])
            out.writeStaticString("data: ")
            out.writeImmutableBuffer(JSONValue.object(chunk).byteBuffer)
            out.writeStaticString("\n\n")
        }
        emit(delta: ["role": .string("assistant"), "content": .string("")])
        if let reasoning = message["reasoning_content"]?.stringValue, !reasoning.isEmpty {
            emit(delta: ["reasoning_content": .string(reasoning)])
        }
        if let content = message["content"]?.stringValue, !content.isEmpty {
            emit(delta: ["content": .string(content)])
        }
        if let calls = message["tool_calls"]?.arrayValue {
            for (index, call) in calls.enumerated() {
                guard var object = call.objectValue else { continue }
                object["index"] = .number(String(index))
                emit(delta: ["tool_calls": .array([.object(object)])])
            }
        }
        emit(delta: [:], finish: choice["finish_reason"] ?? .string("stop"))
        if includeUsage, let usage = completion["usage"] {
            var chunk = base
            chunk["choices"] = .array([])
            chunk["usage"] = usage
            out.writeStaticString("data: ")
            out.writeImmutableBuffer(JSONValue.object(chunk).byteBuffer)
            out.writeStaticString("\n\n")
        }
        out.writeStaticString("data: [DONE]\n\n")
        return out
    }
}
