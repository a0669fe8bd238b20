import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// Migration `v5-generic-stages` on the committed schema-v3 database (a copy; the fixture is never written), checked
/// with Python's sqlite3, not with the store: foreign keys intact and pointing at `examples`, every row kept.
@Suite("Store migration v5 (generic stages)")
struct MigrationTests {
    /// The committed database written by the v3 release.
    static let fixture = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/v3-retrieval/run.sqlite")

    /// Dumps every table of the database at argv[1] (rows in rowid order, as JSON) to argv[2].
    static let snapshotScript = """
        import json, sqlite3, sys
        con = sqlite3.connect(sys.argv[1])
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        dump = {}
        for t in tables:
            cur = con.execute(f'SELECT * FROM "{t}" ORDER BY rowid' if t != "sqlite_sequence" else 'SELECT * FROM sqlite_sequence ORDER BY name')
            cols = [d[0] for d in cur.description]
            dump[t] = {"columns": cols, "rows": [[v.hex() if isinstance(v, bytes) else v for v in r] for r in cur.fetchall()]}
        json.dump(dump, open(sys.argv[2], "w"))
        """

    /// Compares the migrated database at argv[1] with the snapshot at argv[2]; prints {problems, facts}.
    static let checkScript = """
        import json, sqlite3, sys
        con = sqlite3.connect(sys.argv[1])
        before = json.load(open(sys.argv[2]))
        problems = []
        def rows(sql, *args):
            return [list(r) for r in con.execute(sql, args).fetchall()]
        def canonical(obj):
            return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "pairs" in tables: problems.append("the pairs table is still there")
        for t in ("examples", "stage_outputs", "configs"):
            if t not in tables: problems.append(f"no table {t}")
        fk = rows("PRAGMA foreign_key_check")
        if fk: problems.append(f"foreign_key_check: {fk}")
        if rows("PRAGMA integrity_check") != [["ok"]]: problems.append("integrity_check failed")
        targets = {}
        for t in ("scores", "negatives", "duplicates", "selected_pairs", "negative_searches"):
            targets[t] = sorted({(r[2], r[3]) for r in con.execute(f"PRAGMA foreign_key_list({t})")})
            pair_refs = [target for target, column in targets[t] if column in ("pair_id", "duplicate_of")]
            if not pair_refs or any(target != "examples" for target in pair_refs):
                problems.append(f"{t} references {targets[t]}")
        for t in tables:
            for r in con.execute(f"PRAGMA foreign_key_list({t})"):
                if r[2] == "pairs": problems.append(f"{t}.{r[3]} still references pairs")

        # Every table but pairs (renamed) and the bookkeeping ones: identical, row for row.
        for t, old in before.items():
            if t in ("pairs", "grdb_migrations", "sqlite_sequence"): continue
            # Columns later migrations added (NULL on the carried-over rows): v6's chunk columns on documents, v7's
            # rerank score and margins on negatives and negative_searches. The old columns are compared.
            added = {
                "documents": ["parent_key", "chunk_index", "char_start", "char_end"],
                "negatives": ["rerank_score"],
                "negative_searches": ["absolute_margin", "relative_margin", "rerank_model"],
            }.get(t, [])
            if added:
                nulls = con.execute(f"SELECT COUNT(*) FROM {t} WHERE {' OR '.join(c + ' IS NOT NULL' for c in added)}").fetchone()[0]
                if nulls: problems.append(f"{t}: {nulls} rows have added columns set")
            names = ", ".join(f'"{c}"' for c in old["columns"]) if added else "*"
            cur = con.execute(f'SELECT {names} FROM "{t}" ORDER BY rowid')
            cols = [d[0] for d in cur.description]
            if cols != old["columns"]: problems.append(f"{t}: columns {cols} != {old['columns']}")
            if [[v.hex() if isinstance(v, bytes) else v for v in r] for r in cur.fetchall()] != old["rows"]:
                problems.append(f"{t}: rows differ")

        # pairs -> examples: the same ids and values under the new names, the new columns at their defaults.
        renamed = {"query": "anchor", "query_language": "anchor_language", "document_language": "positive_language"}
        old_pairs = [dict(zip(before["pairs"]["columns"], r)) for r in before["pairs"]["rows"]]
        cur = con.execute("SELECT * FROM examples ORDER BY id")
        cols = [d[0] for d in cur.description]
        examples = [dict(zip(cols, r)) for r in cur.fetchall()]
        if len(examples) != len(old_pairs): problems.append(f"{len(examples)} examples for {len(old_pairs)} pairs")
        for old, new in zip(old_pairs, examples):
            for column, value in old.items():
                if new.get(renamed.get(column, column)) != value:
                    problems.append(f"example {old['id']}: {column} {value!r} became {new.get(renamed.get(column, column))!r}")
            defaults = {"task": "retrieval", "positive": None, "negatives": None, "label": None, "score": None,
                        "anchor_instruction": None, "positive_instruction": None, "metadata": None}
            for column, value in defaults.items():
                if new.get(column, "missing") != value: problems.append(f"example {old['id']}: {column} is {new.get(column)!r}")

        # stage_outputs: one configure row per config, one generate row per pair, values carried over.
        cur = con.execute("SELECT * FROM stage_outputs ORDER BY id")
        cols = [d[0] for d in cur.description]
        outputs = {(r["run"], r["stage"], r["document_id"], r["sample"]): r for r in (dict(zip(cols, x)) for x in cur.fetchall())}
        configs = [dict(zip(before["configs"]["columns"], r)) for r in before["configs"]["rows"]]
        expected = {}
        for c in configs:
            expected[(c["run"], "configure", c["document_id"], c["sample"])] = {
                "fields": canonical({"character": c["character"], "difficulty": c["difficulty"], "question_type": c["question_type"]}),
                "variables": "{}", "persona_id": c["persona_id"], "skipped": 0, "request_hash": c["request_hash"],
                "created_at": c["created_at"]}
        for p in old_pairs:
            expected[(p["run"], "generate", p["document_id"], p["sample"])] = {
                "fields": canonical({"query": p["query"]}),
                "variables": canonical({"length": p["length_words"], "query_language": p["query_language"]}),
                "persona_id": None, "skipped": 0, "request_hash": p["request_hash"], "created_at": p["created_at"]}
        if set(outputs) != set(expected): problems.append(f"stage_outputs keys differ: {sorted(set(outputs) ^ set(expected))[:5]}")
        for key, want in expected.items():
            got = outputs.get(key, {})
            for column, value in want.items():
                if got.get(column) != value: problems.append(f"stage_outputs {key}: {column} {got.get(column)!r} != {value!r}")

        migrations = [r[0] for r in con.execute("SELECT identifier FROM grdb_migrations ORDER BY rowid")]
        seq = dict(rows("SELECT name, seq FROM sqlite_sequence"))
        old_seq = dict(before["sqlite_sequence"]["rows"])
        if seq.get("examples") != old_seq.get("pairs"): problems.append(f"sqlite_sequence examples {seq.get('examples')} != pairs {old_seq.get('pairs')}")
        print(json.dumps({"problems": problems, "migrations": migrations, "examples": len(examples),
                          "configs": len(configs), "stage_outputs": len(outputs), "targets": targets}))
        """

