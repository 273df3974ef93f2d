import NIOCore

/// Serialises a `JSONValue` compactly, keeping key order and number text.
public enum JSONWriter {
    public static func write(_ value: JSONValue, into buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeStaticString("null")
        case .bool(let b): b ? buffer.writeStaticString("true") : buffer.writeStaticString("false")
        case .number(let n): buffer.writeString(n)
        case .string(let s): writeString(s, into: &buffer)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let object):
            buffer.writeInteger(UInt8(ascii: "{"))
            for (i, entry) in object.entries.enumerated() {
                if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                writeString(entry.key, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                write(entry.value, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        }
    }

    public static func buffer(_ value: JSONValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        write(value, into: &buffer)
        return buffer
    }

    public static func string(_ value: JSONValue) -> String {
        String(buffer: buffer(value))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func writeString(_ string: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        let utf8 = string.utf8
        // Fast path: nothing to escape.
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            buffer.writeString(string)
        } else {
            for byte in utf8 {
                switch byte {
                case 0x22: buffer.writeStaticString("\\\"")
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                case ..<0x20:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0xF)])
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
