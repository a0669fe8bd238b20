import Crypto
import Foundation

/// One shard of a corpus, `index/count` (0 ≤ index < count): the passages whose stable key hashes to `index`.
///
/// The hash (stable across versions; changing it would move passages between shards of a running job): the
/// SHA-256 of the key's UTF-8 bytes, its first 8 bytes read as a big-endian unsigned 64-bit integer, modulo
/// `count`. In Python: `int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % count`. The key is the
/// corpus record's key (its `id`, else `file:line`, or a folder file's relative path), never a chunk's `{id}#{k}`,
/// so every chunk of a document lands in the document's shard.
public struct ShardSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    /// This shard's number, from 0.
    public let index: Int
    /// How many shards the corpus is split into.
    public let count: Int

    /// The name of the assignment hash, stored with sharded runs and manifests.
    public static let hashName = "sha256-be64-mod"

    /// Creates `index/count`; throws unless 0 ≤ index < count.
    public init(index: Int, count: Int) throws(ShardSpecError) {
        guard count >= 1 else { throw .invalid("the shard count must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw .invalid("the shard index must be in 0…\(count - 1) for \(count) shards, got \(index)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `0/3`.
    public init(parsing text: String) throws(ShardSpecError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let count = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else { throw .invalid("--shard must be i/n with 0 <= i < n, e.g. 0/3; got \"\(text)\"") }
        try self.init(index: index, count: count)
    }

    /// `i/n`.
    public var description: String { "\(index)/\(count)" }

    /// The shard (0…count-1) that `key` belongs to among `count` shards.
    public static func shard(ofKey key: String, count: Int) -> Int {
        let digest = SHA256.hash(data: Data(key.utf8))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        return Int(value % UInt64(max(count, 1)))
    }

    /// True when the record keyed `key` belongs to this shard.
    public func contains(key: String) -> Bool { Self.shard(ofKey: key, count: count) == index }

    /// Whether two shard specs can hold a common passage: the same spec does; specs of different counts do (the
    /// hash modulo n and modulo m select overlapping sets); specs of one count with different indexes do not.
    public func overlaps(_ other: ShardSpec) -> Bool { count != other.count || index == other.index }

    /// `path` with every `{shard}` replaced by this shard's index.
    public func substitute(into path: String) -> String { path.replacingOccurrences(of: "{shard}", with: String(index)) }

    /// The shard a process should take: `explicit` (`--shard i/n`) if given; else, under a Slurm array task,
    /// `SLURM_ARRAY_TASK_ID` of `shards` when given, or else `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (0 if
    /// unset) of `SLURM_ARRAY_TASK_COUNT` (else MAX − MIN + 1); else, in a Kubernetes Indexed Job, `JOB_COMPLETION_INDEX` of `shards` (required
    /// there). Nil when none of these applies (an unsharded run). `shards` without either environment is an error.
    public static func resolve(explicit: ShardSpec?, shards: Int?, environment: [String: String]) throws(ShardSpecError) -> ShardSpec? {
        if let explicit {
            if let shards, shards != explicit.count {
                throw .invalid("--shard \(explicit) and --shards \(shards) disagree; give one of them")
            }
            return explicit
        }
        func number(_ name: String) throws(ShardSpecError) -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw .invalid("the environment variable \(name)=\"\(text)\" is not an integer")
            }
            return value
        }
        if let task = try number("SLURM_ARRAY_TASK_ID") {
            // With --shards the task id is the shard number itself, so an array of only the missing shards
            // (`--array=1,4`) still runs shards 1 and 4; without it the array is 0-based from its first task.
            let low = shards == nil ? try number("SLURM_ARRAY_TASK_MIN") ?? 0 : 0
            let counted: Int?
            if let shards {
                counted = shards
            } else if let given = try number("SLURM_ARRAY_TASK_COUNT") {
                counted = given
            } else if let high = try number("SLURM_ARRAY_TASK_MAX") {
                counted = high - low + 1
            } else {
                counted = nil
            }
            guard let count = counted else {
                throw .invalid(
                    "SLURM_ARRAY_TASK_ID=\(task) is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX; pass --shards N")
            }
            do {
                return try ShardSpec(index: task - low, count: count)
            } catch {
                throw .invalid(
                    "the Slurm array task \(task) (array from \(low), \(count) tasks) is not a shard of \(count): "
                        + "submit a contiguous array such as --array=0-\(count - 1) (\(error.message))")
            }
        }
        if let completion = try number("JOB_COMPLETION_INDEX") {
            guard let shards else {
                throw .invalid(
                    "JOB_COMPLETION_INDEX=\(completion) is set (a Kubernetes Indexed Job) but --shards is not; pass --shards N (the Job's completions)"
                )
            }
            return try ShardSpec(index: completion, count: shards)
        }
        if let shards {
            throw .invalid(
                "--shards \(shards) needs SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the environment; outside a scheduler give --shard i/\(shards)"
            )
        }
        return nil
    }
}

/// A shard specification that cannot be used.
public struct ShardSpecError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What is wrong and how to fix it.
    public let message: String

    /// An invalid spec.
    public static func invalid(_ message: String) -> ShardSpecError { ShardSpecError(message: message) }

    public var description: String { message }
}

/// The SHA-256 of a file's bytes, read in 1 MiB blocks.
public enum FileDigest {
    /// The lowercase hex SHA-256 of the file at `url`.
    public static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
