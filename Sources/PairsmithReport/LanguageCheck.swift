import Foundation
import PairsmithStages
import PairsmithStore
import PairsmithText

/// Language compliance measured on the data, not on the rules' verdicts: the language pairsmith's detector finds in
/// each generated text (a query, a translation, an STS sentence, a written classification text) against the language
/// the example asked for. Texts copied from the passage (a bitext or STS source sentence, a classified passage) and
/// taxonomy labels are not generated and not counted. Measured on an evenly spaced sample of at most ``limit``
/// examples, so a report of millions stays quick.
public struct LanguageCheck: Codable, Sendable, Hashable {
    /// One requested language's counts.
    public struct Row: Codable, Sendable, Hashable {
        /// The requested language code.
        public var requested: String
        /// Generated texts that asked for it.
        public var texts: Int
        /// Texts detected as it.
        public var matched: Int
        /// Texts too short (or too mixed) for the detector to decide, as the `language` rule sees them.
        public var undetermined: Int
        /// The languages detected instead, most frequent first (at most three).
        public var detectedInstead: [String]
    }

    /// Examples the sample held.
    public var sampled: Int
    /// Examples in the run.
    public var examples: Int
    /// Per requested language, most texts first.
    public var rows: [Row]

    /// Generated texts checked.
    public var texts: Int { rows.map(\.texts).reduce(0, +) }
    /// Texts detected as their requested language.
    public var matched: Int { rows.map(\.matched).reduce(0, +) }
    /// Texts the detector could not decide.
    public var undetermined: Int { rows.map(\.undetermined).reduce(0, +) }
    /// Matched over decided texts (1 when none was decided).
    public var compliance: Double {
        let decided = texts - undetermined
        return decided > 0 ? Double(matched) / Double(decided) : 1
    }

    /// The most examples a report detects languages in.
    public static let limit = 2_000

    /// Checks the generated texts of `run`'s examples.
    public static func measure(store: PairsmithStore, run: String, limit: Int = LanguageCheck.limit) async throws -> LanguageCheck {
        let (sample, total) = try await store.exampleSample(run: run, limit: limit)
        let passages = try await store.documents(ids: Array(Set(sample.map(\.documentID))))
        let detector = LanguageDetector()
        var counts: [String: (texts: Int, matched: Int, undetermined: Int, instead: [String: Int])] = [:]
        for example in sample {
            let passage = passages[example.documentID]?.text ?? ""
            var sides: [(text: String, language: String)] = []
            if !example.anchor.isEmpty, !passage.contains(example.anchor) { sides.append((example.anchor, example.anchorLanguage)) }
            if example.task != "classification", let positive = example.positive, !positive.isEmpty, !passage.contains(positive) {
                sides.append((positive, example.positiveLanguage))
            }
            for side in sides {
                guard let requested = Languages.normalise(side.language), requested != Languages.undetermined else { continue }
                // Judged as the `language` rule judges: another script always decides; within one script only a
                // text long enough for the word lists (six words, confidence 0.5) does.
                var entry = counts[requested] ?? (0, 0, 0, [:])
                entry.texts += 1
                if detector.detect(side.text).language == requested {
                    entry.matched += 1
                } else if let detected = AnswerRule.languageMismatch(side.text, expected: requested, detector: detector) {
                    entry.instead[detected, default: 0] += 1
                } else {
                    entry.undetermined += 1
                }
                counts[requested] = entry
            }
        }
        let rows = counts.map { language, entry in
            Row(
                requested: language, texts: entry.texts, matched: entry.matched, undetermined: entry.undetermined,
                detectedInstead: entry.instead.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3).map(\.key))
        }.sorted { ($0.texts, $1.requested) > ($1.texts, $0.requested) }
        return LanguageCheck(sampled: sample.count, examples: total, rows: rows)
    }
}
