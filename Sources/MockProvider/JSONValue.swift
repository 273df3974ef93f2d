import NIOCore

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

extension JSONValue {
    /// The same compact serialisation as ``write(into:)-(String)``, written as UTF-8 straight into a buffer (the
    /// stream events: no intermediate `String`, unescaped strings copied whole, members borrowed, not copied).
    func write(into out: inout ByteBuffer) {
        switch self {
        case .object(let members):
            out.writeInteger(UInt8(ascii: "{"))
            members.withUnsafeBufferPointer { members in
                for index in members.indices {
                    if index > 0 { out.writeInteger(UInt8(ascii: ",")) }
                    Self.writeString(members[index].0, into: &out)
                    out.writeInteger(UInt8(ascii: ":"))
                    members[index].1.write(into: &out)
                }
            }
            out.writeInteger(UInt8(ascii: "}"))
        case .array(let elements):
            out.writeInteger(UInt8(ascii: "["))
            elements.withUnsafeBufferPointer { elements in
                for index in elements.indices {
                    if index > 0 { out.writeInteger(UInt8(ascii: ",")) }
                    elements[index].write(into: &out)
                }
            }
            out.writeInteger(UInt8(ascii: "]"))
        case .string(let string):
            Self.writeString(string, into: &out)
        case .int(let int):
            out.writeString(String(int))
        case .bool(let bool):
            out.writeStaticString(bool ? "true" : "false")
        case .null:
            out.writeStaticString("null")
        case .raw(let json):
            out.writeString(json)
        }
    }

    static func writeString(_ string: String, into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "\""))
        let copied = string.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            out.writeBytes(UnsafeRawBufferPointer(bytes))
            return true
        }
        if copied != true {
            // Bytes from 0x80 up belong to multi-byte scalars and pass as they are, like the scalars in the
            // `String` version; only ASCII is escaped.
            for byte in string.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
                case UInt8(ascii: "\n"): out.writeStaticString("\\n")
                case UInt8(ascii: "\r"): out.writeStaticString("\\r")
                case UInt8(ascii: "\t"): out.writeStaticString("\\t")
                case let control where control < 0x20:
                    let hex = String(control, radix: 16)
                    out.writeStaticString("\\u00")
                    if hex.utf8.count < 2 { out.writeInteger(UInt8(ascii: "0")) }
                    out.writeString(hex)
                default:
                    out.writeInteger(byte)
                }
            }
        }
        out.writeInteger(UInt8(ascii: "\""))
    }
}
