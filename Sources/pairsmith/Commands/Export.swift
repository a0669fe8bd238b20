import ArgumentParser
import Foundation
import PairsmithExport
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith export`: export pairs as sharded training JSONL.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export pairs as sharded training JSONL, or as a BEIR evaluation set.",
            discussion: """
                Exports the newest selection of the set (made by `pairsmith run` or `pairsmith select`) as \
                part-00000.jsonl… shards plus manifest.json (counts, SHA-256 per shard, the pipeline file, thresholds, \
                model names) and a README.md dataset card (the Hugging Face hub's YAML header, so \
                `datasets.load_dataset(DIR)` finds the splits). Rows are ordered by document key, then sample: the same \
                database gives the same bytes. --split train=0.95,validation=0.05 cuts the examples by document (seeded) \
                into a folder of shards per split; --format a,b writes a subfolder per format. The folder is written \
                beside --out, read back, validated and then renamed into place.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The output folder for the shards and manifest.json.")
        var out: String?

        @Option(
            help: ArgumentHelp(
                "One or more of \(ExportFormat.names.joined(separator: ", ")), separated by commas.",
                discussion: "With several, each is written into a subfolder of --out named after it."))
        var format: String?

        @Option(help: "sft (pairs above the similarity threshold) or weak (all valid pairs).")
        var set: String?

        @Option(help: "Rows per shard.")
        var shardSize: Int = ExportOptions.defaultShardSize

        @Option(help: "The run to export (needed when the database holds several).")
        var run: String?

        @Option(
            help: ArgumentHelp(
                "At most this many hard negatives per row, the closest first.",
                discussion: """
                    For sentence-transformers this is also the number of negative_1…negative_N columns of every row \
                    (default: the most any selected pair has); pairs with fewer are left out and counted, never padded; \
                    0 exports anchor and positive only.
                    """))
        var negatives: Int?

        @Flag(help: "With --format ms-swift: the messages/positive_messages/negative_messages form.")
        var msSwiftMessages = false

        @Option(help: "With --format cross-encoder: labeled-pair (query, passage, label rows; default) or labeled-list (query, docs, labels).")
        var crossEncoderLayout: String?

        @Option(
            help: ArgumentHelp(
                "Splits by document, e.g. train=0.95,validation=0.05 (fractions of the examples) or train=900,validation=100.",
                discussion: """
                    Every chunk of a document goes to the same split, negatives from another split's documents are dropped; \
                    each split gets its own folder of shards, all listed in the one manifest.
                    """))
        var split: String?

        @Option(help: "The seed of the --split document order.")
        var seed: UInt64 = ExportSplitPlan.defaultSeed

        @Option(
            help: ArgumentHelp(
                "With --format flagembedding: write distillation targets pos_scores/neg_scores: rerank or cosine.",
                discussion: """
                    For FlagEmbedding's --knowledge_distillation. rerank: the rerank stage's score of the positive and the \
                    reranker scores of negatives mined with a reranker; cosine: the embedding scores. Off by default.
                    """))
        var scores: String?

        @Option(help: "With --scores rerank: the reranker model whose scores are written (default: the run's only one).")
        var rerankModel: String?

        @Flag(help: "Replace an existing output folder (once the new export is complete).")
        var overwrite = false

        func validate() throws {
            guard out != nil else { throw ValidationError("give the output folder with --out DIR") }
            guard let format else {
                throw ValidationError("give the format with --format \(ExportFormat.names.joined(separator: "|"))")
            }
            let names = format.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names where ExportFormat(name: name) == nil {
                throw ValidationError("unknown format \"\(name)\"; use one of \(ExportFormat.names.joined(separator: ", "))")
            }
            if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw ValidationError("--format names \(twice) twice")
            }
            if msSwiftMessages, !names.contains("ms-swift") {
                throw ValidationError("--ms-swift-messages goes with --format ms-swift only")
            }
            if let crossEncoderLayout {
                guard names.contains("cross-encoder") else {
                    throw ValidationError("--cross-encoder-layout goes with --format cross-encoder only")
                }
                guard ExportFormat.crossEncoderLayouts.contains(crossEncoderLayout) else {
                    throw ValidationError(
                        "unknown --cross-encoder-layout \"\(crossEncoderLayout)\"; use \(ExportFormat.crossEncoderLayouts.joined(separator: " or "))")
                }
            }
            guard let set else { throw ValidationError("give the set with --set sft|weak") }
            guard SelectionRecord.TrainingSet(rawValue: set) != nil else {
                throw ValidationError("unknown set \"\(set)\"; use sft or weak")
            }
            if let negatives, negatives < 0 { throw ValidationError("--negatives must be 0 or more, got \(negatives)") }
            if let scores {
                guard ExportScores(rawValue: scores) != nil else {
                    throw ValidationError("unknown --scores \"\(scores)\"; use rerank or cosine")
                }
                guard names == ["flagembedding"] else {
                    throw ValidationError("--scores writes pos_scores/neg_scores for --format flagembedding only")
                }
            }
            guard shardSize >= 1 else { throw ValidationError("--shard-size must be at least 1 (rows per shard), got \(shardSize)") }
            if let split {
                do {
                    _ = try ExportSplitPlan(parsing: split, seed: seed)
                } catch {
                    throw ValidationError("\(error)")
                }
            }
        }

        /// The formats `--format` names, in order.
        private func formats() -> [ExportFormat] {
            (format ?? "").split(separator: ",").compactMap { name in
                ExportFormat(
                    name: name.trimmingCharacters(in: .whitespaces), messages: msSwiftMessages,
                    crossEncoderLists: crossEncoderLayout == "labeled-list")
            }
        }

        func run() async throws {
            guard let out, let setName = set, let set = SelectionRecord.TrainingSet(rawValue: setName) else {
                throw ValidationError("give --out, --format and --set")
            }
            let store = try database.openExisting()
            var options = ExportOptions(
                output: URL(fileURLWithPath: out), formats: formats(), set: set, shardSize: shardSize, run: run,
                overwrite: overwrite, negatives: negatives, split: try split.map { try ExportSplitPlan(parsing: $0, seed: seed) })
            options.scores = scores.flatMap(ExportScores.init(rawValue:))
            options.rerankModel = rerankModel
            for report in try await Exporter(store: store, options: options).exportAll() {
                print(report.description)
            }
        }
    }
}
