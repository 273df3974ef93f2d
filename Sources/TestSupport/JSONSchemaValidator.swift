import Foundation

/// Validates JSON documents against one `$defs` entry of a JSON Schema bundle (draft 2020-12), such as
/// `Tests/Fixtures/schemas/chat-completions.schema.json`.
///
/// It implements the keywords that bundle uses: `$ref` (local `#/$defs/...`), `type`, `enum`, `const`,
/// `properties`, `required`, `additionalProperties`, `items`, `minItems`, `maxItems`, `minLength`,
/// `maxLength`, `minimum`, `maximum`, `anyOf`, `oneOf`, `allOf`. Annotations (`title`, `default`, `format`,
/// `deprecated`, ...) are ignored, as draft 2020-12 allows. It has its own tiny JSON reader so that booleans
/// and integers are typed exactly (Foundation's bridging blurs `true` and `1`).
public struct JSONSchemaValidator: Sendable {
    /// A parsed JSON value.
    public indirect enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([Value])
        case object([String: Value])
    }

    private let definitions: [String: Value]

    /// Loads a schema bundle with a top-level `$defs`.
    public init(schemaFile: URL) throws {
        let root = try JSONSchemaValidator.parse(Array(try Data(contentsOf: schemaFile)))
        guard case .object(let o) = root, case .object(let defs)? = o["$defs"] else {
            throw ValidationError(message: "schema file has no $defs")
        }
        definitions = defs
    }

    /// The OpenAI chat-completions bundle in `Tests/Fixtures/schemas`.
    public static func openAIChatCompletions() throws -> JSONSchemaValidator {
        try JSONSchemaValidator(schemaFile: RepositoryPaths.fixtures.appendingPathComponent("schemas/chat-completions.schema.json"))
    }

    public struct ValidationError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Every violation of `$defs/<definition>` by `json` ("" when valid), one per line with a JSON path.
    public func errors(_ json: [UInt8], against definition: String) -> [String] {
        let value: Value
        do {
            value = try JSONSchemaValidator.parse(json)
        } catch {
            return ["not JSON: \(error)"]
        }
        guard let schema = definitions[definition] else { return ["no $defs/\(definition) in the schema"] }
        var out: [String] = []
        check(value, schema, "$", &out)
        return out
    }

    /// Every violation for a JSON string.
    public func errors(_ json: String, against definition: String) -> [String] {
        errors(Array(json.utf8), against: definition)
    }

    private func check(_ v: Value, _ schema: Value, _ path: String, _ out: inout [String]) {
        guard case .object(let s) = schema else {
            if schema == .bool(false) { out.append("\(path): no value is allowed here") }
            return
        }
        if case .string(let ref)? = s["$ref"] {
            let prefix = "#/$defs/"
            if ref.hasPrefix(prefix), let target = definitions[String(ref.dropFirst(prefix.count))] {
                check(v, target, path, &out)
            } else {
                out.append("\(path): unsupported $ref \(ref)")
            }
        }
        if let t = s["type"] {
            let allowed: [String]
            switch t {
            case .string(let one): allowed = [one]
            case .array(let many): allowed = many.compactMap { if case .string(let x) = $0 { return x } else { return nil } }
            default: allowed = []
            }
            if !allowed.contains(where: { JSONSchemaValidator.has(v, type: $0) }) {
                out.append("\(path): expected \(allowed.joined(separator: "|")), got \(JSONSchemaValidator.describe(v))")
                return
            }
        }
        if case .array(let options)? = s["enum"], !options.contains(v) {
            out.append("\(path): \(JSONSchemaValidator.describe(v)) is not one of the allowed values")
        }
        if let c = s["const"], c != v { out.append("\(path): must equal \(JSONSchemaValidator.describe(c))") }
        switch v {
        case .object(let o):
            if case .array(let required)? = s["required"] {
                for case .string(let key) in required where o[key] == nil { out.append("\(path): missing required \(key)") }
            }
            var properties: [String: Value] = [:]
            if case .object(let p)? = s["properties"] { properties = p }
            for (key, value) in o.sorted(by: { $0.key < $1.key }) {
                if let p = properties[key] {
                    check(value, p, "\(path).\(key)", &out)
                } else if let extra = s["additionalProperties"] {
                    if extra == .bool(false) {
                        out.append("\(path): unexpected property \(key)")
                    } else {
                        check(value, extra, "\(path).\(key)", &out)
                    }
                }
            }
        case .array(let a):
            if let items = s["items"] {
                for (i, item) in a.enumerated() { check(item, items, "\(path)[\(i)]", &out) }
            }
            if case .number(let n)? = s["minItems"], Double(a.count) < n { out.append("\(path): fewer than \(Int(n)) items") }
            if case .number(let n)? = s["maxItems"], Double(a.count) > n { out.append("\(path): more than \(Int(n)) items") }
        case .string(let str):
            if case .number(let n)? = s["minLength"], Double(str.count) < n { out.append("\(path): shorter than \(Int(n))") }
            if case .number(let n)? = s["maxLength"], Double(str.count) > n { out.append("\(path): longer than \(Int(n))") }
        case .number(let x):
            if case .number(let n)? = s["minimum"], x < n { out.append("\(path): below \(n)") }
            if case .number(let n)? = s["maximum"], x > n { out.append("\(path): above \(n)") }
        default:
            break
        }
        if case .array(let all)? = s["allOf"] {
            for sub in all { check(v, sub, path, &out) }
        }
        if case .array(let any)? = s["anyOf"] {
            var nested: [[String]] = []
            for sub in any {
                var e: [String] = []
                check(v, sub, path, &e)
                if e.isEmpty {
                    nested = []
                    break
                }
                nested.append(e)
            }
            if !nested.isEmpty {
                out.append("\(path): matches none of anyOf (\(nested.map { $0.first ?? "" }.joined(separator: "; ")))")
            }
        }
        if case .array(let one)? = s["oneOf"] {
            var matches = 0
            var firstErrors: [String] = []
            for sub in one {
                var e: [String] = []
                check(v, sub, path, &e)
                if e.isEmpty { matches += 1 } else { firstErrors.append(e.first ?? "") }
            }
            if matches != 1 {
                out.append("\(path): matches \(matches) of oneOf (\(firstErrors.joined(separator: "; ")))")
            }
        }
    }

    static func has(_ v: Value, type: String) -> Bool {
        switch (v, type) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"), (.number, "number"):
            return true
        case (.number(let x), "integer"):
            return x.rounded() == x
        default:
            return false
        }
    }

    static func describe(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let n): return "\(n)"
        case .string(let s): return "\"\(s.prefix(40))\""
        case .array: return "array"
        case .object: return "object"
        }
    }

    // MARK: - A small strict JSON reader

    public static func parse(_ bytes: [UInt8]) throws -> Value {
        var i = 0
        let v = try value(bytes, &i, 0)
        skip(bytes, &i)
        guard i == bytes.count else { throw ValidationError(message: "trailing bytes at \(i)") }
        return v
    }

    private static func skip(_ b: [UInt8], _ i: inout Int) {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private static func value(_ b: [UInt8], _ i: inout Int, _ depth: Int) throws -> Value {
        guard depth < 500 else { throw ValidationError(message: "too deep") }
        skip(b, &i)
        guard i < b.count else { throw ValidationError(message: "unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var o: [String: Value] = [:]
            skip(b, &i)
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
                return .object(o)
            }
            while true {
                skip(b, &i)
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw ValidationError(message: "expected key at \(i)") }
                let key = try string(b, &i)
                skip(b, &i)
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw ValidationError(message: "expected : at \(i)") }
                i += 1
                o[key] = try value(b, &i, depth + 1)
                skip(b, &i)
                guard i < b.count else { throw ValidationError(message: "unexpected end") }
                i += 1
                if b[i - 1] == UInt8(ascii: ",") { continue }
                if b[i - 1] == UInt8(ascii: "}") { return .object(o) }
                throw ValidationError(message: "expected , or } at \(i - 1)")
            }
        case UInt8(ascii: "["):
            i += 1
            var a: [Value] = []
            skip(b, &i)
            if i < b.count, b[i] == UInt8(ascii: "]") {
                i += 1
                return .array(a)
            }
            while true {
                a.append(try value(b, &i, depth + 1))
                skip(b, &i)
                guard i < b.count else { throw ValidationError(message: "unexpected end") }
                i += 1
                if b[i - 1] == UInt8(ascii: ",") { continue }
                if b[i - 1] == UInt8(ascii: "]") { return .array(a) }
                throw ValidationError(message: "expected , or ] at \(i - 1)")
            }
        case UInt8(ascii: "\""):
            return .string(try string(b, &i))
        case UInt8(ascii: "t"):
            try literal(b, &i, "true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal(b, &i, "false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal(b, &i, "null")
            return .null
        default:
            let start = i
            while i < b.count, "+-0123456789.eE".utf8.contains(b[i]) { i += 1 }
            guard let n = Double(String(decoding: b[start..<i], as: UTF8.self)) else {
                throw ValidationError(message: "bad number at \(start)")
            }
            return .number(n)
        }
    }

    private static func literal(_ b: [UInt8], _ i: inout Int, _ text: String) throws {
        let t = Array(text.utf8)
        guard i + t.count <= b.count, Array(b[i..<(i + t.count)]) == t else { throw ValidationError(message: "bad literal at \(i)") }
        i += t.count
    }

    private static func string(_ b: [UInt8], _ i: inout Int) throws -> String {
        i += 1
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") {
                guard let s = String(validating: out, as: UTF8.self) else { throw ValidationError(message: "invalid UTF-8") }
                return s
            }
            if c < 0x20 { throw ValidationError(message: "control character in string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                continue
            }
            guard i < b.count else { break }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard i + 4 <= b.count, let code = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                    throw ValidationError(message: "bad \\u escape")
                }
                i += 4
                var scalar = code
                if code >= 0xD800, code < 0xDC00, i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u"),
                   let low = UInt32(String(decoding: b[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16), low >= 0xDC00, low < 0xE000 {
                    scalar = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default: out.append(e)
            }
        }
        throw ValidationError(message: "unterminated string")
    }
}
