/// Cheap checks on JSON text that let pass-through paths avoid building a tree.
///
/// They rely on one property of JSON: a raw `"` can only start or end a string token (quotes inside strings
/// are escaped), and a string token followed by `:` is always an object key. So `"usage"` followed by optional
/// whitespace and `:` is a `usage` key at some depth; never text inside a string value.
public enum JSONScan {
    /// Whether the bytes are exactly one well-formed JSON object (with optional surrounding whitespace),
    /// including UTF-8 validity. Allocates nothing.
    public static func isObject(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else { return false }
        do { try parser.skipValue(depth: 0) } catch { return false }
        parser.skipWhitespace()
        return parser.index == bytes.count
    }

    /// What follows the key `key` (at any depth): `.absent` when no such key occurs, `.null` when every
    /// occurrence has the value `null`, `.value` otherwise.
    public enum KeyState: Equatable, Sendable {
        case absent, null, value

        mutating func merge(_ other: KeyState) {
            if other == .value || (other == .null && self == .absent) { self = other }
        }
    }

    /// The keys OpenAI-style stream handlers must look at before forwarding a chunk unchanged.
    public struct ChunkKeys: Equatable, Sendable {
        public var usage: KeyState
        public var finishReason: KeyState
        public var error: KeyState

        public init(usage: KeyState = .absent, finishReason: KeyState = .absent, error: KeyState = .absent) {
            self.usage = usage
            self.finishReason = finishReason
            self.error = error
        }
    }

    /// One pass over a `data:` payload: nil unless it is exactly one well-formed JSON object; otherwise where
    /// (at any depth) `usage`, `finish_reason` and `error` keys occur and whether their values are null.
    /// Allocates nothing.
    public static func chatChunk(_ bytes: UnsafeRawBufferPointer) -> ChunkKeys? {
        var parser = JSONParser(bytes)
        parser.watch = ChunkKeys()
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else { return nil }
        do { try parser.skipValue(depth: 0) } catch { return nil }
        parser.skipWhitespace()
        guard parser.index == bytes.count else { return nil }
        return parser.watch
    }

    /// Finds `"key"` followed by `:` anywhere in the text and reports its value's kind (see ``KeyState``).
    public static func keyState(_ bytes: UnsafeRawBufferPointer, _ key: StaticString) -> KeyState {
        let k = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let n = bytes.count, kn = k.count
        guard kn > 0, n >= kn + 3 else { return .absent }
        var state = KeyState.absent
        var i = 0
        while i + kn + 2 <= n {
            // Find the next quote quickly.
            guard bytes[i] == UInt8(ascii: "\"") else {
                i += 1
                continue
            }
            var match = true
            var j = 0
            while j < kn {
                if bytes[i + 1 + j] != k[j] {
                    match = false
                    break
                }
                j += 1
            }
            if match, bytes[i + 1 + kn] == UInt8(ascii: "\"") {
                // The character before the opening quote must not be a backslash (an escaped quote in a string).
                if i > 0, bytes[i - 1] == UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
                var m = i + kn + 2
                while m < n, isSpace(bytes[m]) { m += 1 }
                if m < n, bytes[m] == UInt8(ascii: ":") {
                    m += 1
                    while m < n, isSpace(bytes[m]) { m += 1 }
                    if m + 4 <= n, bytes[m] == UInt8(ascii: "n"), bytes[m + 1] == UInt8(ascii: "u"),
                       bytes[m + 2] == UInt8(ascii: "l"), bytes[m + 3] == UInt8(ascii: "l") {
                        if state == .absent { state = .null }
                    } else {
                        return .value
                    }
                }
                i += kn + 2
                continue
            }
            i += 1
        }
        return state
    }

    /// Whether the bytes, without surrounding whitespace, equal `literal` (e.g. `[DONE]`).
    public static func trimmedEquals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        var lo = 0, hi = bytes.count
        while lo < hi, isSpace(bytes[lo]) { lo += 1 }
        while hi > lo, isSpace(bytes[hi - 1]) { hi -= 1 }
        guard hi - lo == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for i in 0..<(hi - lo) where bytes[lo + i] != l[i] { return false }
        return true
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
}
