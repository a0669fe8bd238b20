import Foundation
import PairsmithTestSupport
import Testing

/// A database written by the release before the structure change (schema v3, commit f909b61, made by
/// `scripts/reference/make_v3_fixture.sh`) opens, resumes and exports with today's binary.
@Suite("a schema-v3 database from the previous release", .serialized)
struct BackwardCompatibilityTests {
    /// The committed fixture: inputs, the database and the exports the old binary wrote.
    static let fixture = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/v3-retrieval")

    /// The exports the old binary wrote, as (folder name, arguments after `--out DIR`).
    static let exports: [(String, [String])] = [
        ("flagembedding-weak", ["--format", "flagembedding", "--set", "weak", "--shard-size", "7"]),
        ("flagembedding-sft", ["--format", "flagembedding", "--set", "sft", "--shard-size", "7"]),
        ("sentence-transformers-weak", ["--format", "sentence-transformers", "--set", "weak", "--shard-size", "7"]),
        ("ms-swift-sft", ["--format", "ms-swift", "--set", "sft", "--shard-size", "7"]),
        ("ms-swift-messages-weak", ["--format", "ms-swift", "--set", "weak", "--ms-swift-messages"]),
    ]

    /// A copy of the fixture's inputs and database in `directory` (the test never writes into the repository).
    static func copyFixture(into directory: TemporaryDirectory) throws -> URL {
        let root = directory.url.appendingPathComponent("v3")
        try FileManager.default.copyItem(at: fixture, to: root)
        try FileManager.default.removeItem(at: root.appendingPathComponent("export"))
        return root
    }

    /// The `pairsmith run` arguments that resume the fixture's run in `root` with `pipeline` against `endpoint`.
    static func runArguments(root: URL, pipeline: String, database: URL, endpoint: TestEndpoint) -> [String] {
        [
            "run", root.appendingPathComponent(pipeline).path,
            "--corpus", root.appendingPathComponent("corpus.jsonl").path, "--db", database.path,
            "--personas", root.appendingPathComponent("personas.jsonl").path,
            "--chat-url", endpoint.url, "--chat-model", "test-model",
            "--embedding-url", endpoint.url, "--embedding-model", "test-embed", "--concurrency", "2",
        ]
    }

