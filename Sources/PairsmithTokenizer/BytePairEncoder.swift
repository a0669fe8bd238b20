/// Byte-pair encoding of one pre-tokenized word, on the byte-level symbols of its UTF-8 bytes.
///
/// Repeatedly merges the adjacent pair with the lowest merge rank (leftmost on ties) until no adjacent
/// pair is a merge — the result of HF tokenizers' `Word::merge_all`. Short words use a scan over a small
/// array; long words use a heap over a linked list, as HF does.
struct BytePairEncoder: Sendable {
    /// The merge ranks.
    let merges: MergeTable
    /// The vocabulary id of each byte's single-symbol token, or -1 when it is not in the vocabulary.
    let byteIDs: [Int32]
    /// The id of the unknown token, used for bytes whose symbol is missing (nil: they are dropped).
    let unknownID: Int32?
    /// Whether consecutive unknown symbols fuse into one.
    let fuseUnknown: Bool

    /// Words longer than this many bytes use the heap.
    static let scanLimit = 64

    /// Scratch space reused across words of one encode call.
    struct Scratch {
        var symbols: [Int32] = []
        var packed: [UInt64] = []
        var previous: [Int32] = []
        var next: [Int32] = []
        var heap: [UInt64] = []
    }

    /// Appends the ids of `word` (raw UTF-8 bytes, before the byte-level map) to `output`.
    func encode(_ word: UnsafeBufferPointer<UInt8>, into output: inout [Int32], scratch: inout Scratch) {
        scratch.symbols.removeAll(keepingCapacity: true)
        var previousWasUnknown = false
        for byte in word {
            let id = byteIDs[Int(byte)]
            if id >= 0 {
                scratch.symbols.append(id)
                previousWasUnknown = false
            } else if let unknownID {
                if !(fuseUnknown && previousWasUnknown) { scratch.symbols.append(unknownID) }
                previousWasUnknown = true
            }
        }
        if scratch.symbols.count <= 1 {
            output.append(contentsOf: scratch.symbols)
        } else if scratch.symbols.count <= Self.scanLimit {
            mergeByScan(into: &output, scratch: &scratch)
        } else {
            mergeByHeap(into: &output, scratch: &scratch)
        }
    }

    /// Quadratic merge loop over a small array: fastest for ordinary words.
    private func mergeByScan(into output: inout [Int32], scratch: inout Scratch) {
        var n = scratch.symbols.count
        scratch.packed.removeAll(keepingCapacity: true)
        scratch.symbols.withUnsafeMutableBufferPointer { symbols in
            for i in 0..<(n - 1) { scratch.packed.append(merges.lookup(symbols[i], symbols[i + 1])) }
            scratch.packed.withUnsafeMutableBufferPointer { packed in
                while n > 1 {
                    var best = UInt64.max
                    var at = -1
                    for i in 0..<(n - 1) where packed[i] < best {
                        best = packed[i]
                        at = i
                    }
                    if at < 0 { break }
                    symbols[at] = Int32(truncatingIfNeeded: best & 0xFFFF_FFFF)
                    // Remove symbol at+1 and pair entry at+1 (pair at+1 / at+2 becomes pair at / at+1).
                    var k = at + 1
                    while k < n - 1 {
                        symbols[k] = symbols[k + 1]
                        k += 1
                    }
                    k = at + 1
                    while k < n - 2 {
                        packed[k] = packed[k + 1]
                        k += 1
                    }
                    n -= 1
                    if at > 0 { packed[at - 1] = merges.lookup(symbols[at - 1], symbols[at]) }
                    if at < n - 1 { packed[at] = merges.lookup(symbols[at], symbols[at + 1]) }
                }
            }
            output.append(contentsOf: symbols[0..<n])
        }
    }

    /// Heap-driven merge loop over a doubly linked list, as HF tokenizers' `Word::merge_all`.
    private func mergeByHeap(into output: inout [Int32], scratch: inout Scratch) {
        let n = scratch.symbols.count
        scratch.previous.removeAll(keepingCapacity: true)
        scratch.next.removeAll(keepingCapacity: true)
        scratch.heap.removeAll(keepingCapacity: true)
        for i in 0..<n {
            scratch.previous.append(Int32(i - 1))
            scratch.next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
        var heap = MinHeap(storage: scratch.heap)
        scratch.heap = []
        for i in 0..<(n - 1) {
            let value = merges.lookup(scratch.symbols[i], scratch.symbols[i + 1])
            if value != UInt64.max { heap.push((value >> 32) << 32 | UInt64(i)) }
        }
        scratch.symbols.withUnsafeMutableBufferPointer { symbols in
            scratch.previous.withUnsafeMutableBufferPointer { previous in
                scratch.next.withUnsafeMutableBufferPointer { next in
                    while let top = heap.pop() {
                        let rank = top >> 32
                        let position = Int(top & 0xFFFF_FFFF)
                        // A removed symbol has previous == -2.
                        if previous[position] == -2 { continue }
                        let right = Int(next[position])
                        if right < 0 { continue }
                        let value = merges.lookup(symbols[position], symbols[right])
                        if value == UInt64.max || value >> 32 != rank { continue }
                        symbols[position] = Int32(truncatingIfNeeded: value & 0xFFFF_FFFF)
                        let after = next[right]
                        next[position] = after
                        if after >= 0 { previous[Int(after)] = Int32(position) }
                        previous[right] = -2
                        let before = previous[position]
                        if before >= 0 {
                            let pair = merges.lookup(symbols[Int(before)], symbols[position])
                            if pair != UInt64.max { heap.push((pair >> 32) << 32 | UInt64(before)) }
                        }
                        if after >= 0 {
                            let pair = merges.lookup(symbols[position], symbols[Int(after)])
                            if pair != UInt64.max { heap.push((pair >> 32) << 32 | UInt64(position)) }
                        }
                    }
                    var index = 0
                    while index >= 0 {
                        output.append(symbols[index])
                        index = Int(next[index])
                    }
                }
            }
        }
        scratch.heap = heap.storage
    }
}

/// A binary min-heap of packed `UInt64` keys.
struct MinHeap {
    /// The heap array.
    var storage: [UInt64]

    /// Adds a key.
    mutating func push(_ key: UInt64) {
        storage.append(key)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if storage[parent] <= storage[child] { break }
            storage.swapAt(parent, child)
            child = parent
        }
    }

    /// Removes and returns the smallest key.
    mutating func pop() -> UInt64? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let top = storage[0]
        storage[0] = last
        var parent = 0
        let count = storage.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var smallest = left
            if left + 1 < count && storage[left + 1] < storage[left] { smallest = left + 1 }
            if storage[parent] <= storage[smallest] { break }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
