/// An open-addressing hash map from a pair of token ids to the merge's rank and the merged token's id.
///
/// Immutable after construction and read without locks. Keys are `left << 32 | right`; values are
/// `rank << 32 | merged`.
final class MergeTable: @unchecked Sendable {
    private let keys: UnsafeMutablePointer<UInt64>
    private let values: UnsafeMutablePointer<UInt64>
    private let mask: Int
    private let shift: UInt64
    /// How many merges the table holds.
    let count: Int

    private static let empty = UInt64.max

    /// Builds the table from `(left, right, merged)` triples; the rank of a merge is its index.
    /// When the same pair appears twice, the last entry wins (as in HF tokenizers' `HashMap` collect).
    init(_ merges: [(left: Int32, right: Int32, merged: Int32)]) {
        var capacity = 16
        var bits: UInt64 = 4
        while capacity < merges.count * 2 + 16 { capacity <<= 1; bits += 1 }
        let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        keys.initialize(repeating: Self.empty, count: capacity)
        let values = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
        let mask = capacity - 1
        let shift = 64 - bits
        var stored = 0
        for (rank, merge) in merges.enumerated() {
            let key = UInt64(UInt32(bitPattern: merge.left)) << 32 | UInt64(UInt32(bitPattern: merge.right))
            var slot = Self.slot(for: key, shift: shift)
            while keys[slot] != Self.empty && keys[slot] != key { slot = (slot + 1) & mask }
            if keys[slot] != key { stored += 1 }
            keys[slot] = key
            values[slot] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merge.merged))
        }
        self.keys = keys
        self.values = values
        self.mask = mask
        self.shift = shift
        count = stored
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    @inline(__always)
    private static func slot(for key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The packed `rank << 32 | merged` of the pair, or `UInt64.max` when the pair does not merge.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> UInt64 {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var slot = Self.slot(for: key, shift: shift)
        while true {
            let stored = keys[slot]
            if stored == key { return values[slot] }
            if stored == Self.empty { return UInt64.max }
            slot = (slot + 1) & mask
        }
    }
}