    /// Row counts of the tables the LLM stages fill, read by Python's sqlite3 (not by the code under test). A v3
    /// database's `pairs` are counted as `examples` (the v5 migration renames the table); `stage_outputs` (v5) is
    /// counted as the configurations plus the pairs it was filled from.
    static func tableCounts(_ database: URL) throws -> [String: Int] {
        let script = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            names = ["documents", "personas", "vectors", "candidates", "units", "llm_calls", "configs",
                     "scores", "rejects", "duplicates", "selections", "selected_pairs", "negative_searches"]
            out = {n: c.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}
            examples = "examples" if "examples" in tables else "pairs"
            out["examples"] = c.execute(f"SELECT COUNT(*) FROM {examples}").fetchone()[0]
            if "stage_outputs" in tables:
                out["stage_outputs"] = c.execute("SELECT COUNT(*) FROM stage_outputs").fetchone()[0]
            else:
                out["stage_outputs"] = out["configs"] + out["examples"]
            print(json.dumps(out))
            """
        let output = try ProcessRunner.python(script, arguments: [database.path])
        return try JSONDecoder().decode([String: Int].self, from: output)
    }

    @Test("the repository's retrieval prompts are the ones the fixture was made with (request hashes hold)")
    func promptsUnchanged() throws {
        let shipped = TestEnvironment.packageRoot.appendingPathComponent("prompts/retrieval")
        for name in ["configure.mustache", "configure.schema.json", "generate.mustache", "generate.schema.json"] {
            let old = try Data(contentsOf: Self.fixture.appendingPathComponent("prompts/\(name)"))
            let new = try Data(contentsOf: shipped.appendingPathComponent(name))
            #expect(old == new, "prompts/retrieval/\(name) changed since the v3 fixture was made")
        }
    }

    @Test(
        "run resumes without a single request, status reads it, and every export is byte-identical",
        arguments: ["pipeline.yaml", "pipeline-declared.yaml"])
    func resumeAndExport(pipeline: String) async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-v3")
        defer { directory.remove() }
        let root = try Self.copyFixture(into: directory)
        let database = root.appendingPathComponent("run.sqlite")
        let before = try Self.tableCounts(database)
        #expect(before["examples", default: 0] > 0 && before["llm_calls", default: 0] > 0, "the fixture holds a finished run")

        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                Self.runArguments(root: root, pipeline: pipeline, database: database, endpoint: endpoint))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(endpoint.counts().requests == 0, "the resumed run sent requests: \(result.stderr)")
        }
        #expect(try Self.tableCounts(database) == before, "resuming a finished v3 run changed what is stored")

        let status = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdoutText.contains("retrieval"))

        try Self.exportAndCompare(database: database, in: directory)
    }

    @Test(
        "units a v3 run left undone are asked with byte-identical requests: every answer comes from its stored hash",
        arguments: ["pipeline.yaml", "pipeline-declared.yaml"])
    func replayUndoneUnits(pipeline: String) async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-v3-replay")
        defer { directory.remove() }
        let root = try Self.copyFixture(into: directory)
        let database = root.appendingPathComponent("run.sqlite")
        // Undo, in the v3 database, what the LLM stages stored for a third of the units (their calls stay in
        // llm_calls): configure and generate of some samples, generate alone of others; the scores go with them.
        let undo = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            pairs = c.execute("SELECT p.id, p.document_id, p.sample, p.query, d.key FROM pairs p JOIN documents d ON d.id = p.document_id ORDER BY p.id").fetchall()
            expected = {f"{key}/{sample}": query for _, _, sample, query, key in pairs}
            both = pairs[0::6]; generate_only = pairs[3::6]
            for table in ("scores", "negatives", "negative_searches", "duplicates", "selected_pairs"):
                c.execute(f"DELETE FROM {table}")
            c.execute("DELETE FROM selections")
            c.execute("DELETE FROM vectors WHERE owner_kind = 'query'")
            for pid, doc, sample, _, _ in both + generate_only:
                c.execute("DELETE FROM pairs WHERE id = ?", (pid,))
                c.execute("UPDATE units SET state = 'pending', attempts = 0 WHERE stage = 'generate' AND document_id = ? AND sample = ?", (doc, sample))
            for pid, doc, sample, _, _ in both:
                c.execute("DELETE FROM configs WHERE document_id = ? AND sample = ?", (doc, sample))
                c.execute("DELETE FROM units WHERE stage = 'generate' AND document_id = ? AND sample = ?", (doc, sample))
                c.execute("UPDATE units SET state = 'pending', attempts = 0 WHERE stage = 'configure' AND document_id = ? AND sample = ?", (doc, sample))
            c.commit()
            print(json.dumps({"expected": expected, "undone": len(both) + len(generate_only)}))
            """
        struct Undo: Decodable {
            var expected: [String: String]
            var undone: Int
        }
        let undone = try JSONDecoder().decode(Undo.self, from: ProcessRunner.python(undo, arguments: [database.path]))
        #expect(undone.undone >= 2, "the fixture has enough pairs to undo some")
        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                Self.runArguments(root: root, pipeline: pipeline, database: database, endpoint: endpoint))
            #expect(result.status == 0, "\(result.stderr)")
            let chat = endpoint.recordedRequests().filter { $0.body.contains("\"messages\"") }
            #expect(chat.isEmpty, "\(chat.count) chat requests were sent: a rendered request differs from the v3 release's")
        }
        let read = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            rows = c.execute("SELECT d.key, e.sample, e.anchor FROM examples e JOIN documents d ON d.id = e.document_id").fetchall()
            print(json.dumps({f"{k}/{s}": a for k, s, a in rows}))
            """
        let queries = try JSONDecoder().decode([String: String].self, from: ProcessRunner.python(read, arguments: [database.path]))
        #expect(queries == undone.expected, "the replayed units wrote other queries than the v3 release did")
    }

    @Test("export and status straight from the v3 database (migrated on open, no run first): the same bytes")
    func exportWithoutRun() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-v3-export")
        defer { directory.remove() }
        let root = try Self.copyFixture(into: directory)
        let database = root.appendingPathComponent("run.sqlite")
        let status = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path])
        #expect(status.status == 0 && status.stdoutText.contains("run retrieval"), "\(status.stderr)")
        try Self.exportAndCompare(database: database, in: directory)
    }

    /// Every export of ``exports`` from `database` into `directory`: the same shard files byte for byte as the v3
    /// release wrote, nothing added but the dataset card, the manifest equal beyond the pipeline path and version.
    static func exportAndCompare(database: URL, in directory: TemporaryDirectory) throws {
        for (name, arguments) in Self.exports {
            let out = directory.url.appendingPathComponent("export-\(name)")
            let result = try ProcessRunner.run(
                TestEnvironment.pairsmithExecutable, ["export", "--db", database.path, "--out", out.path] + arguments)
            #expect(result.status == 0, "export \(name): \(result.stderr)")
            let expected = Self.fixture.appendingPathComponent("export/\(name)")
            let expectedShards = try FileManager.default.contentsOfDirectory(atPath: expected.path)
                .filter { $0.hasPrefix("part-") }.sorted()
            let writtenShards = try FileManager.default.contentsOfDirectory(atPath: out.path)
                .filter { $0.hasPrefix("part-") }.sorted()
            #expect(writtenShards == expectedShards, "export \(name): shard files differ")
            // Today's export adds only the dataset card to what the v3 release wrote.
            let expectedFiles = try FileManager.default.contentsOfDirectory(atPath: expected.path).sorted()
            let writtenFiles = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            #expect(writtenFiles == (expectedFiles + ["README.md"]).sorted(), "export \(name): files beyond the card were added")
            for shard in expectedShards {
                let old = try Data(contentsOf: expected.appendingPathComponent(shard))
                let new = try Data(contentsOf: out.appendingPathComponent(shard))
                #expect(old == new, "export \(name)/\(shard) is not byte-identical to the v3 release's")
            }
            let oldManifest = try Self.comparableManifest(expected.appendingPathComponent("manifest.json"))
            let newManifest = try Self.comparableManifest(out.appendingPathComponent("manifest.json"))
            #expect(oldManifest == newManifest, "export \(name): the manifest differs beyond the pipeline path and version")
        }
    }

    /// A manifest without the fields allowed to differ between releases (the pipeline file's path and the version).
    static func comparableManifest(_ url: URL) throws -> String {
        let script = """
            import json, sys
            m = json.load(open(sys.argv[1], encoding="utf-8"))
            def strip(value):
                if isinstance(value, dict):
                    return {k: strip(v) for k, v in value.items() if k not in ("version", "pairsmith_version", "path")}
                if isinstance(value, list):
                    return [strip(v) for v in value]
                return value
            print(json.dumps(strip(m), sort_keys=True, ensure_ascii=False))
            """
        return String(decoding: try ProcessRunner.python(script, arguments: [url.path]), as: UTF8.self)
    }
}
