import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// `pairsmith export` as a user runs it, on a small database written through the store's insert methods.
@Suite("pairsmith export")
struct ExportCommandTests {
    private static let configuration = """
        name: retrieval
        endpoints:
          - url: http://127.0.0.1:8080/v1
            model: Qwen/Qwen3-32B
        embedding:
          model: Qwen/Qwen3-Embedding-0.6B
          query_instruction: Given a question, retrieve passages that answer it
        """

    /// A database with one run of three passages (one pair each), scored, and — when `select` — an SFT selection of
    /// two of them; the first selected pair has two negatives (three asked for).
    private static func database(_ url: URL, select: Bool = true) async throws {
        let store = try PairsmithStore(url: url)
        let time = Self.time
        _ = try await store.beginRun(
            RunRecord(
                id: "retrieval", pipelinePath: "pipelines/retrieval.yaml", pipelineSHA256: "abc", configuration: configuration,
                pairsmithVersion: "0.1.0", createdAt: time, updatedAt: time))
        let keys = ["c-doc", "a-doc", "b-doc"]
        let documents = try await store.insertDocuments(
            keys.enumerated().map { index, key in
                DocumentRecord(
                    key: key, sourceFile: "corpus.jsonl", sourceLine: nil, text: "Passage \(key) with \"quotes\".", lang: "en",
                    langSource: "given", contentHash: "hash-\(index)")
            })
        #expect(documents == [.inserted(id: 1), .inserted(id: 2), .inserted(id: 3)])
        let pairs = try await store.insertExamples(
            keys.enumerated().map { index, key in
                ExampleRecord(
                    run: "retrieval", documentID: Int64(index + 1), sample: 0, task: "retrieval", anchor: "what is \(key)?",
                    anchorInstruction: nil, anchorLanguage: "en", positiveLanguage: "en", lengthWords: 3, requestHash: nil, createdAt: time)
            })
        #expect(pairs == [1, 2, 3])
        try await store.storeScores(
            zip(pairs, [0.9, 0.8, 0.2]).map { ScoreRecord(pairID: $0, model: "emb", cosine: $1, createdAt: time) }, vectors: [])
        try await store.storeNegatives(
            searches: [
                NegativeSearchRecord(
                    pairID: 2, model: "emb", requested: 3, found: 2, rankFrom: 1, rankTo: 50, guardFactor: 0.95, createdAt: time)
            ],
            negatives: [
                NegativeRecord(pairID: 2, documentID: 3, rank: 0, score: 0.5), NegativeRecord(pairID: 2, documentID: 1, rank: 1, score: 0.4),
            ])
        guard select else { return }
        _ = try await store.insertSelection(
            SelectionRecord(
                run: "retrieval", set: .sft, model: "emb", parameters: #"{"threshold":0.7}"#, low: 0.7, high: nil, records: 2,
                createdAt: time),
            pairIDs: [1, 2])
    }

    /// 2026-11-22 10:00:00 UTC, the fixture's every time.
    private static let time = Date(timeIntervalSince1970: 1_795_341_600)

