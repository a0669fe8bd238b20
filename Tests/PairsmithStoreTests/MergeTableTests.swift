import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// What ``PairsmithStore/merge(from:records:)`` does with each table: the per-example rerank and judge scores are
/// carried with their examples; corpus-wide results (round-trip ranks, example negatives) and a shard's own state
/// (endpoint windows, shard spec) are left out; every table of the schema has a rule.
@Suite("Store: merge, table by table")
struct MergeTableTests {
    @Test("every table of a migrated database has a merge rule (a new migration's table must get one)")
    func everyTableHasARule() throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        try temporary.store.close()
        let tables = try ProcessRunner.python(
            """
            import sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                if not name.startswith("sqlite_") and name != "grdb_migrations":
                    print(name)
            """, arguments: [temporary.url.path])
        let names = String(decoding: tables, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(names.count > 20)
        #expect(Set(names) == Set(PairsmithStore.mergeRules.keys), "tables without a rule, or rules without a table")
    }

    /// (document key, sample, the rest) of every row of `table`, as Python reads it: comparable across databases
    /// whose ids differ.
    static func keyed(_ database: URL, _ table: String, columns: String) throws -> String {
        String(
            decoding: try ProcessRunner.python(
                """
                import json, sqlite3, sys
                con = sqlite3.connect(sys.argv[1])
                rows = con.execute(
                    f"SELECT d.key, e.sample, {sys.argv[3]} FROM {sys.argv[2]} t JOIN examples e ON e.id = t.pair_id "
                    "JOIN documents d ON d.id = e.document_id ORDER BY 1, 2, 3").fetchall()
                print(json.dumps(rows))
                """, arguments: [database.path, table, columns]), as: UTF8.self)
    }

    @Test("rerank and judge scores follow their examples; ranks, example negatives, windows and the spec stay behind")
    func carriedAndLeftOut() async throws {
        // Given a shard with two examples and a row in each of the newer tables ...
        let source = try TemporaryStore(), target = try TemporaryStore()
        defer {
            source.directory.remove()
            target.directory.remove()
        }
        let documents = try await seedDocuments(source.store, count: 2)
        try await source.store.enqueue(documents.map { UnitKey(run: "r", stage: "pair", documentID: $0, sample: 0) })
        for unit in try await source.store.claim(run: "r", stage: "pair", limit: 2) {
            #expect(try await source.store.complete(unitID: try #require(unit.id), outputs: UnitOutputs(examples: [fakePair(for: unit)])))
        }
        try source.store.close()
        _ = try ProcessRunner.python(
            """
            import sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            ids = [r[0] for r in con.execute("SELECT id FROM examples ORDER BY id")]
            t = "2026-01-01 00:00:00.000"
            for n, i in enumerate(ids):
                con.execute("INSERT INTO rerank_scores VALUES (?, 'reranker-0.6b', ?, 'ih', ?)", (i, 0.25 + n / 2, t))
                con.execute("INSERT INTO judge_scores VALUES (?, 'judge', 'relevance', ?, 'on topic', ?)", (i, 6 + n, t))
                con.execute("INSERT INTO positive_ranks VALUES (?, 'embedder', ?, 2, 0.8, ?)", (i, n + 1, t))
            con.execute("INSERT INTO example_negatives VALUES (?, ?, 0, 0.5)", (ids[0], ids[1]))
            con.execute("INSERT INTO endpoint_windows VALUES ('r', 'http://a/v1', 8, 5, 1, 2, 0, 10, 1, 0, 0, ?)", (t,))
            con.execute("INSERT INTO shard_specs VALUES ('r', 1, 3, 'sha256-8', ?)", (t,))
            con.commit()
            """, arguments: [source.url.path])
        // ... and a target that already holds another document (so the ids differ) ...
        _ = try await seedDocuments(target.store, count: 1, prefix: "other")

        // ... when the shard is merged (twice) ...
        let counts = try await target.store.merge(from: source.url.path, records: [])
        let again = try await target.store.merge(from: source.url.path, records: [])

        // ... then the scores are there under the merged examples, once, and the rest is left out by its rule.
        #expect(counts.added["examples"] == 2 && counts.added["rerank_scores"] == 2 && counts.added["judge_scores"] == 2)
        #expect(again.added["rerank_scores"] == nil && again.added["judge_scores"] == nil && again.total == 0)
        #expect(
            counts.notCopied == [
                "positive_ranks": .recomputed, "example_negatives": .recomputed, "endpoint_windows": .shardOnly,
                "shard_specs": .shardOnly,
            ])
        let rerank = "t.model, t.score, t.instruction_hash", judge = "t.judge, t.criterion, t.score, t.reason"
        #expect(try Self.keyed(target.url, "rerank_scores", columns: rerank) == (try Self.keyed(source.url, "rerank_scores", columns: rerank)))
        #expect(try Self.keyed(target.url, "judge_scores", columns: judge) == (try Self.keyed(source.url, "judge_scores", columns: judge)))
        #expect(try Self.keyed(target.url, "rerank_scores", columns: rerank).contains("reranker-0.6b"))
        let left = try ProcessRunner.python(
            """
            import sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            print([con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                   for t in ("positive_ranks", "example_negatives", "endpoint_windows", "shard_specs", "examples")])
            """, arguments: [target.url.path])
        #expect(String(decoding: left, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "[0, 0, 0, 0, 2]")
    }
}
