import ArgumentParser
import Foundation
import PairsmithSelection
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith select`: choose the SFT and weak sets again from stored scores, without embedding anything.
    struct Select: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Select the SFT and weak-supervision sets again from stored scores (nothing is embedded).",
            discussion: """
                Recomputes duplicates from the stored query vectors, stores a new weak selection (every non-duplicate \
                pair) and SFT selection (non-duplicate pairs with LO < cosine <= HI after sampling), then searches hard \
                negatives for weak pairs not yet searched with the pipeline's parameters. Defaults come from the \
                pipeline file stored with the run; options replace them. Percentiles are global (every score in the \
                database under the model) with linear interpolation, as numpy.percentile's default.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The run's name (default: the database's only run).")
        var run: String?

        @Option(help: "The embedding model whose scores are used (default: the only one with scores).")
        var model: String?

        @Option(help: "SFT pairs need cosine > X.")
        var threshold: Double?

        @Option(help: "SFT pairs need LO < cosine <= HI, given as LO,HI.")
        var band: String?

        @Option(help: "The lower bound as a global percentile P (0-100) of all scores.")
        var lowPercentile: Double?

        @Option(help: "The upper bound as a global percentile P (0-100) of all scores.")
        var highPercentile: Double?

        @Option(help: "Keep this share (0-1] of pairs by a seeded per-pair draw before the bounds apply.")
        var samplingRate: Double?

        @Option(help: "The sampling seed.")
        var seed: UInt64?

        @Option(help: "SFT pairs need a reranker score >= X (stored by the rerank stage).")
        var minRerank: Double?

        @Option(help: "SFT pairs need a reranker score >= the global percentile P (0-100) of all rerank scores.")
        var minRerankPercentile: Double?

        @Option(help: "The reranker model whose scores --min-rerank reads (default: the run's only one).")
        var rerankModel: String?

        @Option(
            help: "SFT pairs need a judge rating >= X: X alone for the overall rating, or CRITERION=X; repeatable.")
        var minJudge: [String] = []

        @Option(help: "SFT pairs need a judge rating >= the global percentile P: CRITERION=P; repeatable.")
        var minJudgePercentile: [String] = []

        @Option(help: "SFT pairs need their passage within the top K passages for their anchor (round-trip rank).")
        var maxPositiveRank: Int?

        @Option(help: "SFT pairs need a round-trip rank <= the global percentile P (0-100) of all stored ranks.")
        var maxPositiveRankPercentile: Double?

        func validate() throws {
            if band != nil, try parsedBand() == nil { throw ValidationError("--band must be LO,HI with LO < HI, e.g. 0.6,0.9") }
            if band != nil, lowPercentile != nil || highPercentile != nil {
                throw ValidationError("give either --band or --low-percentile/--high-percentile, not both")
            }
        }

        func run() async throws {
            let store = try database.openExisting()
            var overrides = SelectionOverrides(
                threshold: threshold, band: try parsedBand(), lowPercentile: lowPercentile, highPercentile: highPercentile,
                samplingRate: samplingRate, seed: seed)
            overrides.filters = FilterCriteria(
                minRerank: minRerank, minRerankPercentile: minRerankPercentile, rerankModel: rerankModel,
                minJudge: try Self.judgeBounds(minJudge, option: "--min-judge", bare: true),
                minJudgePercentile: try Self.judgeBounds(minJudgePercentile, option: "--min-judge-percentile", bare: false),
                maxPositiveRank: maxPositiveRank, maxPositiveRankPercentile: maxPositiveRankPercentile)
            let summary = try await Reselection.execute(store: store, run: run, model: model, overrides: overrides)
            print(summary.description)
        }

        /// `X` (the overall rating, when `bare`) or `CRITERION=X` per value.
        static func judgeBounds(_ values: [String], option: String, bare: Bool) throws -> [String: Double] {
            var bounds: [String: Double] = [:]
            for text in values {
                let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 1, bare, let value = Double(parts[0]) {
                    bounds["overall"] = value
                } else if parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]) {
                    bounds[parts[0]] = value
                } else {
                    throw ValidationError(
                        "\(option) must be \(bare ? "X or " : "")CRITERION=X with X a number, e.g. relevance=7; found \"\(text)\"")
                }
            }
            return bounds
        }

        private func parsedBand() throws -> (low: Double, high: Double)? {
            guard let band else { return nil }
            let parts = band.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let low = parts[0], let high = parts[1], low < high else { return nil }
            return (low, high)
        }
    }
}
