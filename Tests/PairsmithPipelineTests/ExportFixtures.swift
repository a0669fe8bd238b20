import Foundation
import PairsmithStore
import PairsmithTestSupport
import PairsmithText

/// A database holding documents, pairs, scores, selections and hard negatives written through the store's insert
/// methods (with fixed times), together with the plain-Swift model it was built from: the expected export is computed
/// from the model, never from the exporter.
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
        /// A generated positive (stored on the example), or nil: the passage.
        var generatedPositive: String? = nil
        /// Generated negatives (stored on the example), before the mined ones.
        var generatedNegatives: [String] = []
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
    /// none to K = 3, some searches found fewer than asked, some pairs have no search at all. `chunked`: keys are
    /// chunks `book-N#k` of documents of three passages; `generated`: every fourth pair has a generated positive and
    /// one generated negative.
    init(documents count: Int, samples: Int = 2, chunked: Bool = false, generated: Bool = false) {
        let specials = ["plain", "\"quoted\" \\ back", "line\nbreak\ttab", "ctrl \u{01}\u{1F}", "Größe 東京 🚀", "sep \u{2028} end"]
        let made = (0..<count).map { index in
            // Keys whose insertion order is not their sorted order (and one non-ASCII key).
            let key =
                chunked
                ? "book-\((index / 3 * 7) % 50)-\(index / 3)#\(index % 3)"
                : index % 7 == 3 ? "é-doc-\(index)" : "doc-\((index * 37) % 1000)-\(index)"
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
                        negatives: negatives, requested: ordinal % 5 == 4 ? nil : 3,
                        generatedPositive: generated && ordinal % 4 == 1 ? "generated positive \(ordinal)" : nil,
                        generatedNegatives: generated && ordinal % 4 == 1 ? ["generated negative \(ordinal)"] : []))
            }
        }
        self.pairs = pairs
    }

    /// The pairs of the newest SFT selection (cosine above the threshold).
    var sftPairs: [Pair] { pairs.filter { $0.cosine > Self.threshold } }

    /// `pairs` in export order: document key bytewise, then sample.
    func ordered(_ pairs: [Pair]) -> [Pair] {
        pairs.sorted { a, b in
            if a.documentKey != b.documentKey { return Array(a.documentKey.utf8).lexicographicallyPrecedes(Array(b.documentKey.utf8)) }
            return a.sample < b.sample
        }
    }

    /// The expected rows of `pairs`, in export order: document key bytewise, then sample.
    func expectedRows(_ pairs: [Pair]) -> [Row] {
        let text = Dictionary(uniqueKeysWithValues: documents.map { ($0.key, $0.text) })
        return ordered(pairs).map { pair in
            Row(
                query: pair.query, positive: pair.generatedPositive ?? text[pair.documentKey] ?? "",
                negatives: pair.generatedNegatives + pair.negatives.map { text[$0] ?? "" })
        }
    }

    /// Rows whose search found fewer negatives than it asked for.
    func shortRows(_ pairs: [Pair]) -> Int {
        pairs.filter { pair in pair.requested.map { pair.negatives.count < $0 } ?? false }.count
    }

    /// Writes the fixture into a new database at `url`; see ``write(into:reversed:withSelections:)``.
    @discardableResult
    func write(to url: URL, reversed: Bool = false, withSelections: Bool = true) async throws -> PairsmithStore {
        try await write(into: try PairsmithStore(url: url), reversed: reversed, withSelections: withSelections)
    }

    /// Writes the fixture into `store`, an empty database (documents and pairs inserted in `reversed` order when
    /// asked, to show that insertion order does not leak into exports). Selections: an older SFT selection of every
    /// pair, the newest SFT selection of the pairs above the threshold, and a weak selection of every pair.
    @discardableResult
    func write(into store: PairsmithStore, reversed: Bool = false, withSelections: Bool = true) async throws -> PairsmithStore {
        let documents = reversed ? Array(self.documents.reversed()) : self.documents
        let pairs = reversed ? Array(self.pairs.reversed()) : self.pairs
        let sftKeys = Set(sftPairs.map { "\($0.documentKey)/\($0.sample)" })
        let time = try Self.date("2026-11-22 10:00:00.000")
        _ = try await store.beginRun(
            RunRecord(
                id: Self.run, pipelinePath: Self.pipelinePath, pipelineSHA256: ContentHash.sha256(Self.configuration),
                configuration: Self.configuration, pairsmithVersion: "0.1.0", createdAt: time, updatedAt: time))
        let outcomes = try await store.insertDocuments(
            documents.enumerated().map { index, document in
                DocumentRecord(
                    key: document.key, sourceFile: "corpus.jsonl", sourceLine: index + 1, text: document.text, lang: "en",
                    langSource: "given", contentHash: ContentHash.sha256(document.text))
            })
        var documentIDs: [String: Int64] = [:]
        for (document, outcome) in zip(documents, outcomes) {
            guard case .inserted(let id) = outcome else { throw FixtureFault(what: "document \(document.key): \(outcome)") }
            documentIDs[document.key] = id
        }
        let pairIDs = try await store.insertExamples(
            try pairs.map { pair in
                ExampleRecord(
                    run: Self.run, documentID: documentIDs[pair.documentKey] ?? 0, sample: pair.sample, task: "retrieval",
                    anchor: pair.query, positive: pair.generatedPositive,
                    negatives: pair.generatedNegatives.isEmpty
                        ? nil : String(decoding: try JSONEncoder().encode(pair.generatedNegatives), as: UTF8.self),
                    anchorInstruction: nil, anchorLanguage: "en", positiveLanguage: "en", lengthWords: 4, requestHash: nil,
                    createdAt: time)
            })
        var ids: [String: Int64] = [:]
        var scores: [ScoreRecord] = []
        var searches: [NegativeSearchRecord] = []
        var negatives: [NegativeRecord] = []
        for (pair, pairID) in zip(pairs, pairIDs) {
            ids["\(pair.documentKey)/\(pair.sample)"] = pairID
            scores.append(ScoreRecord(pairID: pairID, model: Self.model, cosine: pair.cosine, createdAt: time))
            for (rank, key) in pair.negatives.enumerated() {
                negatives.append(
                    NegativeRecord(pairID: pairID, documentID: documentIDs[key] ?? 0, rank: rank, score: 0.5 - Double(rank) / 100))
            }
            if let requested = pair.requested {
                searches.append(
                    NegativeSearchRecord(
                        pairID: pairID, model: Self.model, requested: requested, found: pair.negatives.count, rankFrom: 1,
                        rankTo: 100, guardFactor: 0.95, createdAt: time))
            }
        }
        try await store.storeScores(scores, vectors: [])
        try await store.storeNegatives(searches: searches, negatives: negatives)
        guard withSelections else { return store }
        let all = pairs.compactMap { ids["\($0.documentKey)/\($0.sample)"] }
        let sft = pairs.filter { sftKeys.contains("\($0.documentKey)/\($0.sample)") }
            .compactMap { ids["\($0.documentKey)/\($0.sample)"] }
        try await Self.insertSelection(store, set: "sft", low: nil, pairIDs: all, time: "2026-11-22 10:01:00.000")
        try await Self.insertSelection(store, set: "sft", low: Self.threshold, pairIDs: sft, time: "2026-11-22 10:02:00.000")
        try await Self.insertSelection(store, set: "weak", low: nil, pairIDs: all, time: "2026-11-22 10:02:00.000")
        return store
    }

    /// Inserts a selection of `pairIDs` into run `run` (an empty list makes an empty selection), made at `time`
    /// (as the database stores times: `yyyy-MM-dd HH:mm:ss.SSS`, UTC).
    static func insertSelection(
        _ store: PairsmithStore, run: String = ExportFixture.run, set: String, low: Double?, pairIDs: [Int64], time: String
    ) async throws {
        let parameters = low.map { "{\"asked\":{\"threshold\":\($0)},\"resolved\":{\"low\":\($0)}}" } ?? "{\"asked\":{},\"resolved\":{}}"
        guard let trainingSet = SelectionRecord.TrainingSet(rawValue: set) else { throw FixtureFault(what: "set \(set)") }
        _ = try await store.insertSelection(
            SelectionRecord(
                run: run, set: trainingSet, model: model, parameters: parameters, low: low, high: nil, records: pairIDs.count,
                createdAt: try date(time)),
            pairIDs: pairIDs)
    }

    /// The instant a database time text (`yyyy-MM-dd HH:mm:ss.SSS`, UTC) names.
    static func date(_ text: String) throws -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        guard let date = formatter.date(from: text) else { throw FixtureFault(what: "time \(text)") }
        return date
    }
}

