import Foundation
import PairsmithStore
import PairsmithText

/// What `pairsmith merge` may let through that it otherwise refuses.
public struct ShardMergeOverrides: Sendable, Hashable {
    /// Merge runs made from pipeline files with different contents (SHA-256).
    public var differentPipelines = false
    /// Merge databases whose persona libraries differ.
    public var differentPersonas = false
    /// Merge databases whose shard specs overlap (or an unsharded database with shards).
    public var overlap = false

    /// Creates overrides (everything refused by default).
    public init(differentPipelines: Bool = false, differentPersonas: Bool = false, overlap: Bool = false) {
        self.differentPipelines = differentPipelines
        self.differentPersonas = differentPersonas
        self.overlap = overlap
    }
}

/// `pairsmith merge SHARD.sqlite… --into ALL.sqlite`: checks that the shards belong together (one pipeline file,
/// one persona library, shard specs that do not overlap), then folds each into the target in its own transaction
/// (``PairsmithStore/merge(from:records:)``). Merging is idempotent (rows are combined by their keys) and
/// crash-safe (a kill leaves each shard merged wholly or not at all; the same command again finishes the job and
/// gives the same database). An existing target is merged into and counts in the checks.
public struct ShardMerge: Sendable {
    /// The shard databases, in merge order.
    public let sources: [URL]
    /// The target database (created when missing).
    public let target: URL
    /// What is let through.
    public let overrides: ShardMergeOverrides

    /// Creates a merge.
    public init(sources: [URL], target: URL, overrides: ShardMergeOverrides = ShardMergeOverrides()) {
        self.sources = sources
        self.target = target
        self.overrides = overrides
    }

    /// Checks, then merges; `onMessage` gets one line per shard. Throws ``ShardMergeError`` for a refusal.
    public func execute(onMessage: @Sendable (String) -> Void = { _ in }) async throws -> [MergeCounts] {
        let targetPath = target.standardizedFileURL.path
        var facts: [DatabaseFacts] = []
        for source in sources {
            let path = source.standardizedFileURL.path
            guard path != targetPath else { throw ShardMergeError.targetAmongSources(path: source.path) }
            guard FileManager.default.fileExists(atPath: path) else { throw ShardMergeError.missingShard(path: source.path) }
            if facts.contains(where: { $0.path == path }) { continue }
            facts.append(try await DatabaseFacts.read(path: path, shortName: source.path))
        }
        guard !facts.isEmpty else { throw ShardMergeError.noShards }
        let store = try PairsmithStore(path: targetPath)
        let existing = try await DatabaseFacts.read(store: store, shortName: target.path, sha256: "")
        try checkPipelines(facts, target: existing)
        try checkPersonas(facts, target: existing)
        try checkOverlap(facts, target: existing, targetMerged: try await store.mergedShards())
        var results: [MergeCounts] = []
        for fact in facts {
            let records = fact.runs.map { run in
                MergedShard(
                    source: fact.path, run: run.id, shardIndex: fact.shards[run.id]?.index, shardCount: fact.shards[run.id]?.count,
                    pipelineSHA256: run.pipelineSHA256, databaseSHA256: fact.sha256, documents: fact.counts[run.id]?.documents ?? 0,
                    examples: fact.counts[run.id]?.examples ?? 0)
            }
            let counts = try await store.merge(from: fact.path, records: records)
            var line = "merged \(fact.shortName) (\(fact.specDescription)): added \(counts.total) rows"
            for table in ["documents", "examples", "scores", "vectors", "llm_calls"] where counts.added[table] != nil {
                line += ", \(counts.added[table] ?? 0) \(table)"
            }
            if counts.conflictingDocuments > 0 {
                line += "; \(counts.conflictingDocuments) documents whose key or text is already merged from another database were left out"
            }
            let left = { (rule: MergeTableRule?) in counts.notCopied.filter { $0.value == rule }.keys.sorted().joined(separator: ", ") }
            if !left(.recomputed).isEmpty { line += "; not copied (select and negatives recompute them): " + left(.recomputed) }
            if !left(.shardOnly).isEmpty { line += "; not copied (the shard's own state): " + left(.shardOnly) }
            if !left(nil).isEmpty { line += "; not copied (tables this version does not know): " + left(nil) }
            onMessage(line)
            results.append(counts)
        }
        try await store.checkpoint()
        return results
    }

