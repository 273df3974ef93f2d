/// Upstream bytes no provider should send, which every adapter must survive with an error status: broken
/// proxies, HTML error pages, cut connections, binary noise. Seeded, so a failure can be replayed.
enum GarbageInput {
    static let html = Array("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n".utf8)

    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    /// Bodies of a 200 that are not a non-stream answer.
    static func responseBodies(seed: UInt64) -> [(String, [UInt8])] {
        [
            ("an empty body", []),
            ("an HTML page", html),
            ("truncated JSON", Array(#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hel"#.utf8)),
            ("a JSON array", Array("[1,2,3]".utf8)),
            ("a JSON string", Array(#""hello""#.utf8)),
            ("an unrelated JSON object", Array(#"{"unexpected":true,"items":[]}"#.utf8)),
            ("fields of the wrong type", Array(#"{"id":7,"choices":"none","content":42,"message":false,"usage":"lots"}"#.utf8)),
            ("invalid UTF-8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]),
            ("binary noise", noise(4096, seed: seed)),
        ]
    }

    /// Error bodies that are not JSON, with the status they came with.
    static func errorBodies(seed: UInt64) -> [(String, Int, String, [UInt8])] {
        [
            ("an HTML 502", 502, "text/html", html),
            ("an empty 500", 500, "", []),
            ("truncated JSON 429", 429, "application/json", Array(#"{"error":{"message":"Rate limit rea"#.utf8)),
            ("plain text 503", 503, "text/plain", Array("upstream connect error or disconnect/reset before headers".utf8)),
            ("binary 400", 400, "application/octet-stream", noise(512, seed: seed &+ 1)),
            ("a JSON array 401", 401, "application/json", Array("[]".utf8)),
            ("an odd status 418", 418, "text/plain", Array("I'm a teapot".utf8)),
            ("a 3xx status", 302, "text/html", html),
        ]
    }

    /// Stream bodies that are not a complete answer in any provider's format.
    static func streamBodies(seed: UInt64) -> [(String, [UInt8])] {
        let longLine = [UInt8](repeating: UInt8(ascii: "a"), count: 4 << 20)
        return [
            ("an empty body", []),
            ("an HTML page", html),
            ("binary noise", noise(64 << 10, seed: seed &+ 2)),
            ("NUL bytes", [UInt8](repeating: 0, count: 4096)),
            ("invalid UTF-8 in an event", Array("data: {\"x\":\"".utf8) + [0xFF, 0xFE, 0xC0] + Array("\"}\n\n".utf8)),
            ("an event that is not JSON", Array("data: {not json}\n\n".utf8)),
            ("a JSON event of the wrong shape", Array("data: {\"choices\":\"none\",\"type\":7,\"done\":\"maybe\",\"message\":[]}\n\n{\"done\":\"x\"}\n".utf8)),
            ("JSON lines of the wrong shape", Array("{\"message\":7}\n{\"done\":\"no\"}\n".utf8)),
            ("a 4 MiB line without a line break", longLine),
        ]
    }
}

/// SplitMix64: small, fast and reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
