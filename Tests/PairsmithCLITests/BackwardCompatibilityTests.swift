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

    /// Row counts of the tables the LLM stages fill, read by Python's sqlite3 (not by the code under test); the v3
    /// `pairs` table is counted as `examples` (its name since migration v5).
    static func tableCounts(_ database: URL) throws -> [String: Int] {
        let script = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            names = ["documents", "personas", "vectors", "candidates", "units", "llm_calls", "configs", "examples",
                     "scores", "rejects", "duplicates", "selections", "selected_pairs", "negative_searches"]
            table = lambda n: "pairs" if n == "examples" and "examples" not in tables else n
            print(json.dumps({n: c.execute(f"SELECT COUNT(*) FROM {table(n)}").fetchone()[0] for n in names}))
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

    @Test("run resumes without a single request, status reads it, and every export is byte-identical")
    func resumeAndExport() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-v3")
        defer { directory.remove() }
        let root = try Self.copyFixture(into: directory)
        let database = root.appendingPathComponent("run.sqlite")
        let before = try Self.tableCounts(database)
        #expect(before["examples", default: 0] > 0 && before["llm_calls", default: 0] > 0, "the fixture holds a finished run")

        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                [
                    "run", root.appendingPathComponent("pipeline.yaml").path,
                    "--corpus", root.appendingPathComponent("corpus.jsonl").path, "--db", database.path,
                    "--personas", root.appendingPathComponent("personas.jsonl").path,
                    "--chat-url", endpoint.url, "--chat-model", "test-model",
                    "--embedding-url", endpoint.url, "--embedding-model", "test-embed", "--concurrency", "2",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(endpoint.counts().requests == 0, "the resumed run sent requests: \(result.stderr)")
        }
        #expect(try Self.tableCounts(database) == before, "resuming a finished v3 run changed what is stored")
        // The migration carried every configuration and query over as a stage output, and the run added none.
        let outputs = try ProcessRunner.python(
            """
            import sqlite3, sys
            print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM stage_outputs").fetchone()[0])
            """, arguments: [database.path])
        #expect(
            Int(String(decoding: outputs, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                == before["configs", default: 0] + before["examples", default: 0])

        let status = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdoutText.contains("retrieval"))

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
