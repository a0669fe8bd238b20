import Foundation
import PairsmithConfiguration
import PairsmithExport
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

/// `pairsmith export`'s library side: rows, formats, manifest, determinism, sharding, atomicity, errors. Every
/// export is read back by scripts/check-export.py (Python's json and hashlib), an independent reader.
@Suite("Export")
struct ExportTests {
    private func export(
        _ store: PairsmithStore, to folder: URL, format: ExportFormat = .flagEmbedding, set: SelectionRecord.TrainingSet = .sft,
        shardSize: Int = ExportOptions.defaultShardSize, overwrite: Bool = false, negatives: Int? = nil
    ) async throws -> ExportReport {
        try await Exporter(
            store: store,
            options: ExportOptions(
                output: folder, format: format, set: set, shardSize: shardSize, overwrite: overwrite, negatives: negatives)
        ).export()
    }

    @Test("SFT rows are exactly the newest selection's pairs, ordered by document key then sample, negatives by rank")
    func sftRowsAreTheSelection() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 9)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let report = try await export(store, to: directory.file("sft"))
        let checked = try CheckedExport.read(directory.file("sft"))

        let expected = fixture.expectedRows(fixture.sftPairs)
        #expect(!expected.isEmpty && expected.count < fixture.pairs.count)
        #expect(checked.rows == expected)
        #expect(report.rows == expected.count && report.shards == 1)
        // Every exported pair is above the threshold, by the cosine recorded in its row.
        #expect(checked.metadata.allSatisfy { ($0["cosine"] as? Double ?? 0) > ExportFixture.threshold })
        #expect(checked.metadata.count == expected.count)
        let short = fixture.shortRows(fixture.sftPairs)
        #expect(short > 0)
        #expect(checked.value("counts", "rows_with_fewer_negatives_than_requested") as? Int == short)
        #expect(report.rowsShortOfNegatives == short)
        let flagged = checked.metadata.filter { meta in
            guard let requested = meta["negatives_requested"] as? Int, let found = meta["negatives_found"] as? Int else { return false }
            return found < requested
        }
        #expect(flagged.count == short)
        #expect(checked.metadata.contains { $0["negatives_requested"] is NSNull }, "a pair without a search has null counts")
    }

    @Test("every format round-trips through the independent reader", arguments: ExportFormat.allCases)
    func formatsRoundTrip(format: ExportFormat) async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 8)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        try await export(store, to: directory.file("weak"), format: format, set: .weak, shardSize: 5)
        let checked = try CheckedExport.read(directory.file("weak"))
        // sentence-transformers: fixed columns (the most negatives any pair has); pairs with fewer are left out.
        // The formats whose trainers need a negative leave out pairs without one.
        let most = fixture.pairs.map(\.negatives.count).max() ?? 0
        let pairs =
            format == .sentenceTransformers
            ? fixture.pairs.filter { $0.negatives.count == most }
            : format.needsNegatives ? fixture.pairs.filter { !$0.negatives.isEmpty } : fixture.pairs
        // BEIR rows are its judgements: a query and its positive (the negatives are in the corpus).
        let rows = fixture.expectedRows(pairs).map { row in
            format == .beir ? ExportFixture.Row(query: row.query, positive: row.positive, negatives: []) : row
        }
        #expect(checked.rows == rows)
        #expect(checked.value("format") as? String == format.name)
        #expect(checked.value("format_variant") as? String == format.variant)
        #expect(checked.value("set") as? String == "weak")
        if format == .beir {
            #expect(checked.value("counts", "queries") as? Int == pairs.count)
            #expect(checked.value("counts", "corpus") as? Int == fixture.documents.count)
            return
        }
        // labeled-pair writes a row per document: the positive and each negative.
        let lines = format == .crossEncoderPairs ? rows.reduce(0) { $0 + 1 + $1.negatives.count } : rows.count
        #expect(checked.value("counts", "rows") as? Int == lines)
        #expect(checked.value("counts", "shards") as? Int == (lines + 4) / 5)
        let leftOut = fixture.pairs.count - pairs.count
        #expect(checked.value("counts", "pairs_left_out_fewer_negatives_than_columns") as? Int == (format == .sentenceTransformers ? leftOut : 0))
        if !format.isOriginal {
            #expect(checked.value("counts", "examples_left_out_without_negatives") as? Int == (format.needsNegatives ? leftOut : 0))
        }
        if format == .sentenceTransformers {
            #expect(most == 3 && pairs.count < fixture.pairs.count)
            #expect(Set(checked.keys) == [["anchor", "positive", "negative_1", "negative_2", "negative_3"]])
        }
    }

    @Test("sentence-transformers rows all have the same columns: --negatives N cuts and leaves out, never pads")
    func sentenceTransformersColumns() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 8)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        for columns in [0, 1, 2] {
            let out = directory.file("st-\(columns)")
            let report = try await export(store, to: out, format: .sentenceTransformers, set: .weak, negatives: columns)
            let checked = try CheckedExport.read(out)
            let kept = fixture.pairs.filter { $0.negatives.count >= columns }
            var expected = fixture.expectedRows(kept)
            for index in expected.indices { expected[index].negatives = Array(expected[index].negatives.prefix(columns)) }
            #expect(checked.rows == expected, "--negatives \(columns)")
            #expect(Set(checked.keys).count == 1, "--negatives \(columns): rows with different columns")
            #expect(checked.value("negative_columns") as? Int == columns)
            #expect(report.rowsLeftOut == fixture.pairs.count - kept.count && report.negativeColumns == columns)
        }
        // Other formats: --negatives caps the lists and leaves no pair out.
        let capped = directory.file("flag-1")
        try await export(store, to: capped, format: .flagEmbedding, set: .weak, negatives: 1)
        var expected = fixture.expectedRows(fixture.pairs)
        for index in expected.indices { expected[index].negatives = Array(expected[index].negatives.prefix(1)) }
        #expect(try CheckedExport.read(capped).rows == expected)
        // No pair has 9 negatives: a clear error, nothing written.
        await #expect(throws: ExportError.noRowWithNegatives(run: ExportFixture.run, set: "weak", columns: 9)) {
            try await export(store, to: directory.file("st-9"), format: .sentenceTransformers, set: .weak, negatives: 9)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("st-9").path))
    }

    @Test("the manifest names the pipeline, selection, models, instruction and version")
    func manifestContents() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 4)
        let store = try await fixture.write(into: try PairsmithStore.inMemory())
        for (hash, unit, model) in [("h1", "retrieval/generate/1/0", "served-model"), ("h2", "retrieval-other/generate/1/0", "other-model")] {
            try await store.recordLLMCall(
                LLMCallRecord(
                    requestHash: hash, unitKey: unit, endpoint: "http://a", model: model, request: "{}", response: nil,
                    status: .ok, httpStatus: nil, promptTokens: 0, completionTokens: 0, latencyMilliseconds: 0,
                    createdAt: try ExportFixture.date("2026-11-22 10:00:00.000")))
        }
        let report = try await export(store, to: directory.file("out"))
        let checked = try CheckedExport.read(directory.file("out"))
        #expect(checked.value("pairsmith_version") as? String == Pairsmith.version)
        #expect(checked.value("run") as? String == ExportFixture.run)
        #expect(checked.value("pipeline", "path") as? String == ExportFixture.pipelinePath)
        #expect(checked.value("pipeline", "content") as? String == ExportFixture.configuration)
        #expect(checked.value("pipeline", "sha256") as? String == ContentHash.sha256(ExportFixture.configuration))
        #expect(checked.value("selection", "low") as? Double == ExportFixture.threshold)
        #expect(checked.value("selection", "created_at") as? String == "2026-11-22 10:02:00.000")
        #expect(checked.value("selection", "parameters", "asked", "threshold") as? Double == ExportFixture.threshold)
        #expect(checked.value("models", "embedding") as? String == ExportFixture.model)
        #expect(checked.value("models", "chat") as? [String] == ["Qwen/Qwen3-32B", "Qwen/Qwen3-8B"])
        #expect(checked.value("models", "chat_used") as? [String] == ["served-model"])
        #expect(checked.value("instruction", "text") as? String == ExportFixture.instruction)
        #expect(checked.value("instruction", "query_prompt") as? String == "Instruct: \(ExportFixture.instruction)\nQuery:")
        let searches = checked.value("negative_searches") as? [[String: Any]] ?? []
        #expect(searches.count == 1 && searches.first?["requested"] as? Int == 3 && searches.first?["guard"] as? Double == 0.95)
        // The manifest's SHA-256, as Python computes it, is what the exports table records.
        let digest = String(
            decoding: try ProcessRunner.python(
                "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest(), end='')",
                arguments: [directory.file("out/manifest.json").path]), as: UTF8.self)
        #expect(report.manifestSHA256 == digest)
        let entries = try await store.exports()
        #expect(entries.count == 1)
        #expect(entries.first?.manifestSHA256 == digest)
        #expect(entries.first?.records == report.rows && entries.first?.format == "flagembedding" && entries.first?.set == "sft")
        #expect(entries.first?.directory == directory.file("out").standardizedFileURL.path)
    }

    @Test("the same database gives the same bytes; insertion order does not change the shards")
    func deterministic() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 10)
        let store = try await fixture.write(to: directory.file("a.sqlite"))
        let reversed = try await fixture.write(to: directory.file("b.sqlite"), reversed: true)
        for format in ExportFormat.allCases {
            let negatives = format == .sentenceTransformers ? 1 : nil
            try await export(store, to: directory.file("one-\(format.variant)"), format: format, shardSize: 3, negatives: negatives)
            try await export(store, to: directory.file("two-\(format.variant)"), format: format, shardSize: 3, negatives: negatives)
            try await export(reversed, to: directory.file("three-\(format.variant)"), format: format, shardSize: 3, negatives: negatives)
            let one = try folderContents(directory.file("one-\(format.variant)"))
            let two = try folderContents(directory.file("two-\(format.variant)"))
            let three = try folderContents(directory.file("three-\(format.variant)"))
            #expect(one == two, "\(format): two exports of one database differ")
            #expect(one.count > 2)
            // The manifest and the card quote the selection's row id, which depends on insertion order.
            let shardsOnly = { (files: [String: Data]) in files.filter { !["manifest.json", "README.md"].contains($0.key) } }
            #expect(shardsOnly(one) == shardsOnly(three), "\(format): shards depend on insertion order")
            #expect(one["README.md"] != nil, "\(format): no dataset card")
        }
    }

    @Test("shard boundaries", arguments: [(8, 8, [8]), (9, 8, [8, 1]), (5, 1, [1, 1, 1, 1, 1]), (6, 10_000, [6]), (7, 3, [3, 3, 1])])
    func sharding(rows: Int, shardSize: Int, expected: [Int]) async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: rows, samples: 1)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        try await export(store, to: directory.file("out"), format: .msSwift, set: .weak, shardSize: shardSize)
        let checked = try CheckedExport.read(directory.file("out"))
        let shards = checked.value("shards") as? [[String: Any]] ?? []
        #expect(shards.map { $0["rows"] as? Int ?? -1 } == expected)
        #expect(shards.map { $0["file"] as? String ?? "" } == expected.indices.map { String(format: "part-%05d.jsonl", $0) })
        #expect(checked.rows == fixture.expectedRows(fixture.pairs))
    }

    @Test("a failure while writing leaves no output folder and no staging folder")
    func failureLeavesNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 6)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let parent = directory.file("exports")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        var exporter = Exporter(
            store: store, options: ExportOptions(output: parent.appendingPathComponent("weak"), format: .flagEmbedding, set: .weak, shardSize: 2))
        exporter.afterShard = { index in if index == 1 { throw InjectedFault() } }
        await #expect(throws: InjectedFault.self) { try await exporter.export() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
        #expect(try await store.exports().isEmpty)
    }

    @Test("an existing output folder is refused and left alone; --overwrite replaces it whole")
    func existingFolder() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 6)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let out = directory.file("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: out.appendingPathComponent("notes.txt"))
        await #expect(throws: ExportError.outputExists(path: out.standardizedFileURL.path)) {
            try await export(store, to: out)
        }
        #expect(try Data(contentsOf: out.appendingPathComponent("notes.txt")) == Data("keep".utf8))

        // A failed overwrite keeps the old folder as it was.
        var failing = Exporter(
            store: store, options: ExportOptions(output: out, format: .flagEmbedding, set: .weak, shardSize: 2, overwrite: true))
        failing.afterShard = { _ in throw InjectedFault() }
        await #expect(throws: InjectedFault.self) { try await failing.export() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["notes.txt"])

        try await export(store, to: out, overwrite: true)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("notes.txt").path))
        _ = try CheckedExport.read(out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).allSatisfy { !$0.hasPrefix(".out.partial") })
    }

    @Test("clear errors: no selection, unknown run, several runs, empty selection, bad shard size, no instruction")
    func errors() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 3)
        let bare = try await fixture.write(to: directory.file("bare.sqlite"), withSelections: false)
        await #expect(throws: ExportError.noSelection(run: ExportFixture.run, set: "sft")) {
            try await export(bare, to: directory.file("x"))
        }
        #expect(ExportError.noSelection(run: "r", set: "sft").description.contains("pairsmith select"))
        await #expect(throws: ExportError.badShardSize(0)) { try await export(bare, to: directory.file("x"), shardSize: 0) }

        let store = try await fixture.write(to: directory.file("db.sqlite"))
        await #expect(throws: ExportError.unknownRun(name: "nope", available: [ExportFixture.run])) {
            try await Exporter(
                store: store, options: ExportOptions(output: directory.file("x"), format: .flagEmbedding, set: .sft, run: "nope")
            ).export()
        }
        let created = try ExportFixture.date("2026-11-22 10:00:00.000")
        _ = try await store.beginRun(
            RunRecord(
                id: "another", pipelinePath: "p.yaml", pipelineSHA256: "x", configuration: "name: another",
                pairsmithVersion: "0.1.0", createdAt: created, updatedAt: created))
        try await ExportFixture.insertSelection(store, set: "sft", low: 0.99, pairIDs: [], time: "2026-11-22 11:00:00.000")
        await #expect(throws: ExportError.severalRuns(available: ["another", ExportFixture.run])) {
            try await export(store, to: directory.file("x"))
        }
        // The newest SFT selection of the fixture's run is now empty.
        await #expect(throws: ExportError.emptySelection(run: ExportFixture.run, set: "sft", selectionID: 4)) {
            try await Exporter(
                store: store,
                options: ExportOptions(output: directory.file("x"), format: .flagEmbedding, set: .sft, run: ExportFixture.run)
            ).export()
        }
        // A weak selection in the run whose stored pipeline has no query instruction.
        let pairIDs = try await store.examples(run: ExportFixture.run).compactMap(\.id)
        try await ExportFixture.insertSelection(store, run: "another", set: "weak", low: nil, pairIDs: pairIDs, time: "2026-11-22 11:01:00.000")
        await #expect(throws: ExportError.missingInstruction(run: "another")) {
            try await Exporter(
                store: store, options: ExportOptions(output: directory.file("x"), format: .msSwift, set: .weak, run: "another")
            ).export()
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("x").path))
    }
}

