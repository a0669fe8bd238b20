extension PipelineConfiguration {
    /// Parses the `selection:` block (keys as documented in pipelines/retrieval.yaml).
    static func parseSelectionSettings(_ node: ConfigNode) throws -> SelectionSettings {
        let fields = try node.mapping(allowed: [
            "similarity_threshold", "band", "low_percentile", "high_percentile", "sampling_rate", "seed", "dedup", "negatives",
            "score_aware", "exclude_labels",
        ])
        var settings = SelectionSettings()
        settings.similarityThreshold = try fields.required("similarity_threshold").number(in: -1...1)
        if let bandNode = fields.optional("band") {
            let items = try bandNode.sequence()
            guard items.count == 2 else { throw bandNode.error("must be a list of two cosines [low, high]") }
            let low = try items[0].number(in: -1...1)
            let high = try items[1].number(in: -1...1)
            guard low < high else { throw bandNode.error("low must be below high, found [\(low), \(high)]") }
            settings.band = CosineBand(low: low, high: high)
        }
        settings.lowPercentile = try fields.optional("low_percentile")?.number(in: 0...100)
        settings.highPercentile = try fields.optional("high_percentile")?.number(in: 0...100)
        if settings.band != nil, let percentile = fields.optional("low_percentile") ?? fields.optional("high_percentile") {
            throw percentile.error("give either band or low_percentile/high_percentile, not both")
        }
        if let low = settings.lowPercentile, let high = settings.highPercentile, low >= high,
            let highNode = fields.optional("high_percentile")
        {
            throw highNode.error("must be above low_percentile (\(low)), found \(high)")
        }
        if let rateNode = fields.optional("sampling_rate") {
            let rate = try rateNode.number(in: 0...1, describing: "greater than 0 and at most 1")
            guard rate > 0 else { throw rateNode.error("must be greater than 0 and at most 1, found 0") }
            settings.samplingRate = rate
        }
        if let seedNode = fields.optional("seed") { settings.seed = UInt64(try seedNode.integer(in: 0...Int.max)) }
        if let dedupNode = fields.optional("dedup") {
            let dedup = try dedupNode.mapping(allowed: ["near_duplicate_cosine"])
            if let near = dedup.optional("near_duplicate_cosine") { settings.nearDuplicateCosine = try near.number(in: -1...1) }
        }
        if let negativesNode = fields.optional("negatives") {
            let negatives = try negativesNode.mapping(allowed: ["count", "rank_from", "rank_to", "guard", "pool"])
            var result = NegativeSettings()
            result.count = try negatives.optional("count")?.integer(in: 0...1_000) ?? result.count
            result.rankFrom = try negatives.optional("rank_from")?.integer(in: 1...1_000_000) ?? result.rankFrom
            let rankToNode = negatives.optional("rank_to")
            result.rankTo = try rankToNode?.integer(in: 1...1_000_000) ?? max(result.rankTo, result.rankFrom + result.count - 1)
            if result.rankTo < result.rankFrom {
                throw (rankToNode ?? negativesNode).error("rank_to must be at least rank_from (\(result.rankFrom)), found \(result.rankTo)")
            }
            result.guardFactor = try negatives.optional("guard")?.number(in: 0...10) ?? result.guardFactor
            if let poolNode = negatives.optional("pool") {
                let text = try poolNode.string()
                guard let pool = NegativePool(rawValue: text) else {
                    throw poolNode.error("must be one of \(NegativePool.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(text)\"")
                }
                result.pool = pool
            }
            settings.negatives = result
        }
        if let awareNode = fields.optional("score_aware") {
            let aware = try awareNode.mapping(allowed: ["min_score"])
            settings.cosineFilterMinScore = try aware.required("min_score").number(in: 0...1)
        }
        if let labelsNode = fields.optional("exclude_labels") {
            settings.excludedLabels = try labelsNode.sequence().map { try $0.string() }
        }
        if settings.negatives.pool == .lowScores && settings.cosineFilterMinScore == nil, let negativesNode = fields.optional("negatives") {
            throw negativesNode.error("pool: low_scores needs `score_aware: {min_score: X}` (what a low score is)")
        }
        return settings
    }
}
