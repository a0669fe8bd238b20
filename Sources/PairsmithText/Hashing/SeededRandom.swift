import Crypto
import Foundation

/// Stable 64-bit hashes of strings (the first 8 bytes of SHA-256, big-endian): the same on every platform,
/// process and Swift version, unlike `Hasher`.
public enum StableHash {
    /// The stable hash of `text`.
    public static func hash64(_ text: String) -> UInt64 {
        SHA256.hash(data: Data(text.utf8)).prefix(8).reduce(0) { ($0 << 8) | UInt64($1) }
    }
}

/// SplitMix64, used to expand one seed into the state of ``Xoshiro256StarStar``.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: the deterministic generator behind every draw
/// that must repeat exactly when a run is resumed. Its own `uniform`/`unitInterval` keep draws independent of
/// the standard library's sampling algorithms.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// Creates a generator from a 64-bit seed.
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// Creates a generator seeded by the stable hash of `key` (for example a unit key).
    public init(key: String) { self.init(seed: StableHash.hash64(key)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) <<< 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 <<< 45
        return result
    }

    /// A uniform double in [0, 1) from the top 53 bits.
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `range`, by rejection (no modulo bias).
    public mutating func uniform(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        let limit = UInt64.max - (UInt64.max % span)
        var draw = next()
        while draw >= limit { draw = next() }
        return range.lowerBound + Int(draw % span)
    }

    /// An index drawn with probability proportional to `weights` (all positive); nil when empty.
    public mutating func weightedIndex(_ weights: [Double]) -> Int? {
        let total = weights.reduce(0, +)
        guard !weights.isEmpty, total > 0 else { return nil }
        var point = unitInterval() * total
        for (index, weight) in weights.enumerated() {
            if point < weight { return index }
            point -= weight
        }
        return weights.count - 1
    }
}

infix operator <<< : BitwiseShiftPrecedence

private func <<< (value: UInt64, amount: UInt64) -> UInt64 {
    (value << amount) | (value >> (64 - amount))
}
