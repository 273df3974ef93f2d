import NIOCore
import Testing

@testable import MockProvider

@Suite struct SSEFramesTests {
    @Test func byteBufferSerialisationMatchesStringSerialisation() {
        let value = JSONValue.object([
            ("plain", .string("Hello from mock openai!")),
            ("escapes", .string("quote \" backslash \\ newline \n cr \r tab \t bell \u{7} nul \u{0} unit \u{1f}")),
            ("unicode", .string("héllo wörld ✓ 😀 ")),
            ("small", .string("w1")),
            ("empty", .string("")),
            ("numbers", .array([.int(0), .int(-42), .int(1_234_567_890)])),
            ("flags", .array([.bool(true), .bool(false), .null])),
            ("nested", .object([("a", .array([])), ("b", .object([]))])),
            ("raw", .raw(#"{"k":[1,2]}"#)),
            ("key \"quoted\"", .string("v")),
        ])
        var buffer = ByteBuffer()
        value.write(into: &buffer)
        #expect(String(buffer: buffer) == value.serialized)
    }

    @Test func eventIsOneHTTPChunk() {
        let value = JSONValue.object([("content", .string(String(repeating: "x", count: 300)))])
        let payload = "data: " + value.serialized + "\n\n"
        let frame = SSEFrames.event(value)
        #expect(String(buffer: frame) == String(payload.utf8.count, radix: 16) + "\r\n" + payload + "\r\n")
        #expect(String(buffer: SSEFrames.done) == "e\r\ndata: [DONE]\n\n\r\n")
        #expect(String(buffer: SSEFrames.keepAlive) == "e\r\n: keep-alive\n\n\r\n")
    }
}
