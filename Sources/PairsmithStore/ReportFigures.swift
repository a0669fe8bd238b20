import Foundation

/// The figures of one run that `pairsmith report`, `pairsmith status --json` and the text status all show, read
/// from the store in one transaction (so the three agree). Every count is over the run's own rows.
public struct ReportFigures: Codable, Sendable, Hashable {
    /// The run's name.
    public var run: String
    /// The declared stages, in pipeline order (stages found in the store but not declared follow).
    public var stages: [String]
    /// Passages through stages to examples and the SFT set.
    public var funnel: Funnel
    /// Examples per passage language and anchor language.
    public var languages: [LanguageCell]
    /// Examples whose anchor language differs from the passage's, over all examples (0 when there are none).
    public var crossLingualShare: Double
    /// Requested (drawn variables) and answered (categorical answer fields) value counts per stage.
    public var distributions: [Distribution]
    /// Requested query length against words written.
    public var lengths: [LengthRow]
    /// Examples per task and label (classification, STS levels as text, bitext pairs…).
    public var labels: [LabelCount]
    /// How the persona library was used.
    public var personas: PersonaUse
    /// Cosine scores, the threshold, acceptance and hard negatives.
    public var similarity: Similarity
    /// Diversity, leakage and rejection rates of the anchors.
    public var quality: Quality
    /// Chat calls per stage, endpoint and model.
    public var calls: [CallGroup]
    /// Stage outputs whose answer was stored for another unit or run (served from the cache, not asked again).
    public var answersReused: Int
    /// Completion tokens and calls per minute since the run's first call.
    public var throughput: [ThroughputBucket]
    /// Seeded random samples of accepted examples and rejected answers.
    public var samples: Samples
    /// The selections stored for the run (newest per set), with the parameters they were made with.
    public var selections: [SelectionFigure]

    /// Passages → units per stage → answers → rejects → examples → duplicates → SFT.
    public struct Funnel: Codable, Sendable, Hashable {
        /// Distinct passages with at least one unit.
        public var passages: Int
        /// Per stage: its units by state and its accepted answers.
        public var stages: [StageFunnel]
        /// Rejected answers per stage and reason.
        public var rejects: [Reject]
        /// Per task: examples, duplicates and SFT examples.
        public var tasks: [TaskFunnel]
    }

    /// One stage's part of the funnel.
    public struct StageFunnel: Codable, Sendable, Hashable {
        /// The stage's name.
        public var stage: String
        /// Units of the stage.
        public var units: Int
        /// Units done.
        public var done: Int
        /// Units failed.
        public var failed: Int
        /// Units pending or running.
        public var open: Int
        /// Stage outputs stored (accepted answers), skipped units not counted.
        public var answers: Int
        /// Units the stage's `when` skipped.
        public var skipped: Int
    }

    /// Rejected answers of one stage for one reason.
    public struct Reject: Codable, Sendable, Hashable {
        /// The stage (or `corpus`, `personas`).
        public var source: String
        /// The reason code.
        public var reason: String
        /// How many.
        public var count: Int
    }

    /// One task's examples.
    public struct TaskFunnel: Codable, Sendable, Hashable {
        /// The task family.
        public var task: String
        /// Examples stored.
        public var examples: Int
        /// Examples recorded as duplicates.
        public var duplicates: Int
        /// Examples in the newest SFT selection.
        public var sft: Int
    }

    /// Examples of one (passage language, anchor language) pair.
    public struct LanguageCell: Codable, Sendable, Hashable {
        /// The passage's language.
        public var passage: String
        /// The anchor's (query's) language.
        public var anchor: String
        /// Examples.
        public var count: Int
    }

    /// Value counts of one variable or answer field of a stage.
    public struct Distribution: Codable, Sendable, Hashable {
        /// The stage.
        public var stage: String
        /// `variable` (drawn, i.e. requested) or `field` (answered).
        public var kind: String
        /// The variable's or field's name.
        public var name: String
        /// Values, most frequent first.
        public var values: [ValueCount]
    }

    /// A value and how often it occurs.
    public struct ValueCount: Codable, Sendable, Hashable {
        /// The value, as text.
        public var value: String
        /// How often.
        public var count: Int
    }

    /// Examples asked for one length.
    public struct LengthRow: Codable, Sendable, Hashable {
        /// Words requested.
        public var requested: Int
        /// Examples.
        public var count: Int
        /// Mean words written.
        public var meanWords: Double
        /// Fewest words written.
        public var minWords: Int
        /// Most words written.
        public var maxWords: Int
    }

    /// Examples of one task with one label or level.
    public struct LabelCount: Codable, Sendable, Hashable {
        /// The task.
        public var task: String
        /// `label` or `score`.
        public var kind: String
        /// The label, or the score as text.
        public var value: String
        /// Examples.
        public var count: Int
    }

    /// Persona matching and choice.
    public struct PersonaUse: Codable, Sendable, Hashable {
        /// Personas in the library.
        public var library: Int
        /// Passages with candidates.
        public var passagesMatched: Int
        /// Candidate rows (passage × rank).
        public var candidates: Int
        /// Distinct personas ever offered as a candidate.
        public var personasOffered: Int
        /// Stage outputs that chose a persona.
        public var choices: Int
        /// Distinct personas chosen.
        public var personasChosen: Int
        /// Distinct chosen over the library (0 when the library is empty).
        public var coverage: Double
        /// Normalised Shannon entropy of the choices (1: even; 0 when fewer than two were chosen).
        public var evenness: Double
        /// The most chosen personas.
        public var top: [ValueCount]
    }

