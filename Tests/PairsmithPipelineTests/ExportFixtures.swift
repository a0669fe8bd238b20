import Foundation
import PairsmithStore
import PairsmithTestSupport
import PairsmithText

/// A database holding documents, pairs, scores, selections and hard negatives written with plain SQL, together
/// with the plain-Swift model it was built from: the expected export is computed from the model, never from the
/// exporter.
struct ExportFixture {
    /// One passage.
    struct Document: Hashable {
        var key: String
        var text: String
    }

    /// One pair with its score and negatives (document keys, in rank order).
    struct Pair: Hashable {
        var documentKey: String
        var sample: Int
        var query: String
        var cosine: Double
        var negatives: [String]
        /// The search's K, or nil when no search was recorded.
        var requested: Int?
    }

    /// A row as every format carries it: the raw query, the positive passage, the negative passages in order.
    struct Row: Hashable, CustomStringConvertible {
        var query: String
        var positive: String
        var negatives: [String]
        var description: String { "(\(query.debugDescription) → \(negatives.count) negatives)" }
    }

    static let run = "retrieval"
    static let model = "Qwen/Qwen3-Embedding-0.6B"
    static let instruction = "Given a web search query, retrieve relevant passages that answer the query"
    static let threshold = 0.7
    static let pipelinePath = "/pipelines/retrieval.yaml"
    static let configuration = """
        name: retrieval
        endpoints:
          - url: http://127.0.0.1:8080/v1
            model: Qwen/Qwen3-32B
          - url: http://127.0.0.1:8081/v1
            model: Qwen/Qwen3-8B
        embedding:
          model: Qwen/Qwen3-Embedding-0.6B
          query_instruction: \(instruction)
        selection:
          threshold: 0.7
        """

    var documents: [Document]
    var pairs: [Pair]

    /// `documents` passages with `samples` pairs each; texts exercise JSON escaping (quotes, backslashes, newlines,
    /// tabs, control characters, non-ASCII, U+2028); cosines alternate around the threshold; negatives vary from
    /// none to K = 3, some searches found fewer than asked, some pairs have no search at all.
    init(documents count: Int, samples: Int = 2) {
        let specials = ["plain", "\"quoted\" \\ back", "line\nbreak\ttab", "ctrl \u{01}\u{1F}", "Größe 東京 🚀", "sep \u{2028} end"]
        let made = (0..<count).map { index in
            // Keys whose insertion order is not their sorted order (and one non-ASCII key).
            let key = index % 7 == 3 ? "é-doc-\(index)" : "doc-\((index * 37) % 1000)-\(index)"
            return Document(key: key, text: "Passage \(index): \(specials[index % specials.count]).")
        }
        documents = made
        var pairs: [Pair] = []
        for (index, document) in made.enumerated() {
            for sample in (0..<samples).reversed() {
                let ordinal = index * samples + sample
                let negatives = (0..<(ordinal % 4)).map { step in made[(index + step + 1) % count].key }
                    .filter { $0 != document.key }
                pairs.append(
                    Pair(
                        documentKey: document.key, sample: sample,
                        query: "query \(ordinal) \(specials[(ordinal + 1) % specials.count])",
                        cosine: ordinal % 3 == 0 ? 0.55 + Double(ordinal % 10) / 1000 : 0.71 + Double(ordinal % 20) / 100,
                        negatives: negatives, requested: ordinal % 5 == 4 ? nil : 3))
            }
        }
        self.pairs = pairs
    }

    /// The pairs of the newest SFT selection (cosine above the threshold).
    var sftPairs: [Pair] { pairs.filter { $0.cosine > Self.threshold } }

    /// The expected rows of `pairs`, in export order: document key bytewise, then sample.
    func expectedRows(_ pairs: [Pair]) -> [Row] {
        let text = Dictionary(uniqueKeysWithValues: documents.map { ($0.key, $0.text) })
        return pairs.sorted { a, b in
            if a.documentKey != b.documentKey { return Array(a.documentKey.utf8).lexicographicallyPrecedes(Array(b.documentKey.utf8)) }
            return a.sample < b.sample
        }.map { pair in
            Row(query: pair.query, positive: text[pair.documentKey] ?? "", negatives: pair.negatives.map { text[$0] ?? "" })
        }
    }

    /// Rows whose search found fewer negatives than it asked for.
    func shortRows(_ pairs: [Pair]) -> Int {
        pairs.filter { pair in pair.requested.map { pair.negatives.count < $0 } ?? false }.count
    }

