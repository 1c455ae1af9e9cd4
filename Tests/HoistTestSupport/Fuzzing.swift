/// SplitMix64: a tiny PRNG with a fixed seed, so a fuzz failure reproduces.
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E5B9_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bounded, deterministic fuzzing of text parsers: the seeded tests next to each parser
/// mutate valid inputs with these steps.
public enum Fuzzing {
    /// One random change: a byte replaced, a line removed, doubled or swapped, a fragment
    /// inserted, or the text cut short.
    public static func mutate(_ text: String, fragments: [String], using rng: inout SplitMix) -> String {
        var bytes = Array(text.utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !bytes.isEmpty:
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...127, using: &rng)
            return String(decoding: bytes, as: UTF8.self)
        case 1 where !lines.isEmpty:
            lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
        case 2 where !lines.isEmpty:
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines.insert(lines[i], at: i)
        case 3 where !fragments.isEmpty:
            let at = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(contentsOf: Array(fragments.randomElement(using: &rng)!.utf8), at: at)
            return String(decoding: bytes, as: UTF8.self)
        case 4 where lines.count > 1:
            lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
        default:
            return String(decoding: bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)), as: UTF8.self)
        }
        return lines.joined(separator: "\n")
    }

    /// `text` after one to `steps` mutations.
    public static func mutated(_ text: String, fragments: [String], steps: Int = 4, using rng: inout SplitMix) -> String {
        var text = text
        for _ in 0..<Int.random(in: 1...steps, using: &rng) { text = mutate(text, fragments: fragments, using: &rng) }
        return text
    }
}
