import PairsmithConfiguration
import PairsmithText

/// What the generate stage asks for: the query's length in words and language.
public struct QueryPlan: Sendable, Hashable, Codable {
    /// The requested length in words.
    public var lengthWords: Int
    /// The requested query language (ISO 639-1).
    public var language: String
    /// True when the query language differs from the passage's.
    public var crossLingual: Bool

    /// Creates a plan.
    public init(lengthWords: Int, language: String, crossLingual: Bool) {
        self.lengthWords = lengthWords
        self.language = language
        self.crossLingual = crossLingual
    }
}

/// Draws query lengths and languages from the pipeline's distributions, seeded by the unit key, so the same unit
/// always gets the same plan (a resumed run asks for exactly what the interrupted one asked for).
public struct QueryPlanner: Sendable {
    /// The distributions.
    public let settings: PipelineConfiguration.QueryPlanSettings

    /// Creates a planner.
    public init(settings: PipelineConfiguration.QueryPlanSettings) {
        self.settings = settings
    }

    /// The plan for the unit with `key` on a passage in `passageLanguage`.
    public func plan(key: String, passageLanguage: String) -> QueryPlan {
        var random = Xoshiro256StarStar(key: "query-plan|\(key)")
        let bucketIndex = random.weightedIndex(settings.length.map(\.weight)) ?? 0
        let bucket = settings.length[bucketIndex]
        let length = random.uniform(bucket.minWords...bucket.maxWords)
        let crossDraw = random.unitInterval()
        let targets = settings.crossLingualTargets.filter { $0.code != passageLanguage }
        let known = passageLanguage != Languages.undetermined
        if (!known || crossDraw < settings.crossLingualShare), let index = random.weightedIndex(targets.map(\.weight)) {
            return QueryPlan(lengthWords: length, language: targets[index].code, crossLingual: known)
        }
        return QueryPlan(lengthWords: length, language: known ? passageLanguage : "en", crossLingual: false)
    }

    /// The chat request seed for attempt `attempt` of the unit with `key` (each retry gets a new seed).
    public static func requestSeed(key: String, attempt: Int) -> Int {
        Int(truncatingIfNeeded: StableHash.hash64("request-seed|\(key)|\(attempt)") >> 33)
    }
}
