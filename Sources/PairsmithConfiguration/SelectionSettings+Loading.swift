extension PipelineConfiguration {
    /// Parses the `selection:` block (keys as documented in pipelines/retrieval.yaml).
    static func parseSelectionSettings(_ node: ConfigNode) throws -> SelectionSettings {
        let fields = try node.mapping(allowed: [
            "similarity_threshold", "band", "low_percentile", "high_percentile", "sampling_rate", "seed", "dedup", "negatives",
            "min_rerank", "min_rerank_percentile", "rerank_model", "min_judge", "max_positive_rank",
            "max_positive_rank_percentile", "score_aware",
            "exclude_labels",
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
            let negatives = try negativesNode.mapping(allowed: [
                "count", "rank_from", "rank_to", "guard", "absolute_margin", "relative_margin", "pool",
            ])
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
            result.absoluteMargin = try negatives.optional("absolute_margin")?.number(in: -10...10)
            result.relativeMargin = try negatives.optional("relative_margin")?.number(in: 0...1)
            settings.negatives = result
        }
        settings.filters = try parseFilterSettings(fields)
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

    /// The `selection:` keys of the filters beyond cosine: `min_rerank` (a score) or `min_rerank_percentile`,
    /// `rerank_model`, `min_judge` (a number: the `overall` rating; or a mapping criterion → number or
    /// `{percentile: P}`), `max_positive_rank` (an integer K) or `max_positive_rank_percentile`.
    private static func parseFilterSettings(_ fields: ConfigMapping) throws -> FilterSettings {
        var filters = FilterSettings()
        let rerank = try fields.optional("min_rerank")?.number(in: -1_000...1_000)
        let rerankPercentile = try fields.optional("min_rerank_percentile")?.number(in: 0...100)
        if rerank != nil, rerankPercentile != nil, let node = fields.optional("min_rerank_percentile") {
            throw node.error("give either min_rerank or min_rerank_percentile, not both")
        }
        if rerank != nil || rerankPercentile != nil { filters.minRerank = ScoreBound(value: rerank, percentile: rerankPercentile) }
        filters.rerankModel = try fields.optional("rerank_model")?.string()
        if let judgeNode = fields.optional("min_judge") {
            if !judgeNode.isMapping {
                filters.minJudge["overall"] = ScoreBound(value: try judgeNode.number(in: -1_000...1_000))
            } else {
                let criteria = try judgeNode.mapping(allowed: judgeNode.keys)
                for name in judgeNode.keys {
                    guard let node = criteria.optional(name) else { continue }
                    if !node.isMapping {
                        filters.minJudge[name] = ScoreBound(value: try node.number(in: -1_000...1_000))
                    } else {
                        let bound = try node.mapping(allowed: ["percentile"])
                        filters.minJudge[name] = ScoreBound(percentile: try bound.required("percentile").number(in: 0...100))
                    }
                }
            }
        }
        let rank = try fields.optional("max_positive_rank")?.integer(in: 1...Int(Int32.max))
        let rankPercentile = try fields.optional("max_positive_rank_percentile")?.number(in: 0...100)
        if rank != nil, rankPercentile != nil, let node = fields.optional("max_positive_rank_percentile") {
            throw node.error("give either max_positive_rank or max_positive_rank_percentile, not both")
        }
        if rank != nil || rankPercentile != nil {
            filters.maxPositiveRank = ScoreBound(value: rank.map(Double.init), percentile: rankPercentile)
        }
        return filters
    }
}