    private func pairsmith(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["export"] + arguments)
    }

    private func checked(_ folder: URL) throws -> [String: Any] {
        let python = try TestEnvironment.requirePython()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/check-export.py")
        let result = try ProcessRunner.run(python, [script.path, folder.path])
        #expect(result.status == 0, "check-export.py: \(result.stderr)")
        return try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
    }

    @Test("exports each format; the independent reader accepts it; the rows are the selection in key order")
    func exportsEveryFormat() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-cli")
        defer { directory.remove() }
        let db = directory.file("db.sqlite")
        try await Self.database(db)
        // sentence-transformers needs the same columns in every row: --negatives 0 keeps both pairs (anchor,
        // positive); its default (2 columns, the most any pair has) leaves c-doc out, as checked below.
        let formats = [["flagembedding"], ["sentence-transformers", "--negatives", "0"], ["ms-swift"], ["ms-swift", "--ms-swift-messages"]]
        for (index, format) in formats.enumerated() {
            let out = directory.file("out-\(index)")
            let result = try pairsmith(
                ["--db", db.path, "--out", out.path, "--set", "sft", "--shard-size", "1", "--format"] + format)
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stdoutText.contains("exported 2 sft row(s)"))
            #expect(result.stdoutText.contains("1 row(s) with fewer negatives than requested"))
            let export = try checked(out)
            let rows = export["rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["query"] as? String ?? "" } == ["what is a-doc?", "what is c-doc?"])
            #expect(rows.map { ($0["negatives"] as? [String])?.count ?? -1 } == (index == 1 ? [0, 0] : [2, 0]))
            let manifest = export["manifest"] as? [String: Any] ?? [:]
            #expect((manifest["counts"] as? [String: Any])?["rows_with_fewer_negatives_than_requested"] as? Int == 1)
            #expect((manifest["counts"] as? [String: Any])?["shards"] as? Int == 2)
        }
        let fixed = directory.file("out-st")
        let result = try pairsmith(["--db", db.path, "--out", fixed.path, "--set", "sft", "--format", "sentence-transformers"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("exported 1 sft row(s)") && result.stdoutText.contains("1 pair(s) with fewer negatives left out"))
        let rows = try checked(fixed)["rows"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["keys"] as? [String] ?? [] } == [["anchor", "positive", "negative_1", "negative_2"]])
        let store = try PairsmithStore.openExisting(url: db)
        #expect(try await store.exports().count == 5)
    }

    @Test("several formats with --split: a subfolder per format, a folder per split, cards, the reader accepts them all")
    func severalFormatsWithSplits() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-cli")
        defer { directory.remove() }
        let db = directory.file("db.sqlite")
        try await Self.database(db)
        let out = directory.file("out")
        let result = try pairsmith(
            [
                "--db", db.path, "--out", out.path, "--set", "sft", "--format", "flagembedding,cross-encoder,ms-swift-reranker,beir",
                "--split", "train=0.5,validation=0.5", "--seed", "3",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.components(separatedBy: "exported ").count - 1 == 4)
        #expect(result.stdoutText.contains("as BEIR") && result.stdoutText.contains("splits train: 1 example(s)"))
        let python = try TestEnvironment.requirePython()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/check-export.py")
        let checked = try ProcessRunner.run(python, [script.path, out.path])
        #expect(checked.status == 0, "check-export.py: \(checked.stderr)")
        let formats = (try JSONSerialization.jsonObject(with: checked.stdout) as? [String: Any])?["formats"] as? [String: Any] ?? [:]
        #expect(formats.keys.sorted() == ["beir", "cross-encoder", "flagembedding", "ms-swift-reranker"])
        for name in [
            "README.md", "flagembedding/README.md", "flagembedding/train/part-00000.jsonl", "flagembedding/validation/part-00000.jsonl",
            "beir/qrels/validation.tsv", "beir/corpus.jsonl",
        ] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) is missing")
        }
        let store = try PairsmithStore.openExisting(url: db)
        #expect(try await store.exports().map(\.format) == ["flagembedding", "cross-encoder", "ms-swift-reranker", "beir"])
    }

    @Test("an existing folder is refused without --overwrite and replaced with it")
    func overwrite() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-cli")
        defer { directory.remove() }
        let db = directory.file("db.sqlite")
        try await Self.database(db)
        let out = directory.file("out")
        let arguments = ["--db", db.path, "--out", out.path, "--format", "flagembedding", "--set", "sft"]
        #expect(try pairsmith(arguments).status == 0)
        let first = try Data(contentsOf: out.appendingPathComponent("part-00000.jsonl"))
        let refused = try pairsmith(arguments)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already exists") && refused.stderr.contains("--overwrite"))
        let replaced = try pairsmith(arguments + ["--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("part-00000.jsonl")) == first)
    }

    @Test("no selection yet: exit 1 with a message that says what to run")
    func noSelection() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-cli")
        defer { directory.remove() }
        let db = directory.file("db.sqlite")
        try await Self.database(db, select: false)
        let result = try pairsmith(["--db", db.path, "--out", directory.file("out").path, "--format", "flagembedding", "--set", "sft"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no sft selection yet") && result.stderr.contains("pairsmith select"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("out").path))
    }

    @Test(
        "usage errors exit 64 and name the option",
        arguments: [
            (["--format", "jsonl", "--set", "sft"], "unknown format"),
            (["--format", "flagembedding", "--set", "gold"], "unknown set"),
            (["--format", "flagembedding", "--set", "sft", "--shard-size", "0"], "--shard-size must be at least 1"),
            (["--format", "flagembedding", "--set", "sft", "--ms-swift-messages"], "--ms-swift-messages goes with --format ms-swift"),
            (["--set", "sft"], "--format"),
            (["--format", "flagembedding,flagembedding", "--set", "sft"], "--format names flagembedding twice"),
            (["--format", "flagembedding,jsonl", "--set", "sft"], "unknown format \"jsonl\""),
            (["--format", "flagembedding", "--set", "sft", "--cross-encoder-layout", "labeled-list"], "goes with --format cross-encoder"),
            (["--format", "cross-encoder", "--set", "sft", "--cross-encoder-layout", "grid"], "unknown --cross-encoder-layout"),
            (["--format", "beir", "--set", "sft", "--split", "train=2.0"], "above 0 and at most 1"),
            (["--format", "beir", "--set", "sft", "--split", "train=0.5,test=10"], "not both"),
        ])
    func usageErrors(arguments: [String], message: String) throws {
        let result = try pairsmith(["--db", "/nonexistent/db.sqlite", "--out", "/tmp/pairsmith-never"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("after a real run and select: SFT rows are exactly the non-duplicate pairs above the bound, as SQLite says")
    func afterRun() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-cli-run")
        defer { directory.remove() }
        let workspace = try RunCommandTests.workspace(directory, passages: 5)
        let db = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let run = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try RunCommandTests.runArguments(workspace, database: db, endpoint: endpoint))
            #expect(run.status == 0, "\(run.stderr)")
        }
        let select = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable, ["select", "--db", db.path, "--low-percentile", "40"])
        #expect(select.status == 0, "\(select.stderr)")
        let out = directory.file("sft")
        let export = try pairsmith(["--db", db.path, "--out", out.path, "--format", "flagembedding", "--set", "sft"])
        #expect(export.status == 0, "\(export.stderr)")
        let rows = (try checked(out)["rows"] as? [[String: Any]] ?? []).map { row in
            [row["query"] as? String ?? "", row["positive"] as? String ?? ""]
        }
        // The expected rows straight from SQLite with Python: pairs of the run scored above the newest SFT selection's
        // bounds under its model, not recorded as duplicates, ordered by document key then sample.
        let expected = try ProcessRunner.python(
            """
            import json, sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            model, low, high = con.execute(
                "SELECT model, low, high FROM selections WHERE \\"set\\" = 'sft' ORDER BY id DESC LIMIT 1").fetchone()
            rows = con.execute(
                "SELECT p.anchor, d.text, d.key, p.sample, s.cosine FROM examples p JOIN documents d ON d.id = p.document_id "
                "JOIN scores s ON s.pair_id = p.id AND s.model = ? "
                "WHERE p.id NOT IN (SELECT pair_id FROM duplicates)", (model,)).fetchall()
            keep = [r for r in rows if (low is None or r[4] > low) and (high is None or r[4] <= high)]
            keep.sort(key=lambda r: (r[2].encode('utf-8'), r[3]))
            print(json.dumps([[r[0], r[1]] for r in keep]))
            """, arguments: [db.path])
        let expectedRows = try JSONSerialization.jsonObject(with: expected) as? [[String]] ?? []
        #expect(!expectedRows.isEmpty)
        #expect(rows == expectedRows)
    }

    @Test("kill -9 while the shards are being written: no output folder; the next export succeeds")
    func killWhileWriting() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-cli-kill")
        defer { directory.remove() }
        let db = directory.file("db.sqlite")
        try await Self.database(db, select: false)
        let store = try PairsmithStore.openExisting(url: db)
        let rows = 20_000
        let passage = String(repeating: "a long passage about tides and ferries ", count: 20)
        let documents = try await store.insertDocuments(
            (0..<rows).map { index in
                DocumentRecord(
                    key: "bulk-\(index)", sourceFile: "c", sourceLine: nil, text: "\(passage) \(index)", lang: "en",
                    langSource: "given", contentHash: "bulk-hash-\(index)")
            })
        let documentIDs = documents.compactMap { outcome -> Int64? in
            if case .inserted(let id) = outcome { return id }
            return nil
        }
        #expect(documentIDs.count == rows)
        let pairIDs = try await store.insertExamples(
            documentIDs.enumerated().map { index, documentID in
                ExampleRecord(
                    run: "retrieval", documentID: documentID, sample: 0, task: "retrieval", anchor: "query \(index)",
                    anchorInstruction: nil, anchorLanguage: "en", positiveLanguage: "en", lengthWords: 3, requestHash: nil, createdAt: Self.time)
            })
        _ = try await store.insertSelection(
            SelectionRecord(
                run: "retrieval", set: .weak, model: "emb", parameters: "{}", low: nil, high: nil, records: rows,
                createdAt: Self.time),
            pairIDs: pairIDs)
        let out = directory.file("out")
        let arguments = ["export", "--db", db.path, "--out", out.path, "--format", "ms-swift", "--set", "weak", "--shard-size", "50"]
        let process = Process()
        process.executableURL = TestEnvironment.pairsmithExecutable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill once the staging folder holds a few shards (polling; the export of 20,000 rows takes far longer).
        var staged: URL?
        for _ in 0..<6_000 where staged == nil {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.url.path)) ?? []
            if let name = names.first(where: { $0.hasPrefix(".out.partial-") }) {
                let folder = directory.file(name)
                if ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).count >= 3 { staged = folder }
            }
            if staged == nil { try await Task.sleep(for: .milliseconds(5)) }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(staged != nil, "the export never staged three shards")
        #expect(process.terminationReason == .uncaughtSignal, "the export finished before it was killed")
        #expect(!FileManager.default.fileExists(atPath: out.path), "a killed export left an output folder")

        let again = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdoutText.contains("exported \(rows) weak row(s)"))
        _ = try checked(out)
    }

    @Test("a missing database is named")
    func missingDatabase() throws {
        let result = try pairsmith(["--db", "/nonexistent/db.sqlite", "--out", "/tmp/x", "--format", "ms-swift", "--set", "weak"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/db.sqlite"))
    }
}
