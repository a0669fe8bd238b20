import ArgumentParser
import Foundation
import PairsmithExport
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith export`: export pairs as sharded training JSONL.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export pairs as sharded training JSONL.",
            discussion: """
                Exports the newest selection of the set (made by `pairsmith run` or `pairsmith select`) as \
                part-00000.jsonl… shards plus manifest.json (counts, SHA-256 per shard, the pipeline file, thresholds, \
                model names). Rows are ordered by document key, then sample: the same database gives the same bytes. \
                The folder is written beside --out, read back, validated and then renamed into place.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The output folder for the shards and manifest.json.")
        var out: String?

        @Option(help: "flagembedding, sentence-transformers or ms-swift.")
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

        @Flag(help: "Replace an existing output folder (once the new export is complete).")
        var overwrite = false

        func validate() throws {
            guard out != nil else { throw ValidationError("give the output folder with --out DIR") }
            guard let format else {
                throw ValidationError("give the format with --format \(ExportFormat.names.joined(separator: "|"))")
            }
            guard ExportFormat(name: format) != nil else {
                throw ValidationError(
                    "unknown format \"\(format)\"; use one of \(ExportFormat.names.joined(separator: ", "))")
            }
            if msSwiftMessages, format != "ms-swift" {
                throw ValidationError("--ms-swift-messages goes with --format ms-swift only")
            }
            guard let set else { throw ValidationError("give the set with --set sft|weak") }
            guard SelectionRecord.TrainingSet(rawValue: set) != nil else {
                throw ValidationError("unknown set \"\(set)\"; use sft or weak")
            }
            if let negatives, negatives < 0 { throw ValidationError("--negatives must be 0 or more, got \(negatives)") }
            guard shardSize >= 1 else { throw ValidationError("--shard-size must be at least 1 (rows per shard), got \(shardSize)") }
        }

        func run() async throws {
            guard let out, let formatName = format, let format = ExportFormat(name: formatName, messages: msSwiftMessages),
                let setName = set, let set = SelectionRecord.TrainingSet(rawValue: setName)
            else { throw ValidationError("give --out, --format and --set") }
            let store = try database.openExisting()
            let options = ExportOptions(
                output: URL(fileURLWithPath: out), format: format, set: set, shardSize: shardSize, run: run,
                overwrite: overwrite, negatives: negatives)
            let report = try await Exporter(store: store, options: options).export()
            print(report.description)
        }
    }
}