    /// Scores and selection.
    public struct Similarity: Codable, Sendable, Hashable {
        /// The embedding model whose scores are shown (nil: none scored).
        public var model: String?
        /// Examples scored under it.
        public var scored: Int
        /// Counts per bin of width 0.05 over [-1, 1]: bin `i` holds cosines with `floor((c + 1) * 20) == i`
        /// (clamped to 0…39).
        public var histogram: [Int]
        /// The SFT selection's exclusive lower bound (nil: no selection).
        public var low: Double?
        /// Its inclusive upper bound.
        public var high: Double?
        /// Scored examples and SFT examples per anchor language.
        public var acceptanceByLanguage: [Acceptance]
        /// … per task.
        public var acceptanceByTask: [Acceptance]
        /// … per question type (the `question_type` answer field, where a stage has one).
        public var acceptanceByType: [Acceptance]
        /// Hard-negative searches stored.
        public var negativeSearches: Int
        /// Searches that found fewer than asked.
        public var shortSearches: Int
        /// Negatives stored.
        public var negatives: Int
        /// Counts per bin of width 0.1 of (negative score − positive cosine), over [-1, 0.5]: bin `i` holds
        /// `floor((d + 1) * 10) == i` (clamped to 0…14).
        public var negativeGapHistogram: [Int]
        /// Mean negative score (0 when none).
        public var meanNegativeScore: Double
        /// Mean positive cosine of the examples with negatives (0 when none).
        public var meanPositiveScore: Double
    }

    /// Scored and accepted examples of one group.
    public struct Acceptance: Codable, Sendable, Hashable {
        /// The group's value.
        public var group: String
        /// Scored examples.
        public var scored: Int
        /// SFT examples.
        public var accepted: Int
    }

    /// Anchor quality.
    public struct Quality: Codable, Sendable, Hashable {
        /// Anchors.
        public var anchors: Int
        /// Distinct word unigrams over all unigrams of the anchors (lower-cased words).
        public var distinct1: Double
        /// Distinct word bigrams over all bigrams.
        public var distinct2: Double
        /// Mean share of an anchor's distinct words that occur in its passage (leakage).
        public var passageOverlap: Double
        /// Examples recorded as near duplicates, over examples.
        public var nearDuplicateRate: Double
        /// Examples recorded as exact duplicates, over examples.
        public var exactDuplicateRate: Double
        /// Answers rejected for their language.
        public var languageRejects: Int
        /// Answers judged by the last stage (accepted plus rejected).
        public var judged: Int
        /// 1 − language rejects / answers judged (1 when none were judged).
        public var languageCompliance: Double
        /// Answers rejected as placeholders or prompt echoes.
        public var placeholderOrEchoRejects: Int
        /// Answers rejected as copies of the passage.
        public var copyRejects: Int
    }

    /// Chat calls of one stage at one endpoint and model.
    public struct CallGroup: Codable, Sendable, Hashable {
        /// The stage.
        public var stage: String
        /// The endpoint (host:port).
        public var endpoint: String
        /// The model the endpoint reported.
        public var model: String
        /// Calls recorded.
        public var requests: Int
        /// Calls that came back with an answer.
        public var ok: Int
        /// Prompt tokens.
        public var promptTokens: Int
        /// Completion tokens.
        public var completionTokens: Int
        /// Latency percentiles of answered calls, ms (nearest rank).
        public var latencyP50: Double
        /// 90th percentile.
        public var latencyP90: Double
        /// 99th percentile.
        public var latencyP99: Double
    }

    /// One minute of the run's calls.
    public struct ThroughputBucket: Codable, Sendable, Hashable {
        /// Minutes since the first call.
        public var minute: Int
        /// Calls recorded in it.
        public var calls: Int
        /// Completion tokens in it.
        public var completionTokens: Int
    }

    /// Sample tables.
    public struct Samples: Codable, Sendable, Hashable {
        /// The seed of the draw.
        public var seed: UInt64
        /// Accepted examples (SFT when there is a selection, else any).
        public var accepted: [ExampleSample]
        /// Rejected answers.
        public var rejected: [RejectSample]
    }

    /// One example of the sample table.
    public struct ExampleSample: Codable, Sendable, Hashable {
        /// The example's id.
        public var id: Int64
        /// Its task.
        public var task: String
        /// The anchor.
        public var anchor: String
        /// The passage (or generated positive), cut to 300 characters.
        public var positive: String
        /// Label or score, as text.
        public var label: String?
        /// Its cosine, when scored.
        public var cosine: Double?
        /// Anchor language.
        public var language: String
    }

    /// One rejected answer of the sample table.
    public struct RejectSample: Codable, Sendable, Hashable {
        /// The stage.
        public var stage: String
        /// The reason code.
        public var reason: String
        /// What the rule said.
        public var detail: String
        /// The answer (cut to 300 characters).
        public var answer: String
        /// The unit's passage, cut to 300 characters ("" when the unit cannot be read).
        public var passage: String
    }

    /// The newest selection of one set.
    public struct SelectionFigure: Codable, Sendable, Hashable {
        /// `sft` or `weak`.
        public var set: String
        /// Records selected.
        public var records: Int
        /// Lower bound.
        public var low: Double?
        /// Upper bound.
        public var high: Double?
        /// The parameters as stored (JSON text), so criteria other selections record show too.
        public var parameters: String
    }
}
