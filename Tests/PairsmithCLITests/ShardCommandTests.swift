import Foundation
import PairsmithTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `run --shard i/n`, `merge`, `select` + `negatives` after the merge, against the test endpoint in this process.
@Suite("pairsmith shards and merge", .serialized)
struct ShardCommandTests {
    static let exports: [(String, [String])] = [
        ("flagembedding-weak", ["--format", "flagembedding", "--set", "weak", "--shard-size", "5"]),
        ("flagembedding-sft", ["--format", "flagembedding", "--set", "sft", "--shard-size", "5"]),
        ("sentence-transformers-weak", ["--format", "sentence-transformers", "--set", "weak"]),
    ]

    static func pairsmith(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
    }

    /// `run` arguments with `--db` replaced by `database` and `extra` added.
    static func runArguments(
        _ workspace: URL, database: String, endpoint: TestEndpoint, extra: [String] = [], replacing: [String: String] = [:]
    ) throws -> [String] {
        var arguments = try RunCommandTests.runArguments(workspace, database: URL(fileURLWithPath: "/placeholder.sqlite"), endpoint: endpoint)
        if let index = arguments.firstIndex(of: "/placeholder.sqlite") { arguments[index] = database }
        for (option, value) in replacing {
            if let index = arguments.firstIndex(of: option) { arguments[index + 1] = value }
        }
        return arguments + extra
    }

    /// A logical dump of a database (every table's rows, sorted; `merged_at` left out), as Python's sqlite3 reads it.
    static func dump(_ database: URL) throws -> String {
        let script = """
            import hashlib, json, sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            out = {}
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
                if table in ("sqlite_sequence",):
                    continue
                cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[1] != "merged_at"]
                rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}"').fetchall()
                rows = sorted([[v.hex() if isinstance(v, bytes) else v for v in row] for row in rows], key=lambda r: json.dumps(r))
                out[table] = rows
            text = json.dumps(out, sort_keys=True)
            print(json.dumps({"sha256": hashlib.sha256(text.encode()).hexdigest(),
                              "rows": {t: len(r) for t, r in out.items()}}))
            """
        return String(decoding: try ProcessRunner.python(script, arguments: [database.path]), as: UTF8.self)
    }

