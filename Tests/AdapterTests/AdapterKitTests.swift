import AdapterKit
import Foundation
import Testing
import TestSupport

@Suite struct SSEFramerTests {
    static let sample = Array("event: ping\ndata: {\"a\":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\nid: 7\n\ndata: [DONE]\n\n".utf8)

    func frame(_ pieces: [[UInt8]], finish: Bool = true) throws -> [SSEFramer.Item] {
        var framer = SSEFramer()
        var items: [SSEFramer.Item] = []
        for p in pieces { try framer.feed(p, into: &items) }
        if finish { framer.finish(into: &items) }
        return items
    }

    @Test func framesEventsCommentsAndMultilineData() throws {
        let items = try frame([SSEFramerTests.sample])
        #expect(items == [
            .event(.init(name: "ping", data: Array("{\"a\":1}".utf8))),
            .comment(Array("keep-alive".utf8)),
            .event(.init(data: Array("line1\nline2".utf8), id: "7")),
            .event(.init(data: Array("[DONE]".utf8), id: "7")),
        ])
    }

    @Test func anySplitGivesTheSameItems() throws {
        let whole = try frame([SSEFramerTests.sample])
        #expect(try frame(RandomSplits.byteByByte(SSEFramerTests.sample)) == whole)
        for seed in UInt64(1)...20 {
            #expect(try frame(RandomSplits.random(SSEFramerTests.sample, seed: seed, maxPiece: 7)) == whole)
        }
    }

    @Test(arguments: ["\r\n", "\r"])
    func otherLineEndingsGiveTheSameItems(_ ending: String) throws {
        let text = String(decoding: SSEFramerTests.sample, as: UTF8.self).replacingOccurrences(of: "\n", with: ending)
        let bytes = Array(text.utf8)
        let whole = try frame([SSEFramerTests.sample])
        #expect(try frame([bytes]) == whole)
        // "\r\n" split between two feeds must not count as two line ends.
        #expect(try frame(RandomSplits.byteByByte(bytes)) == whole)
    }

    @Test func leadingByteOrderMarkIsDropped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: x\n\n".utf8)
        #expect(try frame(RandomSplits.byteByByte(bytes)) == [.event(.init(data: [UInt8(ascii: "x")]))])
    }

    @Test func unterminatedLastEventIsReportedAsSuch() throws {
        let items = try frame([Array("data: {\"a\":".utf8)])
        #expect(items == [.event(.init(data: Array("{\"a\":".utf8), terminated: false))])
        #expect(try frame([Array("data: x".utf8)], finish: false).isEmpty)
    }

    @Test func blocksWithoutDataDispatchNothing() throws {
        #expect(try frame([Array("event: x\n\n\n\nretry: 5\n\n".utf8)]).isEmpty)
        #expect(try frame([Array("data:\n\n".utf8)]) == [.event(.init(data: []))])
    }

    @Test func oversizedEventIsRefused() throws {
        var framer = SSEFramer(maximumEventSize: 1024)
        var items: [SSEFramer.Item] = []
        #expect(throws: SSEFramer.TooLarge.self) {
            try framer.feed(Array("data: ".utf8) + [UInt8](repeating: 0x61, count: 2000), into: &items)
        }
        var framer2 = SSEFramer(maximumEventSize: 1024)
        #expect(throws: SSEFramer.TooLarge.self) {
            for _ in 0..<300 { try framer2.feed(Array("data: abcd\n".utf8), into: &items) }
        }
    }
}

@Suite struct JSONTests {
    @Test func roundTripKeepsOrderAndNumberLiterals() throws {
        let text = #"{"z":1,"a":[true,false,null,-0.50,1e-7,12345678901234567890],"m":{"k":"v"},"s":"\u00e9\ud83d\ude00\n\"\\/"}"#
        let value = try JSONValue.parse(Array(text.utf8))
        let out = String(decoding: value.serialized(), as: UTF8.self)
        #expect(out == #"{"z":1,"a":[true,false,null,-0.50,1e-7,12345678901234567890],"m":{"k":"v"},"s":"é😀\n\"\\/"}"#)
        #expect(value.objectValue?["a"]?.arrayValue?[3].doubleValue == -0.5)
        #expect(value.objectValue?["z"]?.int64Value == 1)
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":}", "[1,]", "01", "1.", "-", "\"\\x\"", "\"a\u{01}\"", "{\"a\":1}x", "nul", "[\"\\ud800\"", "\"abc",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // surrogate
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONError.self) { try JSONValue.parse(deep) }
        deep.withUnsafeBytes { #expect(!JSONScan.isObject($0)) }
    }

