import Foundation
import PairsmithExport
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

/// The formats, splits, BEIR layout and dataset card of `pairsmith export`: rows checked against the fixture's model
/// through scripts/check-export.py, the split assignment against a Python reimplementation of its rule, the card's
/// header through PyYAML.
@Suite("Export: reranker formats, splits, BEIR, dataset card")
struct ExportFormatsTests {
    private func export(
        _ store: PairsmithStore, to folder: URL, formats: [ExportFormat], set: SelectionRecord.TrainingSet = .weak,
        shardSize: Int = ExportOptions.defaultShardSize, negatives: Int? = nil, split: ExportSplitPlan? = nil
    ) async throws -> [ExportReport] {
        try await Exporter(
            store: store,
            options: ExportOptions(output: folder, formats: formats, set: set, shardSize: shardSize, negatives: negatives, split: split)
        ).exportAll()
    }

    /// The lines of every shard of `folder` (and its split folders), parsed, in shard order.
    private func lines(_ folder: URL) throws -> [[String: Any]] {
        try folderContents(folder).filter { $0.key.hasSuffix(".jsonl") }.sorted { $0.key < $1.key }.flatMap { _, data in
            try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            }
        }
    }

    @Test("reranker and cross-encoder rows are the selection's examples in each trainer's layout")
    func rerankerRows() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-formats")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 9, generated: true)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let all = fixture.expectedRows(fixture.pairs)
        let withNegatives = all.filter { !$0.negatives.isEmpty }
        #expect(withNegatives.count < all.count && !withNegatives.isEmpty)
        #expect(all.contains { $0.positive.hasPrefix("generated positive") })

        for format in [ExportFormat.flagEmbeddingReranker, .msSwiftReranker, .crossEncoderPairs, .crossEncoderLists] {
            let out = directory.file(format.variant)
            let report = try #require(try await export(store, to: out, formats: [format], shardSize: 4).first)
            let checked = try CheckedExport.read(out)
            let expected = format.needsNegatives ? withNegatives : all
            #expect(checked.rows == expected, "\(format)")
            #expect(report.examples == expected.count, "\(format)")
            #expect(report.examplesLeftOutWithoutNegatives == all.count - expected.count, "\(format)")
            #expect(checked.value("counts", "examples") as? Int == expected.count, "\(format)")
            #expect(checked.value("format_variant") as? String == format.variant)
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("README.md").path))
        }

        // labeled-pair: one line per document, the positive (label 1) before the example's negatives (label 0).
        let pairs = try lines(directory.file("labeled-pair"))
        #expect(pairs.count == all.reduce(0) { $0 + 1 + $1.negatives.count })
        #expect(pairs.map { $0["label"] as? Int ?? -1 } == all.flatMap { [1] + $0.negatives.map { _ in 0 } })
        #expect(pairs.allSatisfy { Set($0.keys) == ["query", "passage", "label"] })
        // ms-swift reranker: the instruction as the system turn, the query as the user turn, documents as assistant.
        let swift = try lines(directory.file("reranker-messages"))
        let first = swift.first?["messages"] as? [[String: String]] ?? []
        #expect(first.map { $0["role"] ?? "" } == ["system", "user"])
        #expect(first.first?["content"] == ExportFixture.instruction)
        let positive = (swift.first?["positive_messages"] as? [[[String: String]]])?.first?.first
        #expect(positive?["role"] == "assistant")
        // FlagEmbedding reranker: its documented prompt, the instruction as query_prompt.
        let flag = try lines(directory.file("reranker-query-pos-neg"))
        #expect(flag.allSatisfy { $0["prompt"] as? String == ExportFormat.flagEmbeddingRerankerPrompt })
        #expect(flag.allSatisfy { $0["query_prompt"] as? String == ExportFixture.instruction })

        // --negatives caps every list, the generated negatives first.
        let capped = directory.file("capped")
        try await export(store, to: capped, formats: [.crossEncoderLists], negatives: 1)
        #expect(
            try CheckedExport.read(capped).rows
                == withNegatives.map { row in
                    var row = row
                    row.negatives = Array(row.negatives.prefix(1))
                    return row
                })
    }

    /// The split of every document group as a Python reimplementation of ``ExportSplitPlan``'s rule assigns it.
    private func pythonAssignment(keys: [String], negativeKeys: [String], split: String, seed: UInt64) throws -> [String: String] {
        let script = """
            import hashlib, json, re, sys
            keys, negative_keys, text, seed = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4])
            def group(key):
                m = re.fullmatch(r"(.*)#([0-9]+)", key, re.S)
                return m.group(1) if m else key
            def rank(g, s):
                return int.from_bytes(hashlib.sha256(f"{s}:{g}".encode()).digest()[:8], "big")
            shares = [(n, float(v)) if "." in v else (n, int(v)) for n, v in (item.split("=") for item in text.split(","))]
            fractions = isinstance(shares[0][1], float)
            examples = {}
            for k in keys:
                examples[group(k)] = examples.get(group(k), 0) + 1
            total = sum(examples.values())
            order = sorted(examples, key=lambda g: (rank(g, seed), g.encode()))
            out, nxt = {}, 0
            for i, (name, size) in enumerate(shares):
                target = size * total if fractions else size
                later = len(shares) - i - 1
                taken = 0
                while nxt < len(order):
                    if not (fractions and i == len(shares) - 1):
                        if taken >= target or (fractions and len(order) - nxt <= later):
                            break
                    out[order[nxt]] = name
                    taken += examples[order[nxt]]
                    nxt += 1
            weights = [size for _, size in shares]
            for g in sorted({group(k) for k in negative_keys}):
                if g in out or g in examples:
                    continue
                position = rank(g, seed ^ 0x5eed) / 2**64 * sum(weights)
                cumulative, chosen = 0.0, len(shares) - 1
                for i, w in enumerate(weights):
                    cumulative += w
                    if position < cumulative:
                        chosen = i
                        break
                out[g] = shares[chosen][0]
            print(json.dumps(out))
            """
        let data = try ProcessRunner.python(
            script,
            arguments: [
                String(decoding: try JSONEncoder().encode(keys), as: UTF8.self),
                String(decoding: try JSONEncoder().encode(negativeKeys), as: UTF8.self), split, String(seed),
            ])
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    @Test("splits by document: chunks together, no passage on two sides, sizes and seed as a Python reimplementation assigns")
    func splitsByDocument() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-split")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 30, samples: 2, chunked: true)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let text = "train=0.7,validation=0.2,test=0.1"
        let plan = try ExportSplitPlan(parsing: text, seed: 7)
        let out = directory.file("split")
        let report = try #require(try await export(store, to: out, formats: [.flagEmbedding], shardSize: 5, split: plan).first)
        let checked = try CheckedExport.read(out)

        let group = ExportSplitPlan.documentGroup
        #expect(group("book-1-0#2") == "book-1-0" && group("a#b") == "a#b" && group("a#1#2") == "a#1" && group("x#") == "x#")
        let assignment = try pythonAssignment(
            keys: fixture.pairs.map(\.documentKey), negativeKeys: fixture.pairs.flatMap(\.negatives), split: text, seed: 7)
        // Expected rows per split: the fixture's pairs of the split's documents, negatives from other splits dropped.
        var expected: [String: [ExportFixture.Row]] = [:]
        for name in plan.names {
            let pairs = fixture.pairs.filter { assignment[group($0.documentKey)] == name }.map { pair in
                var pair = pair
                pair.negatives = pair.negatives.filter { assignment[group($0)] == name }
                return pair
            }
            expected[name] = fixture.expectedRows(pairs)
        }
        for name in plan.names {
            let rows = zip(checked.rows, checked.splits).filter { $0.1 == name }.map(\.0)
            #expect(rows == expected[name], "split \(name)")
            #expect(!rows.isEmpty, "split \(name) is empty")
        }
        #expect(checked.rows.count == fixture.pairs.count)
        // No document group on two sides, positives or negatives (the metadata names every passage).
        var owner: [String: String] = [:]
        for (meta, split) in zip(checked.metadata, checked.splits) {
            for key in [meta["document"] as? String ?? ""] + (meta["negative_documents"] as? [String] ?? []) {
                let previous = owner.updateValue(split ?? "", forKey: group(key))
                #expect(previous == nil || previous == split, "\(key) in \(previous ?? "") and \(split ?? "")")
            }
        }
        // Sizes: within one document's examples (6 here: three chunks, two samples) of the fractions.
        let total = fixture.pairs.count
        for (share, summary) in zip(plan.shares, report.splits) {
            #expect(abs(Double(summary.examples) - (share.fraction ?? 0) * Double(total)) <= 6, "\(summary)")
        }
        #expect(report.splits.map(\.name) == plan.names)
        let dropped = checked.value("counts", "negatives_dropped_other_split") as? Int ?? -1
        #expect(
            dropped
                == fixture.pairs.reduce(0) { sum, pair in
                    sum + pair.negatives.filter { assignment[group($0)] != assignment[group(pair.documentKey)] }.count
                })
        #expect(dropped > 0)
        let shards = checked.value("shards") as? [[String: Any]] ?? []
        #expect(shards.allSatisfy { ($0["file"] as? String ?? "").hasPrefix("\($0["split"] as? String ?? "?")/part-") })
        #expect(checked.value("split", "seed") as? Int == 7 && checked.value("split", "asked") as? String == text)

        // The same seed gives the same bytes; another seed another assignment.
        let again = directory.file("again")
        try await export(store, to: again, formats: [.flagEmbedding], shardSize: 5, split: plan)
        #expect(try folderContents(out) == folderContents(again))
        let other = directory.file("other")
        try await export(store, to: other, formats: [.flagEmbedding], shardSize: 5, split: try ExportSplitPlan(parsing: text, seed: 8))
        let reassigned = try CheckedExport.read(other)
        let placement = { (export: CheckedExport) in Set(zip(export.rows.map(\.query), export.splits).map { "\($0.0)\u{0}\($0.1 ?? "")" }) }
        #expect(placement(reassigned) != placement(checked), "another seed gave the same assignment")
    }

    @Test("split by counts: each split takes documents until it holds its count; the rest is counted, not exported")
    func splitsByCount() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-split-count")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 20, samples: 1)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let plan = try ExportSplitPlan(parsing: "train=10,validation=4", seed: 1)
        #expect(!plan.usesFractions)
        let out = directory.file("out")
        let report = try #require(try await export(store, to: out, formats: [.crossEncoderPairs], split: plan).first)
        #expect(report.splits.map(\.examples) == [10, 4])
        let checked = try CheckedExport.read(out)
        #expect(checked.value("split", "examples_in_no_split") as? Int == 6)
        #expect(checked.rows.count == 14)
        #expect(Set(checked.splits.compactMap { $0 }) == ["train", "validation"])
    }

    @Test("BEIR: the run's passages and generated texts as the corpus, every example a query, qrels per split")
    func beirLayout() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-beir")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 12, samples: 2, generated: true)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        // A passage of the run no example came from (a unit only), and one of no run at all.
        let outcomes = try await store.insertDocuments(
            ["unused passage of the run", "a passage of another corpus"].enumerated().map { index, text in
                DocumentRecord(
                    key: "zz-extra-\(index)", sourceFile: "c", sourceLine: nil, text: text, lang: "en", langSource: "given",
                    contentHash: ContentHash.sha256(text))
            })
        guard case .inserted(let unused) = outcomes.first else { throw FixtureFault(what: "extra document") }
        try await store.enqueue([UnitKey(run: ExportFixture.run, stage: "generate", documentID: unused, sample: 0)])

        let plan = try ExportSplitPlan(parsing: "train=0.75,dev=0.25", seed: 3)
        let out = directory.file("beir")
        let report = try #require(try await export(store, to: out, formats: [.beir], split: plan).first)
        let checked = try CheckedExport.read(out)
        let generated = fixture.pairs.filter { $0.generatedPositive != nil }
        #expect(!generated.isEmpty)
        // Corpus: every fixture passage and the unit-only one (not the other corpus's), plus generated texts.
        let corpusLines = try String(contentsOf: out.appendingPathComponent("corpus.jsonl"), encoding: .utf8).split(separator: "\n")
        let ids = try corpusLines.map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["_id"] as? String ?? ""
        }
        let expectedIDs =
            (fixture.documents.map(\.key) + ["zz-extra-0"]).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            + fixture.ordered(fixture.pairs).flatMap { pair in
                (pair.generatedPositive == nil ? [] : ["\(pair.documentKey)/positive/\(pair.sample)"])
                    + pair.generatedNegatives.indices.map { "\(pair.documentKey)/negative/\(pair.sample)/\($0)" }
            }
        #expect(ids == expectedIDs)
        #expect(report.corpus == expectedIDs.count && report.examples == fixture.pairs.count)
        // Every example is judged once, in its split, against its positive.
        #expect(
            Set(checked.rows)
                == Set(fixture.expectedRows(fixture.pairs).map { ExportFixture.Row(query: $0.query, positive: $0.positive, negatives: []) }))
        let judged = checked.beir?["qrels"] as? [String: Int] ?? [:]
        #expect(judged.keys.sorted() == ["dev", "train"] && judged.values.reduce(0, +) == fixture.pairs.count)
        let qrels = try String(contentsOf: out.appendingPathComponent("qrels/dev.tsv"), encoding: .utf8)
        #expect(qrels.hasPrefix("query-id\tcorpus-id\tscore\n"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("qrels/dev.jsonl").path))
        // Without --split: one qrels file, test.
        let whole = directory.file("whole")
        try await export(store, to: whole, formats: [.beir])
        #expect((try CheckedExport.read(whole).beir?["qrels"] as? [String: Int]) == ["test": fixture.pairs.count])
        // A TSV field with a tab or a quote is quoted as Python's csv module reads it.
        #expect(try EvaluationWriter.field("a\tb\"c") == "\"a\tb\"\"c\"")
    }

    @Test("the card's YAML header lists configs, data files, splits, row counts, languages, size and tags; the body the run")
    func datasetCard() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-card")
        defer { directory.remove() }
        // Chunked documents: a passage's negatives are often chunks of its own document, so both splits keep some.
        let fixture = ExportFixture(documents: 30, chunked: true)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let out = directory.file("st")
        let plan = try ExportSplitPlan(parsing: "train=0.8,validation=0.2")
        try await export(store, to: out, formats: [.sentenceTransformers], negatives: 1, split: plan)
        let manifest = try CheckedExport.read(out)
        let header = try Self.cardHeader(out)
        let configs = header["configs"] as? [[String: Any]] ?? []
        #expect(configs.count == 1 && configs.first?["config_name"] as? String == "default")
        let files = configs.first?["data_files"] as? [[String: String]] ?? []
        #expect(files == [["split": "train", "path": "train/part-*.jsonl"], ["split": "validation", "path": "validation/part-*.jsonl"]])
        let info = (header["dataset_info"] as? [[String: Any]])?.first ?? [:]
        let splits = info["splits"] as? [[String: Any]] ?? []
        let perSplit = (manifest.value("split", "splits") as? [[String: Any]] ?? []).map { $0["rows"] as? Int ?? -1 }
        #expect(splits.map { $0["num_examples"] as? Int ?? -2 } == perSplit)
        let features = (info["features"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "" }
        #expect(features == ["anchor", "positive", "negative_1"])
        #expect(header["language"] as? [String] == ["en"])
        #expect(header["size_categories"] as? [String] == ["n<1K"])
        #expect((header["tags"] as? [String] ?? []).contains("sentence-transformers"))
        #expect((header["task_categories"] as? [String] ?? []).contains("sentence-similarity"))
        let card = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        for part in [
            "## Pipeline", ExportFixture.pipelinePath, "## Models", "Qwen/Qwen3-32B", ExportFixture.model, "## Languages", "| en | English |",
            "## Selection and filtering", "cosine bounds low none", "## Splits", "seed 42", "## Loading", "MultipleNegativesRankingLoss",
        ] {
            #expect(card.contains(part), "the card lacks \(part)")
        }
        // FlagEmbedding's card: no sentence-transformers tag; the size category follows the rows.
        let flag = directory.file("flag")
        try await export(store, to: flag, formats: [.flagEmbedding])
        let flagHeader = try Self.cardHeader(flag)
        #expect(!(flagHeader["tags"] as? [String] ?? []).contains("sentence-transformers"))
        #expect(DatasetCard.sizeCategory(999) == "n<1K" && DatasetCard.sizeCategory(1_000) == "1K<n<10K")
        #expect(DatasetCard.sizeCategory(2_500_000) == "1M<n<10M")
    }

    /// The card's YAML header as PyYAML reads it.
    static func cardHeader(_ folder: URL) throws -> [String: Any] {
        let data = try ProcessRunner.python(
            """
            import json, sys, yaml
            text = open(sys.argv[1], encoding="utf-8").read()
            assert text.startswith("---\\n")
            print(json.dumps(yaml.safe_load(text[4:text.index("\\n---\\n", 4)])))
            """, arguments: [folder.appendingPathComponent("README.md").path])
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    @Test("several formats in one command: a subfolder each with its manifest and card, a card over them, one exports row each")
    func severalFormats() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-several")
        defer { directory.remove() }
        let fixture = ExportFixture(documents: 8)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let out = directory.file("all")
        let reports = try await export(store, to: out, formats: [.flagEmbedding, .crossEncoderPairs, .beir], shardSize: 4)
        #expect(reports.map(\.format) == [.flagEmbedding, .crossEncoderPairs, .beir])
        #expect(
            reports.map(\.directory) == ["flagembedding", "cross-encoder", "beir"].map { out.appendingPathComponent($0).standardizedFileURL.path })
        let formats = try CheckedExport.readFormats(out)
        #expect(formats.keys.sorted() == ["beir", "cross-encoder", "flagembedding"])
        let expected = fixture.expectedRows(fixture.pairs)
        #expect(formats["flagembedding"]?.rows == expected && formats["cross-encoder"]?.rows == expected)
        let header = try Self.cardHeader(out)
        let names = (header["configs"] as? [[String: Any]] ?? []).map { $0["config_name"] as? String ?? "" }
        #expect(names == ["flagembedding", "cross-encoder", "beir-qrels", "beir-corpus", "beir-queries"])
        #expect((header["configs"] as? [[String: Any]])?.first?["default"] as? Bool == true)
        #expect(try await store.exports().map(\.format) == ["flagembedding", "cross-encoder", "beir"])
        await #expect(throws: ExportError.badFormatList(reason: "beir is named twice (one folder per format)")) {
            try await export(store, to: directory.file("twice"), formats: [.beir, .beir])
        }
    }

    @Test("errors: split text, an empty split, a format with no row, a line break in a BEIR id")
    func errors() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-export-format-errors")
        defer { directory.remove() }
        for (text, reason) in [
            ("train", "is not NAME=SIZE"), ("train=0.9,validation=0.2", "add up to"), ("train=0.5,validation=10", "not both"),
            ("train=0", "at least 1"), ("train=1.5", "above 0 and at most 1"), ("a-b=0.5,c=0.5", "only letters"),
            ("a=0.5,a=0.5", "named twice"), ("a=x", "neither a fraction nor a count"),
        ] {
            #expect {
                try ExportSplitPlan(parsing: text)
            } throws: { error in
                "\(error)".contains(reason) && "\(error)".contains("train=0.95,validation=0.05")
            }
        }
        // One document: the second split would be empty.
        let single = ExportFixture(documents: 1, samples: 2)
        let one = try await single.write(to: directory.file("one.sqlite"))
        await #expect {
            try await export(one, to: directory.file("x"), formats: [.flagEmbedding], split: try ExportSplitPlan(parsing: "a=0.5,b=0.5"))
        } throws: { error in
            "\(error)".contains("would hold no example (the selection has 1 document(s))")
        }
        await #expect {
            try await export(one, to: directory.file("x"), formats: [.flagEmbedding], split: try ExportSplitPlan(parsing: "a=5"))
        } throws: { error in
            "\(error)".contains("add up to 5 examples but the selection holds 2")
        }
        // No example with a negative: the reranker formats that need one say so.
        var bare = ExportFixture(documents: 4)
        for index in bare.pairs.indices { bare.pairs[index].negatives = [] }
        let store = try await bare.write(to: directory.file("bare.sqlite"))
        for format in [ExportFormat.flagEmbeddingReranker, .crossEncoderLists] {
            await #expect(throws: ExportError.noRowsForFormat(run: ExportFixture.run, set: "weak", format: format.description)) {
                try await export(store, to: directory.file("x"), formats: [format])
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("x").path))
        #expect(throws: ExportError.self) { try EvaluationWriter.field("line\nbreak") }
    }
}
