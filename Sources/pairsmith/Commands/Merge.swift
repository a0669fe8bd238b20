import ArgumentParser
import Foundation
import PairsmithPipeline

extension PairsmithCommand {
    /// `pairsmith merge`: fold shard databases into one.
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge shard databases (made with run --shard i/n) into one database.",
            discussion: """
                Documents, personas, vectors, chat calls, stage outputs, examples, scores (cosine, rerank, judge) \
                and rejects are combined by their keys; an existing --into database is merged into. Refuses shards \
                of different pipeline files, different persona libraries or overlapping shard specs (naming the \
                files and the difference) unless told otherwise. Shard databases are only read (their files and \
                completion manifests stay as they were). Each shard is merged in one transaction: running the same \
                command again (after a kill, or after the end) adds nothing twice. Dedup, selection, hard negatives \
                and round-trip ranks are not merged (nor a shard's endpoint windows, spec and exports): run \
                `pairsmith select --db ALL` and `pairsmith negatives --db ALL` afterwards, over the whole corpus.
                """)

        @Argument(help: "The shard databases.")
        var shards: [String] = []

        @Option(help: "The merged database (created when missing, merged into when present).")
        var into: String

        @Flag(help: "Merge runs made from pipeline files with different contents.")
        var allowDifferentPipelines = false

        @Flag(help: "Merge databases that hold different persona libraries.")
        var allowDifferentPersonas = false

        @Flag(help: "Merge databases whose shard specs overlap (rows already merged win).")
        var allowOverlap = false

        func validate() throws {
            guard !shards.isEmpty else { throw ValidationError("give the shard databases to merge, e.g. shard-0.sqlite shard-1.sqlite") }
        }

        func run() async throws {
            let merge = ShardMerge(
                sources: shards.map { URL(fileURLWithPath: $0) }, target: URL(fileURLWithPath: into),
                overrides: ShardMergeOverrides(
                    differentPipelines: allowDifferentPipelines, differentPersonas: allowDifferentPersonas, overlap: allowOverlap))
            do {
                _ = try await merge.execute { print($0) }
            } catch let error as ShardMergeError {
                printError("error: \(error)")
                throw ExitCode(65)
            }
            print("merged \(shards.count) database(s) into \(into); next: `pairsmith select --db \(into)` and `pairsmith negatives --db \(into)`")
        }
    }
}
