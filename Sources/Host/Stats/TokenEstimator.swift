import JSONCore

/// Estimates token counts from text when a provider reports none (aborted streams, providers without
/// usage). Deliberately simple and documented in docs/stats.md: about 4 characters per token for
/// Latin-script text, one token per CJK (or other non-Latin) character, rounded up.
enum TokenEstimator {
    static func tokens(in text: some StringProtocol) -> Int64 {
        var ascii = 0
        var other = 0
        for scalar in text.unicodeScalars {
            if scalar.isASCII { ascii += 1 } else { other += 1 }
        }
        guard ascii + other > 0 else { return 0 }
        return Int64((ascii + 3) / 4 + other)
    }

    /// Prompt tokens of a unified request: the text of every message (string content or text parts)
    /// and tool definitions, plus a few tokens of framing per message as chat formats add.
    static func promptTokens(requestBody: [UInt8]) -> Int64 {
        guard let request = try? JSONValue.parse(requestBody).objectValue,
              let messages = request["messages"]?.arrayValue else { return 0 }
        var total: Int64 = 0
        for message in messages {
            total += 4
            switch message.objectValue?["content"] {
            case .string(let text)?: total += tokens(in: text)
            case .array(let parts)?:
                for part in parts { if let text = part.objectValue?["text"]?.stringValue { total += tokens(in: text) } }
            default: break
            }
        }
        if let tools = request["tools"] { total += tokens(in: String(decoding: tools.serialized(), as: UTF8.self)) }
        return total
    }

    /// Completion and reasoning tokens of a non-stream answer.
    static func completionTokens(chunks: [[UInt8]]) -> (completion: Int64, reasoning: Int64) {
        var completion: Int64 = 0
        var reasoning: Int64 = 0
        for chunk in chunks {
            guard let object = try? JSONValue.parse(chunk).objectValue else { continue }
            for choice in object["choices"]?.arrayValue ?? [] {
                let choice = choice.objectValue
                guard let part = (choice?["delta"] ?? choice?["message"])?.objectValue else { continue }
                if let text = part["content"]?.stringValue { completion += tokens(in: text) }
                if let text = part["reasoning_content"]?.stringValue {
                    let n = tokens(in: text)
                    reasoning += n
                    completion += n
                }
                for call in part["tool_calls"]?.arrayValue ?? [] {
                    let function = call.objectValue?["function"]?.objectValue
                    if let name = function?["name"]?.stringValue { completion += tokens(in: name) }
                    if let arguments = function?["arguments"]?.stringValue { completion += tokens(in: arguments) }
                }
            }
        }
        return (completion, reasoning)
    }
}

/// Counts the text of stream chunks as they are delivered, without building a JSON tree: it finds the
/// string values of `content`, `reasoning_content`, `name` and `arguments` keys (a raw `"` followed by
/// `:` can only be a key in JSON) and counts their characters. About a microsecond per chunk.
struct DeliveredTextCounter: Sendable {
    private(set) var asciiCharacters = 0
    private(set) var otherCharacters = 0
    private(set) var reasoningASCII = 0
    private(set) var reasoningOther = 0

    var completionTokens: Int64 { Int64((asciiCharacters + 3) / 4 + otherCharacters) + reasoningTokens }
    var reasoningTokens: Int64 { Int64((reasoningASCII + 3) / 4 + reasoningOther) }

    mutating func add(chunk bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        var i = 0
        while i < n {
            guard bytes[i] == UInt8(ascii: "\"") else { i += 1; continue }
            // A key candidate: read to the closing quote.
            let keyStart = i + 1
            var j = keyStart
            while j < n, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\") { j += 1 }
            guard j < n, bytes[j] == UInt8(ascii: "\"") else { i = j + 1; continue }
            let keyEnd = j
            var k = j + 1
            while k < n, bytes[k] == UInt8(ascii: " ") { k += 1 }
            guard k < n, bytes[k] == UInt8(ascii: ":") else { i = keyEnd + 1; continue }
            k += 1
            while k < n, bytes[k] == UInt8(ascii: " ") { k += 1 }
            guard k < n, bytes[k] == UInt8(ascii: "\"") else { i = k; continue }
            let kind = Self.kind(bytes, keyStart, keyEnd)
            // Count the string value.
            var m = k + 1
            var ascii = 0
            var other = 0
            while m < n, bytes[m] != UInt8(ascii: "\"") {
                let byte = bytes[m]
                if byte == UInt8(ascii: "\\") {
                    if m + 1 < n, bytes[m + 1] == UInt8(ascii: "u") { other += 1; m += 6 } else { ascii += 1; m += 2 }
                    continue
                }
                if byte < 0x80 { ascii += 1 } else if byte & 0xC0 != 0x80 { other += 1 }
                m += 1
            }
            switch kind {
            case 1: asciiCharacters += ascii; otherCharacters += other
            case 2: reasoningASCII += ascii; reasoningOther += other
            default: break
            }
            i = m + 1
        }
    }

    /// 1: answer text (content, tool name, tool arguments); 2: reasoning; 0: other keys.
    private static func kind(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
        let length = end - start
        func equals(_ key: StaticString) -> Bool {
            guard key.utf8CodeUnitCount == length else { return false }
            let p = key.utf8Start
            for offset in 0..<length where bytes[start + offset] != p[offset] { return false }
            return true
        }
        if equals("content") || equals("arguments") || equals("name") { return 1 }
        if equals("reasoning_content") { return 2 }
        return 0
    }
}