    @Test func loneSurrogateEscapesAreReplaced() throws {
        let v = try JSONValue.parse(Array(#""\ud800x""#.utf8))
        #expect(v.stringValue == "\u{FFFD}x")
    }

    @Test func keyScanFindsKeysNotText() {
        func state(_ s: String, _ key: StaticString) -> JSONScan.KeyState {
            Array(s.utf8).withUnsafeBytes { JSONScan.keyState($0, key) }
        }
        #expect(state(#"{"usage":null}"#, "usage") == .null)
        #expect(state(#"{"usage" : { "a": 1 }}"#, "usage") == .value)
        #expect(state(#"{"content":"usage"}"#, "usage") == .absent)
        #expect(state(#"{"content":"say \"usage\": 1"}"#, "usage") == .absent)
        #expect(state(#"{"a":{"usage":null},"usage":3}"#, "usage") == .value)
        #expect(state(#"{"error":{}}"#, "error") == .value)
    }

    @Test func chatChunkScanValidatesAndFindsKeys() {
        func scan(_ s: String) -> JSONScan.ChunkKeys? { Array(s.utf8).withUnsafeBytes { JSONScan.chatChunk($0) } }
        #expect(scan(#"{"choices":[{"finish_reason":null}],"usage":null}"#) == JSONScan.ChunkKeys(usage: .null, finishReason: .null, error: .absent))
        #expect(scan(#"{"choices":[{"finish_reason":"stop"}],"usage":{"a":1}}"#) == JSONScan.ChunkKeys(usage: .value, finishReason: .value, error: .absent))
        #expect(scan(#"{"content":"\"usage\": 1, error","error":null}"#) == JSONScan.ChunkKeys(usage: .absent, finishReason: .absent, error: .null))
        #expect(scan(#"{"a":[{"error":{}}]}"#)?.error == .value)
        #expect(scan(#"{"usage":1"#) == nil)
        #expect(scan(#"[{"usage":1}]"#) == nil)
    }

    @Test func stringsAreEscaped() throws {
        let s = "a\"b\\c\n\r\t\u{01}\u{1F}é😀/"
        let out = String(decoding: JSONValue.string(s).serialized(), as: UTF8.self)
        #expect(out == #""a\"b\\c\n\r\t\u0001\u001fé😀/""#)
        #expect(try JSONValue.parse(Array(out.utf8)) == .string(s))
    }

    @Test func objectEditing() {
        var o = JSONObject(["id": .string("x"), "b": .int(1)])
        o.set("object", .string("chunk"), after: "id")
        #expect(o.keys == ["id", "object", "b"])
        o.rename("b", to: "c")
        #expect(o.keys == ["id", "object", "c"])
        o["id"] = nil
        #expect(o.keys == ["object", "c"])
        #expect(JSONValue.double(0.99) == .number("0.99"))
        #expect(JSONValue.double(.nan) == .null)
    }
}

@Suite struct CryptoTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }

    @Test func sha256KnownAnswers() {
        #expect(Self.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// RFC 4231 test cases 1-7 (case 5 compares the first 128 bits, as the RFC does).
    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "0c", count: 20), "546573742057697468205472756e636174696f6e",
         "a3b6167473100ee06e0c796c2955552b"),
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func hmacRFC4231(_ key: String, _ data: String, _ expected: String) {
        let mac = HMACSHA256.authenticationCode(key: Self.bytes(hex: key), message: Self.bytes(hex: data))
        #expect(Self.hex(mac).hasPrefix(expected))
    }

    @Test func base64URLRoundTrip() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.encode(Array("{\"alg\":\"HS256\"}".utf8)) == "eyJhbGciOiJIUzI1NiJ9")
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab*d") == nil)
    }
}