@Suite("Export validation")
struct ExportValidationTests {
    @Test("a changed byte, a broken line or a stray file fails validation, naming the file")
    func tampering() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 5)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let out = directory.file("out")
        try await Exporter(store: store, options: ExportOptions(output: out, format: .msSwift, set: .weak, shardSize: 4)).export()
        try ExportValidator.validate(folder: out, format: .msSwift)
        let shard = out.appendingPathComponent("part-00001.jsonl")
        let original = try Data(contentsOf: shard)

        var changed = original
        changed[changed.startIndex + 3] ^= 0x01
        try changed.write(to: shard)
        #expect(throws: ExportError.self) { try ExportValidator.validate(folder: out, format: .msSwift) }
        do {
            try ExportValidator.validate(folder: out, format: .msSwift)
        } catch {
            #expect("\(error)".contains("part-00001.jsonl") && "\(error)".contains("SHA-256"))
        }

        try original.write(to: shard)
        #expect(throws: Never.self) { try ExportValidator.validate(folder: out, format: .msSwift) }
        // A row without the format's keys is caught even when the manifest were made to match.
        #expect(throws: ExportError.self) { try ExportValidator.validate(folder: out, format: .sentenceTransformers) }

        try Data("{}".utf8).write(to: out.appendingPathComponent("extra.json"))
        #expect(throws: ExportError.self) { try ExportValidator.validate(folder: out, format: .msSwift) }
    }
}

/// The failure the tests inject after a shard.
struct InjectedFault: Error {}
