/// Why some bytes are not the JSON we expected.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

extension JSONValue {
    /// Nesting deeper than this is refused, so hostile input cannot exhaust the (host thread's) stack.
    public static let maximumDepth = 200

    /// Parses one JSON value (RFC 8259, UTF-8) surrounded by optional whitespace.
    /// - Throws: ``JSONError`` for anything else: bad syntax, invalid UTF-8, trailing bytes, too deep nesting.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected bytes after the JSON value") }
        return value
    }

    /// Parses one JSON value from a byte array.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses a JSON object.
    /// - Throws: ``JSONError`` when the bytes are not JSON or the value is not an object.
    public static func parseObject(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONObject {
        guard case .object(let o) = try parse(bytes) else { throw JSONError(message: "expected a JSON object", offset: 0) }
        return o
    }

    /// Parses a JSON object from a byte array.
    public static func parseObject(_ bytes: [UInt8]) throws(JSONError) -> JSONObject {
        guard case .object(let o) = try parse(bytes) else { throw JSONError(message: "expected a JSON object", offset: 0) }
        return o
    }
}

/// A recursive-descent JSON reader over borrowed bytes. It never traps: every read is bounds-checked and
/// every failure is a thrown ``JSONError``. With `build == false` it only validates (no allocations for
/// ASCII input), which is what the pass-through fast paths use.
struct JSONParser {
    let p: UnsafeRawBufferPointer
    var index = 0
    /// When set, ``skipValue(depth:)`` records the chat-chunk keys it passes (see ``JSONScan/chatChunk(_:)``).
    var watch: JSONScan.ChunkKeys?

    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    func error(_ message: String) -> JSONError { JSONError(message: message, offset: index) }

    @inline(__always) func peek() -> UInt8? { index < p.count ? p[index] : nil }

    mutating func skipWhitespace() {
        while index < p.count {
            let c = p[index]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { index += 1 } else { break }
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let n = literal.utf8CodeUnitCount
        guard index + n <= p.count else { throw error("truncated literal") }
        let lp = literal.utf8Start
        for i in 0..<n where p[index + i] != lp[i] { throw error("invalid literal") }
        index += n
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard let c = peek() else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maximumDepth else { throw error("nesting too deep") }
            index += 1
            var object = JSONObject()
            var entries: [JSONObject.Entry] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw error("expected an object key") }
                let key = try parseString()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                entries.append(JSONObject.Entry(key: key, value: value))
                skipWhitespace()
                guard let d = peek() else { throw error("unexpected end of input in an object") }
                index += 1
                if d == UInt8(ascii: ",") { continue }
                if d == UInt8(ascii: "}") { break }
                throw error("expected ',' or '}'")
            }
            object = JSONObject(entries)
            return .object(object)
        case UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { throw error("nesting too deep") }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard let d = peek() else { throw error("unexpected end of input in an array") }
                index += 1
                if d == UInt8(ascii: ",") { continue }
                if d == UInt8(ascii: "]") { break }
                throw error("expected ',' or ']'")
            }
            return .array(array)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            let start = index
            try scanNumber()
            return .number(String(decoding: UnsafeRawBufferPointer(rebasing: p[start..<index]), as: UTF8.self))
        }
    }

    /// Validates one value without building it.
    mutating func skipValue(depth: Int) throws(JSONError) {
        guard let c = peek() else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maximumDepth else { throw error("nesting too deep") }
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw error("expected an object key") }
                let keyStart = index + 1
                try skipString()
                let keyEnd = index - 1
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                if watch != nil { noteKey(keyStart, keyEnd) }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let d = peek() else { throw error("unexpected end of input in an object") }
                index += 1
                if d == UInt8(ascii: ",") { continue }
                if d == UInt8(ascii: "}") { return }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { throw error("nesting too deep") }
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let d = peek() else { throw error("unexpected end of input in an array") }
                index += 1
                if d == UInt8(ascii: ",") { continue }
                if d == UInt8(ascii: "]") { return }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        default: try scanNumber()
        }
    }

    /// Records a watched key whose value starts at `index`.
    mutating func noteKey(_ start: Int, _ end: Int) {
        let n = end - start
        guard n == 5 || n == 13 else { return }
        func equals(_ key: StaticString) -> Bool {
            guard key.utf8CodeUnitCount == n else { return false }
            for i in 0..<n where p[start + i] != key.utf8Start[i] { return false }
            return true
        }
        let state: JSONScan.KeyState = peek() == UInt8(ascii: "n") ? .null : .value
        if equals("usage") {
            watch?.usage.merge(state)
        } else if equals("error") {
            watch?.error.merge(state)
        } else if equals("finish_reason") {
            watch?.finishReason.merge(state)
        }
    }

    mutating func scanNumber() throws(JSONError) {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else {
            index = start
            throw error("invalid value")
        }
        index += 1
        if first != 0x30 {
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw error("invalid number") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw error("invalid number") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
    }

    /// Validates a string token (index at the opening quote) and leaves index after the closing quote.
    /// Returns whether it contained escapes.
    @discardableResult
    mutating func skipString() throws(JSONError) -> Bool {
        index += 1
        var escaped = false
        while index < p.count {
            let c = p[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return escaped
            } else if c == UInt8(ascii: "\\") {
                escaped = true
                guard index + 1 < p.count else { break }
                let e = p[index + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 6 <= p.count else { throw error("truncated \\u escape") }
                    for k in 2..<6 where JSONParser.hexValue(p[index + k]) == nil { throw error("invalid \\u escape") }
                    index += 6
                default:
                    throw error("invalid escape")
                }
            } else if c < 0x20 {
                throw error("control character in a string")
            } else if c < 0x80 {
                index += 1
            } else {
                guard let n = UTF8Check.sequenceLength(p, at: index) else { throw error("invalid UTF-8") }
                index += n
            }
        }
        throw error("unterminated string")
    }

    mutating func parseString() throws(JSONError) -> String {
        let start = index
        let escaped = try skipString()
        let content = UnsafeRawBufferPointer(rebasing: p[(start + 1)..<(index - 1)])
        if !escaped { return String(decoding: content, as: UTF8.self) }  // already validated as UTF-8
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var i = 0
        while i < content.count {
            let c = content[i]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                i += 1
                continue
            }
            let e = content[i + 1]  // in bounds: skipString validated every escape
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = JSONParser.hex4(content, i)
                i += 4
                if scalar >= 0xD800, scalar < 0xDC00 {
                    // A high surrogate must be followed by \u and a low surrogate; otherwise it is replaced.
                    if i + 6 <= content.count, content[i] == UInt8(ascii: "\\"), content[i + 1] == UInt8(ascii: "u") {
                        let low = JSONParser.hex4(content, i + 2)
                        if low >= 0xDC00, low < 0xE000 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: String(Character(s)).utf8)
            default: out.append(e)  // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    static func hex4(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | (hexValue(b[at + k]) ?? 0) }
        return v
    }
}

/// UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
enum UTF8Check {
    /// The length of the well-formed multi-byte sequence starting at `i`, or nil.
    static func sequenceLength(_ p: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let c = p[i]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < p.count && p[i + k] >= lo && p[i + k] <= hi
        }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }
}
