import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithStore

/// Builds the training example a unit's last stage produces, from the pipeline's `example:` declaration.
public struct ExampleBuilder: Sendable {
    /// The declaration.
    public let declaration: ExampleDeclaration

    /// Creates a builder.
    public init(declaration: ExampleDeclaration) {
        self.declaration = declaration
    }

    /// A side the unit has no value for.
    public struct MissingSide: Error, Sendable, Hashable, CustomStringConvertible {
        /// The side (`anchor`, `positive`, `score`, …).
        public var side: String
        /// The sources tried.
        public var sources: [InputSource]

        public var description: String {
            "the example's \(side) has no value (tried \(sources.map(\.description).joined(separator: ", ")))"
        }
    }

    /// The example of a unit whose stages have all answered (or been skipped).
    public func build(
        run: String, documentID: Int64, sample: Int, passageLanguage: String, context: UnitContext, requestHash: String?,
        now: Date = Date()
    ) -> Result<ExampleRecord, MissingSide> {
        func firstText(_ sources: [InputSource]) -> (InputSource, String)? {
            for source in sources {
                if let text = context.value(of: source)?.text, !text.isEmpty { return (source, text) }
            }
            return nil
        }
        guard let (_, anchor) = firstText(declaration.anchor) else {
            return .failure(MissingSide(side: "anchor", sources: declaration.anchor))
        }
        guard let (positiveSource, positiveText) = firstText(declaration.positive) else {
            return .failure(MissingSide(side: "positive", sources: declaration.positive))
        }
        let label = declaration.label.flatMap { context.value(of: $0)?.text }
        var negatives: String?
        if case .list(let name)? = declaration.negatives {
            // A list's items as negatives: every item but the example's label, as `name: description` (the other
            // labels of a classification task).
            let others = (context.lists[name] ?? []).filter { $0.name != label }.map(\.entry)
            negatives = others.isEmpty ? nil : JSONValue.strings(others).canonicalText
        } else if let source = declaration.negatives {
            switch context.value(of: source) {
            case .list(_, let values)?: negatives = JSONValue.strings(values.filter { !$0.isEmpty }).canonicalText
            case let value?: negatives = value.text.map { JSONValue.strings([$0]).canonicalText }
            case nil: negatives = nil
            }
        }
        var score: Double?
        if let source = declaration.score {
            guard let raw = context.value(of: source)?.text.flatMap({ Double($0) }) else {
                return .failure(MissingSide(side: "score", sources: [source]))
            }
            if let range = declaration.scoreRange {
                score = min(1, max(0, (raw - range.lowerBound) / (range.upperBound - range.lowerBound)))
            } else {
                score = raw
            }
        }
        var metadata: String?
        if !declaration.metadata.isEmpty {
            let members = declaration.metadata.compactMap { entry in context.value(of: entry.source).map { (entry.name, $0.json) } }
            metadata = JSONValue.object(members).canonicalText
        }
        let anchorLanguage = context.value(of: declaration.anchorLanguage)?.text ?? passageLanguage
        let positiveLanguage =
            declaration.positiveLanguage.flatMap { context.value(of: $0)?.text }
            ?? (positiveSource == .passage ? passageLanguage : anchorLanguage)
        let requested = declaration.requestedLength.flatMap { context.value(of: $0)?.text }.flatMap { Int($0) } ?? 0
        return .success(
            ExampleRecord(
                run: run, documentID: documentID, sample: sample, task: declaration.task, anchor: anchor,
                positive: positiveSource == .passage ? nil : positiveText, negatives: negatives, label: label, score: score,
                anchorInstruction: declaration.anchorInstruction ?? "", positiveInstruction: declaration.positiveInstruction,
                anchorLanguage: anchorLanguage, positiveLanguage: positiveLanguage,
                lengthWords: requested, metadata: metadata, configID: nil, requestHash: requestHash, createdAt: now))
    }
}