/// A fixture that could not be written as planned.
struct FixtureFault: Error, CustomStringConvertible {
    var what: String
    var description: String { "the export fixture could not be written: \(what)" }
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
    /// Each row's split (nil without `--split`).
    var splits: [String?] = []
    /// BEIR: corpus and query counts and judgements per split, as the reader counted them.
    var beir: [String: Any]? = nil

    /// Runs the independent reader on `folder`; throws with its message when it finds a violation.
    static func read(_ folder: URL) throws -> CheckedExport {
        try parse(try run(folder))
    }

    /// Runs the reader on a folder written with several formats; the export of each, by format name.
    static func readFormats(_ folder: URL) throws -> [String: CheckedExport] {
        guard let formats = try run(folder)["formats"] as? [String: [String: Any]] else {
            throw TestSupportError.missingPrerequisite("check-export.py printed no formats for \(folder.path)")
        }
        return try formats.mapValues(parse)
    }

    /// The reader's JSON for `folder`.
    private static func run(_ folder: URL) throws -> [String: Any] {
        let python = try TestEnvironment.requirePython()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/check-export.py")
        let result = try ProcessRunner.run(python, [script.path, folder.path])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "check-export.py \(folder.path)", status: result.status, stderr: result.stderr)
        }
        guard let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else {
            throw TestSupportError.missingPrerequisite("check-export.py printed no JSON object")
        }
        return object
    }

    private static func parse(_ object: [String: Any]) throws -> CheckedExport {
        guard let manifest = object["manifest"] as? [String: Any], let rows = object["rows"] as? [[String: Any]]
        else { throw TestSupportError.missingPrerequisite("check-export.py printed no manifest and rows") }
        return CheckedExport(
            manifest: manifest,
            rows: rows.map { row in
                ExportFixture.Row(
                    query: row["query"] as? String ?? "?", positive: row["positive"] as? String ?? "?",
                    negatives: row["negatives"] as? [String] ?? ["?"])
            },
            keys: rows.map { $0["keys"] as? [String] ?? [] },
            metadata: rows.compactMap { $0["meta"] as? [String: Any] },
            splits: rows.map { $0["split"] as? String },
            beir: object["beir"] as? [String: Any])
    }

    /// A member of the manifest by path, e.g. `value("counts", "rows")`.
    func value(_ path: String...) -> Any? {
        var current: Any? = manifest
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }
}

/// Every regular file under `folder` (its subfolders too) by relative path, with its bytes.
func folderContents(_ folder: URL) throws -> [String: Data] {
    var contents: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
        let url = folder.appendingPathComponent(name)
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        if isFolder.boolValue {
            for (inner, data) in try folderContents(url) { contents["\(name)/\(inner)"] = data }
        } else {
            contents[name] = try Data(contentsOf: url)
        }
    }
    return contents
}
