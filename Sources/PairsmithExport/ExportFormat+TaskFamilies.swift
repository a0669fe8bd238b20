import PairsmithJSON
import PairsmithStore

/// What task-specific rows need to know of the run: its task family and, for STS, the score from which a pair is a
/// positive (the pipeline's `selection.score_aware.min_score`).
struct TaskExportContext: Sendable, Hashable {
    /// The run's task family.
    var task: String
    /// STS: pairs scoring at least this are positives, the others negatives of the same anchor.
    var positiveMinScore: Double = 0.75
}

/// The layouts the trainers of the report's other task families read:
///
/// - STS, `sentence-transformers`: `sentence1`, `sentence2`, `score` (in [0, 1]) — the default scored-pair layout
///   that CoSENTLoss, AnglELoss and CosineSimilarityLoss read; every selected pair, at every level.
/// - STS, `flagembedding`: one row per pair scoring at least the positive score, `pos` its sentence and `neg` the
///   sentences of the same anchor's low-level pairs, `type: symmetric_sts` (FlagEmbedding then gives the passages
///   the query's instruction too); a low-level pair is no row of its own, and a high-level pair without a low-level
///   sibling gives none (FlagEmbedding's loader needs a negative).
/// - STS, `ms-swift`: `query`, `response`, `label` (the score), the form of ms-swift's cosine-similarity loss.
/// - bitext, `flagembedding`: the usual row with `type: symmetric_sts` (both sides carry the instruction).
/// - classification, `sentence-transformers`: `text`, `label`; `flagembedding`: `query` the text, `pos` the label's
///   name and description, `neg` the other labels, `type: symmetric_class`; `ms-swift`: the usual row (the label as
///   the response, the other labels as rejected responses).
extension ExportFormat {
    /// The rows of `example` for its task family, or nil when the format's usual row is the task's.
    /// The layout follows the run's task (its pipeline's `task:`), so every row of one file has the same columns.
    func taskRows(_ example: ExportExample, instruction: String, context: TaskExportContext) -> [JSONValue]? {
        let negatives = example.generatedNegatives + example.negatives.map(\.text)
        switch (context.task, self) {
        case ("sts", .sentenceTransformers):
            return [
                .object([
                    ("sentence1", .string(example.anchor)), ("sentence2", .string(example.positive)),
                    ("score", .number(example.score ?? 0)),
                ])
            ]
        case ("sts", .flagEmbedding):
            guard (example.score ?? 0) >= context.positiveMinScore, !negatives.isEmpty else { return [] }
            return [flagEmbeddingRow(example, negatives: negatives, instruction: instruction, type: "symmetric_sts")]
        case ("sts", .msSwift):
            return [
                .object([
                    ("query", .string(Self.instructed(example.anchor, instruction))),
                    ("response", .string(Self.instructed(example.positive, example.positiveInstruction ?? ""))),
                    ("label", .number(example.score ?? 0)),
                ])
            ]
        case ("bitext", .flagEmbedding):
            return [flagEmbeddingRow(example, negatives: negatives, instruction: instruction, type: "symmetric_sts")]
        case ("classification", .sentenceTransformers):
            return [.object([("text", .string(example.anchor)), ("label", .string(example.label ?? ""))])]
        case ("classification", .flagEmbedding):
            return [flagEmbeddingRow(example, negatives: negatives, instruction: instruction, type: "symmetric_class")]
        default:
            return nil
        }
    }

    /// Whether the task's rows in this format ignore negatives (so sentence-transformers' fixed negative columns do
    /// not apply and no example is left out for want of negatives).
    func ignoresNegatives(task: String) -> Bool {
        switch (task, self) {
        case ("sts", .sentenceTransformers), ("classification", .sentenceTransformers), ("sts", .msSwift): true
        default: false
        }
    }

    /// The keys every row of this format has for `task` (what validation checks after writing).
    func requiredKeys(task: String) -> [String] {
        switch (task, self) {
        case ("sts", .sentenceTransformers): ["sentence1", "sentence2", "score"]
        case ("sts", .msSwift): ["query", "response", "label"]
        case ("classification", .sentenceTransformers): ["text", "label"]
        case ("sts", .flagEmbedding), ("bitext", .flagEmbedding), ("classification", .flagEmbedding): requiredKeys + ["type"]
        default: requiredKeys
        }
    }

    /// The columns `datasets` gives the task's rows, when they are not the format's usual ones.
    func taskFeatures(task: String) -> [CardFeature]? {
        let string = CardFeatureType.value("string")
        switch (task, self) {
        case ("sts", .sentenceTransformers):
            return [
                CardFeature(name: "sentence1", type: string), CardFeature(name: "sentence2", type: string),
                CardFeature(name: "score", type: .value("float64")),
            ]
        case ("sts", .msSwift):
            return [
                CardFeature(name: "query", type: string), CardFeature(name: "response", type: string),
                CardFeature(name: "label", type: .value("float64")),
            ]
        case ("classification", .sentenceTransformers):
            return [CardFeature(name: "text", type: string), CardFeature(name: "label", type: string)]
        case ("sts", .flagEmbedding), ("bitext", .flagEmbedding), ("classification", .flagEmbedding):
            return DatasetCard.features(self, columns: nil) + [CardFeature(name: "type", type: string)]
        default:
            return nil
        }
    }

    /// FlagEmbedding's row with its `type` (how its loader treats a symmetric task's data).
    private func flagEmbeddingRow(_ example: ExportExample, negatives: [String], instruction: String, type: String) -> JSONValue {
        .object([
            ("query", .string(example.anchor)),
            ("pos", .strings([example.positive])),
            ("neg", .strings(negatives)),
            ("prompt", .string(instruction)),
            ("type", .string(type)),
            ("meta", Self.metadata(example)),
        ])
    }
}