    /// Writes the fixture into a new database at `url` (documents and pairs inserted in `reversed` order when asked,
    /// to show that insertion order does not leak into exports). Selections: an older SFT selection of every pair,
    /// the newest SFT selection of the pairs above the threshold, and a weak selection of every pair.
    @discardableResult
    func write(to url: URL, reversed: Bool = false, withSelections: Bool = true) async throws -> PairsmithStore {
        let store = try PairsmithStore(url: url)
        let documents = reversed ? Array(self.documents.reversed()) : self.documents
        let pairs = reversed ? Array(self.pairs.reversed()) : self.pairs
        let sftKeys = Set(sftPairs.map { "\($0.documentKey)/\($0.sample)" })
        let ids = try await store.pool.write { db in
            let time = "2026-11-22 10:00:00.000"
            try db.execute(
                sql: """
                    INSERT INTO runs (id, pipeline_path, pipeline_sha256, configuration, pairsmith_version, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [Self.run, Self.pipelinePath, ContentHash.sha256(Self.configuration), Self.configuration, "0.1.0", time, time])
            var documentIDs: [String: Int64] = [:]
            for (index, document) in documents.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO documents (key, source_file, source_line, text, lang, lang_source, content_hash)
                        VALUES (?, 'corpus.jsonl', ?, ?, 'en', 'given', ?)
                        """,
                    arguments: [document.key, index + 1, document.text, ContentHash.sha256(document.text)])
                documentIDs[document.key] = db.lastInsertedRowID
            }
            var pairIDs: [String: Int64] = [:]
            for pair in pairs {
                let documentID = documentIDs[pair.documentKey] ?? 0
                try db.execute(
                    sql: """
                        INSERT INTO pairs (run, document_id, sample, query, query_language, document_language, length_words, created_at)
                        VALUES (?, ?, ?, ?, 'en', 'en', 4, ?)
                        """,
                    arguments: [Self.run, documentID, pair.sample, pair.query, time])
                let pairID = db.lastInsertedRowID
                pairIDs["\(pair.documentKey)/\(pair.sample)"] = pairID
                try db.execute(
                    sql: "INSERT INTO scores (pair_id, model, cosine, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [pairID, Self.model, pair.cosine, time])
                for (rank, key) in pair.negatives.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO negatives (pair_id, document_id, rank, score) VALUES (?, ?, ?, ?)",
                        arguments: [pairID, documentIDs[key] ?? 0, rank, 0.5 - Double(rank) / 100])
                }
                if let requested = pair.requested {
                    try db.execute(
                        sql: """
                            INSERT INTO negative_searches (pair_id, model, requested, found, rank_from, rank_to, "guard", created_at)
                            VALUES (?, ?, ?, ?, 1, 100, 0.95, ?)
                            """,
                        arguments: [pairID, Self.model, requested, pair.negatives.count, time])
                }
            }
            return pairIDs
        }
        guard withSelections else { return store }
        let all = pairs.compactMap { ids["\($0.documentKey)/\($0.sample)"] }
        let sft = pairs.filter { sftKeys.contains("\($0.documentKey)/\($0.sample)") }
            .compactMap { ids["\($0.documentKey)/\($0.sample)"] }
        try await Self.insertSelection(store, set: "sft", low: nil, pairIDs: all, time: "2026-11-22 10:01:00.000")
        try await Self.insertSelection(store, set: "sft", low: Self.threshold, pairIDs: sft, time: "2026-11-22 10:02:00.000")
        try await Self.insertSelection(store, set: "weak", low: nil, pairIDs: all, time: "2026-11-22 10:02:00.000")
        return store
    }

    /// Inserts a selection of `pairIDs` into run `run` (an empty list makes an empty selection).
    static func insertSelection(
        _ store: PairsmithStore, run: String = ExportFixture.run, set: String, low: Double?, pairIDs: [Int64], time: String
    ) async throws {
        let parameters = low.map { "{\"asked\":{\"threshold\":\($0)},\"resolved\":{\"low\":\($0)}}" } ?? "{\"asked\":{},\"resolved\":{}}"
        try await store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO selections (run, "set", model, parameters, low, high, records, created_at)
                    VALUES (?, ?, ?, ?, ?, NULL, ?, ?)
                    """,
                arguments: [run, set, model, parameters, low, pairIDs.count, time])
            let selectionID = db.lastInsertedRowID
            for pairID in pairIDs {
                try db.execute(sql: "INSERT INTO selected_pairs (selection_id, pair_id) VALUES (?, ?)", arguments: [selectionID, pairID])
            }
        }
    }
}

/// What scripts/check-export.py read back from an export folder.
struct CheckedExport {
    /// The manifest as Python's json module parsed it.
    var manifest: [String: Any]
    /// The rows, normalised.
    var rows: [ExportFixture.Row]
    /// Each row's keys, in file order.
    var keys: [[String]]
    /// Each FlagEmbedding row's metadata (empty for other formats).
    var metadata: [[String: Any]]

    /// Runs the independent reader on `folder`; throws with its message when it finds a violation.
    static func read(_ folder: URL) throws -> CheckedExport {
        let python = try TestEnvironment.requirePython()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/check-export.py")
        let result = try ProcessRunner.run(python, [script.path, folder.path])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "check-export.py \(folder.path)", status: result.status, stderr: result.stderr)
        }
        guard let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
            let manifest = object["manifest"] as? [String: Any], let rows = object["rows"] as? [[String: Any]]
        else { throw TestSupportError.missingPrerequisite("check-export.py printed no manifest and rows") }
        return CheckedExport(
            manifest: manifest,
            rows: rows.map { row in
                ExportFixture.Row(
                    query: row["query"] as? String ?? "?", positive: row["positive"] as? String ?? "?",
                    negatives: row["negatives"] as? [String] ?? ["?"])
            },
            keys: rows.map { $0["keys"] as? [String] ?? [] },
            metadata: rows.compactMap { $0["meta"] as? [String: Any] })
    }

    /// A member of the manifest by path, e.g. `value("counts", "rows")`.
    func value(_ path: String...) -> Any? {
        var current: Any? = manifest
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }
}

/// Every regular file under `folder` by name, with its bytes.
func folderContents(_ folder: URL) throws -> [String: Data] {
    var contents: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
        contents[name] = try Data(contentsOf: folder.appendingPathComponent(name))
    }
    return contents
}
