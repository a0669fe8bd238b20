import Foundation
import PairsmithTestSupport
import PairsmithText
import Testing

/// Shard assignment (`--shard i/n`): a fixed, documented hash, checked against Python's hashlib.
@Suite("shard specs")
struct ShardSpecTests {
    /// Keys → shard for n = 2, 3, 7 and 64, computed once with
    /// `int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % n`. A change here moves passages between
    /// the shards of jobs already running: the table must never be edited to follow the code.
    static let table: [(key: String, shards: [Int])] = [
        ("doc-0", [0, 1, 6, 18]), ("doc-1", [1, 1, 1, 25]), ("doc-2", [0, 2, 2, 0]), ("doc-17", [1, 2, 0, 15]),
        ("corpus.jsonl:3", [1, 0, 1, 19]), ("notes/a.md", [0, 1, 3, 22]), ("Ünïcødé-ключ", [0, 0, 6, 24]),
        ("42", [1, 0, 2, 13]), ("", [0, 1, 1, 20]), (" space ", [1, 1, 1, 1]), ("doc-0#1", [0, 1, 5, 38]),
    ]
    static let counts = [2, 3, 7, 64]

    @Test("the fixed table of keys → shards holds (stable across versions)")
    func fixedTable() {
        for row in Self.table {
            #expect(Self.counts.map { ShardSpec.shard(ofKey: row.key, count: $0) } == row.shards, "key \(row.key)")
        }
    }

    @Test("assignment equals Python's hashlib reference on the table and on 2,000 generated keys")
    func matchesPython() throws {
        let keys = Self.table.map(\.key) + (0..<2_000).map { "k\($0)-\(String(repeating: "é", count: $0 % 5))" }
        let script = """
            import hashlib, json, sys
            keys = json.load(sys.stdin)
            print(json.dumps([[int.from_bytes(hashlib.sha256(k.encode("utf-8")).digest()[:8], "big") % n
                               for n in (2, 3, 7, 64, 1000)] for k in keys]))
            """
        let output = try ProcessRunner.python(script, stdin: try JSONSerialization.data(withJSONObject: keys))
        let reference = try #require(try JSONSerialization.jsonObject(with: output) as? [[Int]])
        #expect(reference.count == keys.count)
        for (key, expected) in zip(keys, reference) {
            #expect([2, 3, 7, 64, 1000].map { ShardSpec.shard(ofKey: key, count: $0) } == expected, "key \(key)")
        }
        // And the python reference reproduces the committed table (the table is not copied from the Swift code).
        for (row, expected) in zip(Self.table, reference) { #expect(Array(expected.prefix(4)) == row.shards) }
    }

    @Test("i/n parses; bad specs are refused with the fix")
    func parsing() throws {
        let spec = try ShardSpec(parsing: "2/5")
        #expect(spec.index == 2 && spec.count == 5 && spec.description == "2/5")
        for bad in ["5/5", "-1/3", "1", "a/b", "1/0", "1/2/3"] {
            #expect(throws: ShardSpecError.self, "\(bad)") { try ShardSpec(parsing: bad) }
        }
        #expect(spec.substitute(into: "/data/shard-{shard}.sqlite") == "/data/shard-2.sqlite")
        #expect(try ShardSpec(parsing: "0/3").overlaps(try ShardSpec(parsing: "0/2")))
        #expect(!(try ShardSpec(parsing: "0/3").overlaps(try ShardSpec(parsing: "1/3"))))
    }

    @Test("i and n come from Slurm array and Kubernetes Indexed Job environments")
    func environment() throws {
        #expect(try ShardSpec.resolve(explicit: nil, shards: nil, environment: [:]) == nil)
        let slurm = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]
        #expect(try ShardSpec.resolve(explicit: nil, shards: nil, environment: slurm) == (try ShardSpec(index: 2, count: 4)))
        let fromOne = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3"]
        #expect(try ShardSpec.resolve(explicit: nil, shards: nil, environment: fromOne) == (try ShardSpec(index: 2, count: 3)))
        // With --shards the task id is the shard: a resubmitted array of the missing shards only.
        let resubmitted = ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "2"]
        #expect(try ShardSpec.resolve(explicit: nil, shards: 5, environment: resubmitted) == (try ShardSpec(index: 4, count: 5)))
        let kubernetes = ["JOB_COMPLETION_INDEX": "5"]
        #expect(try ShardSpec.resolve(explicit: nil, shards: 8, environment: kubernetes) == (try ShardSpec(index: 5, count: 8)))
        #expect(throws: ShardSpecError.self) { try ShardSpec.resolve(explicit: nil, shards: nil, environment: kubernetes) }
        #expect(throws: ShardSpecError.self) { try ShardSpec.resolve(explicit: nil, shards: 3, environment: [:]) }
        #expect(throws: ShardSpecError.self) {
            try ShardSpec.resolve(explicit: nil, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "3"])
        }
        // --shard wins over the environment.
        let explicit = try ShardSpec(index: 1, count: 4)
        #expect(try ShardSpec.resolve(explicit: explicit, shards: nil, environment: slurm) == explicit)
    }
}
