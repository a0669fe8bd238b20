import Synchronization

/// A thread-safe cache from a pre-tokenized word (its UTF-8 bytes) to its BPE ids.
///
/// Split into lock-protected shards chosen by hash, so concurrent encoders rarely contend. Entries are
/// keyed by a 64-bit hash and verified byte for byte; a full shard is emptied and refilled.
final class WordCache: Sendable {
    /// A cached word.
    private struct Entry {
        var bytes: [UInt8]
        var ids: [Int32]
    }

    /// One lock and its table.
    private final class Shard: Sendable {
        let table = Mutex<[UInt64: Entry]>([:])
    }

    private let shards: [Shard]
    private let shardMask: UInt64
    private let capacityPerShard: Int
    /// Words longer than this many bytes are never cached.
    let maximumWordLength: Int

    /// A cache holding up to about `capacity` words.
    init(capacity: Int = 65_536, shardCount: Int = 16, maximumWordLength: Int = 128) {
        shards = (0..<shardCount).map { _ in Shard() }
        shardMask = UInt64(shardCount - 1)
        capacityPerShard = max(1, capacity / shardCount)
        self.maximumWordLength = maximumWordLength
    }

    /// FNV-1a hash of the word's bytes.
    @inline(__always)
    static func hash(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in word {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash ^ (hash >> 29)
    }

    /// Appends the cached ids of `word` to `output` and returns true, or returns false on a miss.
    @inline(__always)
    func lookup(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, into output: inout [Int32]) -> Bool {
        shards[Int(hash & shardMask)].table.withLock { table in
            guard let entry = table[hash], entry.bytes.elementsEqual(word) else { return false }
            output.append(contentsOf: entry.ids)
            return true
        }
    }

    /// Remembers the ids of `word`.
    func insert(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, ids: ArraySlice<Int32>) {
        let entry = Entry(bytes: Array(word), ids: Array(ids))
        let capacity = capacityPerShard
        shards[Int(hash & shardMask)].table.withLock { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[hash] = entry
        }
    }
}
