import Foundation
import PairsmithStore

/// The lines `pairsmith status` adds under a run of bitext, STS or classification: its examples per label (with
/// `none`, recorded but never selected), per score (STS level) and per language pair.
enum TaskFamilyText {
    /// The lines for one run's counts.
    static func lines(_ counts: TaskFamilyCounts) -> [String] {
        var lines: [String] = []
        func list(_ title: String, _ values: [String: Int], sort: (String, String) -> Bool) {
            guard !values.isEmpty else { return }
            let items = values.keys.sorted(by: sort).map { "\($0) \(values[$0] ?? 0)" }
            lines.append("  \(title): " + items.joined(separator: ", "))
        }
        list("examples by task", counts.tasks, sort: <)
        if !counts.labels.isEmpty {
            let none = counts.labels["none"] ?? 0
            list("examples by label", counts.labels, sort: { (counts.labels[$0] ?? 0, $1) > (counts.labels[$1] ?? 0, $0) })
            if none > 0 { lines.append("  label none: \(none) (recorded, never selected or exported)") }
        }
        list("examples by score", counts.scores, sort: >)
        list("examples by language pair", counts.languagePairs, sort: { (counts.languagePairs[$0] ?? 0, $1) > (counts.languagePairs[$1] ?? 0, $0) })
        if counts.withExampleNegatives > 0 {
            lines.append("  examples with negatives from other examples: \(counts.withExampleNegatives)")
        }
        return lines
    }
}
