/// A JSON value whose objects keep their key order, so answers can mirror the providers' field order byte for byte.
///
/// Only the mock's own answers are built with it; requests are parsed with `JSONSerialization`.
enum JSONValue: Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    /// Text that is already valid JSON, inserted as is (a recorded request body).
    case raw(String)

    /// Compact serialisation (no whitespace), as the providers send it.
    var serialized: String {
        var out = ""
        self.write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .object(let members):
            out.append("{")
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(",") }
                Self.writeString(key, into: &out)
                out.append(":")
                value.write(into: &out)
            }
            out.append("}")
        case .array(let elements):
            out.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(",") }
                element.write(into: &out)
            }
            out.append("]")
        case .string(let string):
            Self.writeString(string, into: &out)
        case .int(let int):
            out.append(String(int))
        case .bool(let bool):
            out.append(bool ? "true" : "false")
        case .null:
            out.append("null")
        case .raw(let json):
            out.append(json)
        }
    }

    static func writeString(_ string: String, into out: inout String) {
        out.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}

extension JSONValue {
    /// `.string` for a value, `.null` for nil.
    static func optional(_ value: String?) -> JSONValue {
        value.map { .string($0) } ?? .null
    }
}