    private func checkPipelines(_ facts: [DatabaseFacts], target: DatabaseFacts) throws {
        guard !overrides.differentPipelines, let first = facts.first else { return }
        let reference = first.pipelines
        for fact in facts.dropFirst() where fact.pipelines != reference {
            throw ShardMergeError.differentPipelines(
                first: first.shortName, other: fact.shortName, difference: Self.pipelineDifference(first, fact))
        }
        for run in target.runs {
            guard let sha = reference[run.id], sha != run.pipelineSHA256,
                let theirs = first.runs.first(where: { $0.id == run.id })
            else { continue }
            throw ShardMergeError.differentPipelines(
                first: first.shortName, other: target.shortName,
                difference:
                    "run \(run.id): \(theirs.pipelinePath) sha256 \(sha.prefix(12))… vs \(run.pipelinePath) sha256 \(run.pipelineSHA256.prefix(12))…")
        }
    }

    private static func pipelineDifference(_ a: DatabaseFacts, _ b: DatabaseFacts) -> String {
        let names = Set(a.pipelines.keys).union(b.pipelines.keys).sorted()
        return names.compactMap { name -> String? in
            let left = a.runs.first { $0.id == name }, right = b.runs.first { $0.id == name }
            switch (left, right) {
            case (let l?, let r?) where l.pipelineSHA256 != r.pipelineSHA256:
                return
                    "run \(name): \(l.pipelinePath) sha256 \(l.pipelineSHA256.prefix(12))… vs \(r.pipelinePath) sha256 \(r.pipelineSHA256.prefix(12))…"
            case (let l?, nil): return "run \(name) (\(l.pipelinePath)) only in \(a.shortName)"
            case (nil, let r?): return "run \(name) (\(r.pipelinePath)) only in \(b.shortName)"
            default: return nil
            }
        }.joined(separator: "; ")
    }

    private func checkPersonas(_ facts: [DatabaseFacts], target: DatabaseFacts) throws {
        guard !overrides.differentPersonas else { return }
        let withPersonas = ([target] + facts).filter { !$0.personas.isEmpty }
        guard let first = withPersonas.first else { return }
        let reference = Set(first.personas.map(\.hash))
        for fact in withPersonas.dropFirst() {
            let hashes = Set(fact.personas.map(\.hash))
            guard hashes != reference else { continue }
            let extra = fact.personas.filter { !reference.contains($0.hash) }
            let missing = first.personas.filter { !hashes.contains($0.hash) }
            var parts: [String] = []
            if let example = extra.first { parts.append("\(extra.count) personas not in \(first.shortName) (first: \"\(example.text.prefix(60))\")") }
            if let example = missing.first { parts.append("lacks \(missing.count) of its personas (first: \"\(example.text.prefix(60))\")") }
            let files = { (f: DatabaseFacts) in Set(f.personas.map(\.sourceFile)).sorted().joined(separator: ", ") }
            throw ShardMergeError.differentPersonas(
                first: first.shortName, firstFiles: files(first), other: fact.shortName, otherFiles: files(fact),
                difference: parts.joined(separator: " and "))
        }
    }

    private func checkOverlap(_ facts: [DatabaseFacts], target: DatabaseFacts, targetMerged: [MergedShard]) throws {
        guard !overrides.overlap else { return }
        struct Holder { var name: String; var path: String; var run: String; var shard: ShardSpec? }
        var holders: [Holder] = []
        for merged in targetMerged {
            let shard = merged.shardIndex.flatMap { index in merged.shardCount.flatMap { try? ShardSpec(index: index, count: $0) } }
            holders.append(Holder(name: merged.source, path: merged.source, run: merged.run, shard: shard))
        }
        if targetMerged.isEmpty && target.documentCount > 0 {  // a run's own database: its passages count too
            for run in target.runs {
                holders.append(
                    Holder(
                        name: target.shortName, path: target.path, run: run.id,
                        shard: target.shards[run.id].flatMap { try? ShardSpec(index: $0.index, count: $0.count) }))
            }
        }
        for fact in facts {
            for run in fact.runs {
                let shard = fact.shards[run.id].flatMap { try? ShardSpec(index: $0.index, count: $0.count) }
                let mine = Holder(name: fact.shortName, path: fact.path, run: run.id, shard: shard)
                for other in holders where other.run == mine.run && other.path != mine.path {
                    let overlapping = mine.shard.flatMap { a in other.shard.map { b in a.overlaps(b) } } ?? true
                    if overlapping {
                        throw ShardMergeError.overlap(
                            first: other.name, firstSpec: other.shard?.description ?? "the whole corpus", other: mine.name,
                            otherSpec: mine.shard?.description ?? "the whole corpus", run: run.id)
                    }
                }
                holders.append(mine)
            }
        }
    }
}