    @Test("a v3 database migrates with no foreign-key violation, its keys now naming examples, and every row kept")
    func migratesV3Fixture() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-v5-migration")
        defer { directory.remove() }
        let database = directory.file("run.sqlite")
        try FileManager.default.copyItem(at: Self.fixture, to: database)
        let snapshot = directory.file("before.json")
        _ = try ProcessRunner.python(Self.snapshotScript, arguments: [database.path, snapshot.path])

        let store = try PairsmithStore(url: database)
        // The store reads the carried-over rows (through the new records) as Python stored them.
        let examples = try await store.examples(run: "retrieval")
        let first = try #require(examples.first)
        let outputs = try await store.stageOutputs(run: "retrieval", documentID: first.documentID, sample: first.sample)
        #expect(outputs.map(\.stage) == ["configure", "generate"])
        #expect(outputs.last?.variables.contains(#""query_language":"\#(first.anchorLanguage)""#) == true)
        #expect(first.task == "retrieval" && first.positive == nil && first.anchorInstruction == nil)
        #expect(first.configID != nil)

        let output = try ProcessRunner.python(Self.checkScript, arguments: [database.path, snapshot.path])
        let facts = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(facts["problems"] as? [String] == [], "\(facts["problems"] ?? "")")
        #expect(
            facts["migrations"] as? [String]
                == [
                    "v1-retrieval", "v2-selection", "v3-claim-order", "v4-run-precision", "v5-generic-stages",
                    "v6-document-chunks", "v7-filters", "v11-endpoint-windows", "v8-shards", "v12-task-families",
                ])
        let exampleCount = try #require(facts["examples"] as? Int)
        let configCount = try #require(facts["configs"] as? Int)
        #expect(exampleCount == examples.count && exampleCount > 0 && configCount > exampleCount)
        #expect(facts["stage_outputs"] as? Int == exampleCount + configCount)

        // The fixture itself is untouched (still v3: a `pairs` table, no `examples`).
        let committed = try ProcessRunner.python(
            """
            import sqlite3, sys
            con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
            print(",".join(sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('pairs', 'examples')"))))
            """, arguments: [Self.fixture.path])
        #expect(String(decoding: committed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "pairs")
    }

    @Test("opening the migrated database again changes nothing (the migration runs once)")
    func migratesOnce() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-v5-once")
        defer { directory.remove() }
        let database = directory.file("run.sqlite")
        try FileManager.default.copyItem(at: Self.fixture, to: database)
        _ = try PairsmithStore(url: database)
        let first = directory.file("first.json")
        _ = try ProcessRunner.python(Self.snapshotScript, arguments: [database.path, first.path])
        _ = try PairsmithStore(url: database)
        let second = directory.file("second.json")
        _ = try ProcessRunner.python(Self.snapshotScript, arguments: [database.path, second.path])
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
    }
}