    /// Python's view of the shard databases: for each, its passages' corpus keys and the shard each hashes to.
    static func shardKeys(_ databases: [URL], count: Int) throws -> [[String: Int]] {
        let script = """
            import hashlib, json, sqlite3, sys
            n = int(sys.argv[1])
            result = []
            for path in sys.argv[2:]:
                con = sqlite3.connect(path)
                keys = [row[0] for row in con.execute("SELECT COALESCE(parent_key, key) FROM documents")]
                result.append({k: int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big") % n for k in keys})
            print(json.dumps(result))
            """
        let output = try ProcessRunner.python(script, arguments: [String(count)] + databases.map(\.path))
        return try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Int]])
    }

    @Test("3 shards + merge + select + negatives + export: the same export shards, byte for byte, as one unsharded run")
    func shardedEqualsUnsharded() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-shards")
        defer { directory.remove() }
        // fp32: oneDNN's bf16 kernels on AMX (what `auto` picks there) sum a row differently with the batch around it.
        let workspace = try RunCommandTests.workspace(directory, passages: 12, precision: "fp32")
        let whole = directory.file("whole.sqlite"), merged = directory.file("merged.sqlite")
        let shards = (0..<3).map { directory.file("shard-\($0).sqlite") }
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: [.serverError: 0.05])) { endpoint in
            let unsharded = try await Self.pairsmith(try Self.runArguments(workspace, database: whole.path, endpoint: endpoint))
            #expect(unsharded.status == 0, "\(unsharded.stderr)")
            for index in 0..<3 {
                let result = try await Self.pairsmith(
                    try Self.runArguments(
                        workspace, database: directory.file("shard-{shard}.sqlite").path, endpoint: endpoint,
                        extra: ["--shard", "\(index)/3"]))
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdoutText.contains("shard \(index)/3 finished"), "\(result.stdoutText)")
                #expect(FileManager.default.fileExists(atPath: shards[index].path + ".manifest.json"))
            }
            // A finished shard run again does nothing: no request, the database file unchanged.
            let requests = endpoint.counts().requests
            let before = try Data(contentsOf: shards[1])
            let again = try await Self.pairsmith(
                try Self.runArguments(workspace, database: shards[1].path, endpoint: endpoint, extra: ["--shard", "1/3"]))
            #expect(again.status == 0 && again.stdoutText.contains("already finished"), "\(again.stdoutText) \(again.stderr)")
            #expect(endpoint.counts().requests == requests)
            #expect(try Data(contentsOf: shards[1]) == before)
            // The same database asked for another shard is refused before it is opened for writing: its bytes
            // (the header's change counter and schema cookie included) stay as they were.
            let other = try await Self.pairsmith(
                try Self.runArguments(workspace, database: shards[1].path, endpoint: endpoint, extra: ["--shard", "2/3"]))
            #expect(other.status != 0 && other.stderr.contains("holds shard 1/3"), "\(other.stderr)")
            #expect(try Data(contentsOf: shards[1]) == before, "the refused run changed shard 1's database")
        }

        // The manifest: counts, failures, pipeline and database sha256 (checked with Python's hashlib).
        let manifestCheck = """
            import hashlib, json, sys
            m = json.load(open(sys.argv[1] + ".manifest.json"))
            db = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
            pipe = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
            print(json.dumps([m["database_sha256"] == db, m["pipeline_sha256"] == pipe, m["shard"], m["failures"] >= 0,
                              m["counts"]["examples"] > 0]))
            """
        func checkManifests(_ when: String) throws {
            for (index, shard) in shards.enumerated() {
                let facts = String(
                    decoding: try ProcessRunner.python(
                        manifestCheck, arguments: [shard.path, workspace.appendingPathComponent("pipeline.yaml").path]),
                    as: UTF8.self)
                #expect(
                    facts.trimmingCharacters(in: .whitespacesAndNewlines) == "[true, true, \"\(index)/3\", true, true]",
                    "shard \(index)'s manifest \(when)")
            }
        }
        // Looking at a finished shard (`pairsmith status`, which opens it read-only) leaves its file as it is.
        for shard in shards {
            let status = try await Self.pairsmith(["status", "--db", shard.path])
            #expect(status.status == 0 && status.stdoutText.contains("retrieval"), "\(status.stderr)")
        }
        try checkManifests("after the runs and a status")

        // Each shard's database holds its own passages only, and together exactly the unsharded run's.
        let keys = try Self.shardKeys(shards + [whole], count: 3)
        var union: [String: Int] = [:]
        for index in 0..<3 {
            #expect(!keys[index].isEmpty)
            #expect(keys[index].values.allSatisfy { $0 == index }, "shard \(index) holds another shard's passages")
            union.merge(keys[index]) { a, _ in a }
        }
        #expect(union == keys[3])

        let merge = try await Self.pairsmith(["merge"] + shards.map(\.path) + ["--into", merged.path])
        #expect(merge.status == 0, "\(merge.stderr)")
        let once = try Self.dump(merged)
        let twice = try await Self.pairsmith(["merge"] + shards.map(\.path) + ["--into", merged.path])
        #expect(twice.status == 0, "\(twice.stderr)")
        #expect(try Self.dump(merged) == once, "merging the same shards again changed the database")
        // The merge only read the shards: their files still match their manifests.
        try checkManifests("after two merges")

        let select = try await Self.pairsmith(["select", "--db", merged.path])
        #expect(select.status == 0, "\(select.stderr)")
        let negatives = try await Self.pairsmith(["negatives", "--db", merged.path])
        #expect(negatives.status == 0 && negatives.stdoutText.contains("hard negatives"), "\(negatives.stderr)")

        for (name, arguments) in Self.exports {
            var files: [[String: Data]] = []
            for database in [whole, merged] {
                let out = directory.file("export-\(name)-\(database.deletingPathExtension().lastPathComponent)")
                let result = try await Self.pairsmith(["export", "--db", database.path, "--out", out.path] + arguments)
                #expect(result.status == 0, "export \(name): \(result.stderr)")
                var parts: [String: Data] = [:]
                for file in try FileManager.default.contentsOfDirectory(atPath: out.path) where file.hasPrefix("part-") {
                    parts[file] = try Data(contentsOf: out.appendingPathComponent(file))
                }
                files.append(parts)
            }
            #expect(!files[0].isEmpty && files[0].values.allSatisfy { !$0.isEmpty }, "export \(name) is empty")
            #expect(files[0].keys.sorted() == files[1].keys.sorted(), "export \(name): shard files differ")
            for (file, data) in files[0] { #expect(files[1][file] == data, "export \(name)/\(file) differs from the unsharded run's") }
        }
        try await Self.killedMergeResumes(shards: shards, in: directory)
    }

    /// Shards made bigger (bulk documents, units and vectors written by Python) so a merge takes long enough to be
    /// killed inside a shard's transaction; the killed merge run again gives the uninterrupted merge's database.
    static func killedMergeResumes(shards: [URL], in directory: TemporaryDirectory) async throws {
        let bulky = shards.enumerated().map { directory.file("bulky-\($0.offset).sqlite") }
        let inflate = """
            import hashlib, random, sqlite3, struct, sys
            src, dst, tag = sys.argv[1], sys.argv[2], sys.argv[3]
            con = sqlite3.connect(src)
            con.execute("VACUUM INTO ?", (dst,))
            con.close()
            con = sqlite3.connect(dst)
            run = con.execute("SELECT id FROM runs").fetchone()[0]
            dim = con.execute("SELECT dimension FROM vectors WHERE owner_kind = 'document' LIMIT 1").fetchone()[0]
            rng = random.Random(tag)
            for i in range(30000):
                text = f"bulk passage {tag}-{i}: " + " ".join(rng.choice(["tide", "ferry", "bread", "pump"]) for _ in range(40))
                cur = con.execute(
                    "INSERT INTO documents (key, source_file, source_line, text, lang, lang_source, content_hash) VALUES (?, 'bulk', ?, ?, 'en', 'given', ?)",
                    (f"bulk-{tag}-{i}", i, text, hashlib.sha256(text.encode()).hexdigest()))
                doc = cur.lastrowid
                con.execute("INSERT INTO units (run, stage, document_id, sample, state, attempts, available_at, created_at, updated_at) VALUES (?, 'configure', ?, 0, 'pending', 0, '2026-01-01', '2026-01-01', '2026-01-01')", (run, doc))
                con.execute("INSERT INTO vectors (owner_kind, owner_id, model, dimension, text_hash, vector) VALUES ('document', ?, 'bulk-model', ?, ?, ?)",
                            (doc, dim, hashlib.sha256(text.encode()).hexdigest(), struct.pack(f"<{dim}f", *[rng.random() for _ in range(dim)])))
            con.commit()
            """
        for (shard, copy) in zip(shards, bulky) {
            _ = try ProcessRunner.python(inflate, arguments: [shard.path, copy.path, copy.lastPathComponent])
        }
        let reference = directory.file("bulky-reference.sqlite"), killed = directory.file("bulky-killed.sqlite")
        let arguments = ["merge"] + bulky.map(\.path)
        let uninterrupted = try await Self.pairsmith(arguments + ["--into", reference.path])
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")

        // Kill as soon as the target's WAL holds pages of a transaction in progress (a spill: 30,000 documents do
        // not fit SQLite's page cache), then check that the kill did land before the merge's end.
        let process = Process()
        process.executableURL = TestEnvironment.pairsmithExecutable
        process.arguments = arguments + ["--into", killed.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let wal = killed.path + "-wal"
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        while process.isRunning && clock.now < deadline {
            if let size = (try? FileManager.default.attributesOfItem(atPath: wal))?[.size] as? Int, size > 2 << 20 { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let mergedBefore = String(
            decoding: try ProcessRunner.python(
                "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM merged_shards').fetchone()[0])",
                arguments: [killed.path]), as: UTF8.self
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        print("merge kill test: killed with \(mergedBefore) of 3 shards committed")
        #expect(process.terminationReason == .uncaughtSignal, "the merge ended before it could be killed")
        #expect(mergedBefore != "3", "the kill landed after the merge's last commit")
        let rerun = try await Self.pairsmith(arguments + ["--into", killed.path])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try Self.dump(killed) == (try Self.dump(reference)), "the killed and resumed merge differs from the uninterrupted one")
    }

    @Test("merge refuses shards of different persona files, pipeline files or overlapping specs, naming the difference")
    func refusals() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-merge-refuse")
        defer { directory.remove() }
        let workspace = try RunCommandTests.workspace(directory, passages: 4)
        let otherPersonas = directory.file("other-personas.jsonl")
        try "{\"persona\": \"a lighthouse keeper in Galway\"}\n{\"persona\": \"a baker in Lyon\"}\n"
            .write(to: otherPersonas, atomically: true, encoding: .utf8)
        let otherPipeline = directory.file("pipeline-b.yaml")
        let yaml = try String(contentsOf: workspace.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        try (yaml + "\n# a changed copy\n").write(to: otherPipeline, atomically: true, encoding: .utf8)
        let a = directory.file("a-0.sqlite"), b = directory.file("b-1.sqlite"), c = directory.file("c-1.sqlite")
        let d = directory.file("d-0of2.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let runs: [(URL, [String], [String: String])] = [
                (a, ["--shard", "0/3"], [:]),
                (b, ["--shard", "1/3"], ["--personas": otherPersonas.path]),
                (c, ["--shard", "1/3"], [:]),
                (d, ["--shard", "0/2"], [:]),
            ]
            for (database, extra, replacing) in runs {
                let result = try await Self.pairsmith(
                    try Self.runArguments(workspace, database: database.path, endpoint: endpoint, extra: extra, replacing: replacing))
                #expect(result.status == 0, "\(result.stderr)")
            }
            let pipelineB = try Self.runArguments(
                workspace, database: directory.file("e-2.sqlite").path, endpoint: endpoint, extra: ["--shard", "2/3"])
            var changed = pipelineB
            changed[1] = otherPipeline.path
            let result = try await Self.pairsmith(changed)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let e = directory.file("e-2.sqlite")

        let personas = try await Self.pairsmith(["merge", a.path, b.path, "--into", directory.file("p.sqlite").path])
        #expect(personas.status == 65)
        #expect(personas.stderr.contains(b.path) && personas.stderr.contains(a.path), "\(personas.stderr)")
        #expect(personas.stderr.contains("other-personas.jsonl") && personas.stderr.contains("lighthouse keeper"), "\(personas.stderr)")
        #expect(personas.stderr.contains("--allow-different-personas"))
        let forced = try await Self.pairsmith(["merge", a.path, b.path, "--into", directory.file("p.sqlite").path, "--allow-different-personas"])
        #expect(forced.status == 0, "\(forced.stderr)")

        let pipelines = try await Self.pairsmith(["merge", a.path, e.path, "--into", directory.file("q.sqlite").path])
        #expect(pipelines.status == 65)
        #expect(pipelines.stderr.contains("pipeline-b.yaml") && pipelines.stderr.contains(e.path), "\(pipelines.stderr)")
        #expect(pipelines.stderr.contains("--allow-different-pipelines"))

        let overlap = try await Self.pairsmith(["merge", a.path, d.path, "--into", directory.file("r.sqlite").path])
        #expect(overlap.status == 65)
        #expect(overlap.stderr.contains("0/2") && overlap.stderr.contains("0/3") && overlap.stderr.contains("--allow-overlap"), "\(overlap.stderr)")
        // Two databases of one shard spec overlap as well; the same database merged again does not.
        let twice = try await Self.pairsmith(["merge", b.path, c.path, "--into", directory.file("s.sqlite").path, "--allow-different-personas"])
        #expect(twice.status == 65 && twice.stderr.contains("1/3"), "\(twice.stderr)")
        let fine = try await Self.pairsmith(["merge", a.path, c.path, "--into", directory.file("t.sqlite").path])
        #expect(fine.status == 0, "\(fine.stderr)")
        let again = try await Self.pairsmith(["merge", c.path, "--into", directory.file("t.sqlite").path])
        #expect(again.status == 0, "\(again.stderr)")
        // An existing database is merged into, and counts in the checks: d (0/2) overlaps what t holds.
        let into = try await Self.pairsmith(["merge", d.path, "--into", directory.file("t.sqlite").path])
        #expect(into.status == 65 && into.stderr.contains("0/2"), "\(into.stderr)")
    }
}
