import JSONCore
import NIOCore

extension JSONValue {
    /// Parses JSON straight out of a request body buffer.
    static func parse(_ buffer: ByteBuffer) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = buffer.withUnsafeReadableBytes { raw in
            do throws(JSONError) { return .success(try JSONValue.parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The compact JSON text in a buffer, ready to send.
    var byteBuffer: ByteBuffer {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return ByteBuffer(bytes: out)
    }

    var jsonText: String { String(decoding: serialized(), as: UTF8.self) }
}