/// What the checks need to know of one database.
private struct DatabaseFacts {
    var path: String
    var shortName: String
    var sha256: String
    var runs: [RunRecord]
    var shards: [String: StoredShard]
    var personas: [(hash: String, text: String, sourceFile: String)]
    var counts: [String: RunCounts]
    var documentCount: Int

    var pipelines: [String: String] { Dictionary(runs.map { ($0.id, $0.pipelineSHA256) }, uniquingKeysWith: { a, _ in a }) }

    var specDescription: String {
        let specs = Set(shards.values.map(\.spec)).sorted()
        return specs.isEmpty ? "unsharded" : "shard " + specs.joined(separator: ", ")
    }

    static func read(path: String, shortName: String) async throws -> DatabaseFacts {
        // The file's hash as it lies (a finished shard's equals its manifest's). The shard is read read-only, so
        // the merge leaves its file (and its manifest) as they were; only a shard of an earlier schema is opened
        // read-write, to migrate it, which the merge's ATTACH needs.
        let url = URL(fileURLWithPath: path)
        let sha256 = try FileDigest.sha256(of: url)
        let store: PairsmithStore
        do {
            store = try PairsmithStore.openReadOnly(url: url)
        } catch StoreError.schemaBehind {
            store = try PairsmithStore.openExisting(url: url)
        }
        let facts = try await read(store: store, shortName: shortName, sha256: sha256)
        try store.close()
        return facts
    }

    static func read(store: PairsmithStore, shortName: String, sha256: String) async throws -> DatabaseFacts {
        let runs = try await store.runs()
        var counts: [String: RunCounts] = [:]
        for run in runs { counts[run.id] = try await store.counts(run: run.id) }
        let shards = Dictionary(try await store.shards().map { ($0.run, $0) }, uniquingKeysWith: { a, _ in a })
        return DatabaseFacts(
            path: store.path, shortName: shortName,
            sha256: sha256, runs: runs, shards: shards,
            personas: try await store.personaFingerprints(), counts: counts,
            documentCount: try await store.counts(run: "").documents)
    }
}

/// Why `pairsmith merge` refuses.
public enum ShardMergeError: Error, CustomStringConvertible, Sendable, Hashable {
    /// No shard was given.
    case noShards
    /// A shard database is missing.
    case missingShard(path: String)
    /// The target is also given as a shard.
    case targetAmongSources(path: String)
    /// Two databases were made from different pipeline files.
    case differentPipelines(first: String, other: String, difference: String)
    /// Two databases hold different persona libraries.
    case differentPersonas(first: String, firstFiles: String, other: String, otherFiles: String, difference: String)
    /// Two databases hold overlapping shards of a run.
    case overlap(first: String, firstSpec: String, other: String, otherSpec: String, run: String)

    public var description: String {
        switch self {
        case .noShards: "give at least one shard database to merge"
        case .missingShard(let path): "the shard database \(path) does not exist; check the path (or run the shard first)"
        case .targetAmongSources(let path): "\(path) is both a shard and the --into database; name another --into file"
        case .differentPipelines(let first, let other, let difference):
            "\(other) was made with a different pipeline file than \(first): \(difference). Merge shards of one "
                + "pipeline file, or pass --allow-different-pipelines to merge them anyway."
        case .differentPersonas(let first, let firstFiles, let other, let otherFiles, let difference):
            "\(other) holds a different persona library than \(first): \(other) has \(difference) "
                + "(personas from \(otherFiles) vs \(firstFiles)). Run every shard with the same --personas file, or "
                + "pass --allow-different-personas to merge them anyway."
        case .overlap(let first, let firstSpec, let other, let otherSpec, let run):
            "\(other) holds \(otherSpec) of run \(run) and \(first) holds \(firstSpec): their passages overlap. Merge "
                + "the shards of one split (i/n with one n, each i once), or pass --allow-overlap to merge them anyway "
                + "(rows already merged win)."
        }
    }
}
