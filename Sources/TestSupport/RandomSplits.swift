/// Cuts a byte sequence into pieces, the way a network may deliver it.
public enum RandomSplits {
    /// Every byte on its own.
    public static func byteByByte(_ bytes: [UInt8]) -> [[UInt8]] { bytes.map { [$0] } }

    /// Pieces of random length (1...maxPiece) drawn from a seeded generator, so a failure can be replayed.
    public static func random(_ bytes: [UInt8], seed: UInt64, maxPiece: Int = 17) -> [[UInt8]] {
        var generator = SplitMix64(seed: seed)
        var pieces: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let length = Int(generator.next() % UInt64(maxPiece)) + 1
            let end = min(bytes.count, index + length)
            pieces.append(Array(bytes[index..<end]))
            index = end
        }
        return pieces
    }
}

/// A small deterministic generator (SplitMix64) for reproducible test input.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
