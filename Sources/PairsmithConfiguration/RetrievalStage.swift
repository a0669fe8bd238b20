import Foundation
import PairsmithStore

/// The stages of the retrieval pipeline, by the names the work queue stores.
public enum RetrievalStage: String, CaseIterable, Sendable, Hashable, Codable {
    /// Persona matching: top-k persona candidates per passage.
    case match
    /// LLM #1: character, question type and difficulty.
    case configure
    /// LLM #2: the query.
    case generate
    /// Query and passage embedded, cosine stored.
    case score

    /// The unit key of this stage for (run, document, sample).
    public func key(run: String, documentID: Int64, sample: Int) -> UnitKey {
        UnitKey(run: run, stage: rawValue, documentID: documentID, sample: sample)
    }

    /// The key that seeds a (document, sample)'s query plan: the same in every stage, so a plan never changes
    /// with the stage that draws it.
    public static func planKey(run: String, documentID: Int64, sample: Int) -> String {
        "\(run)/\(documentID)/\(sample)"
    }
}

extension PipelineConfiguration {
    /// The run record of this pipeline (the text read and hashed on loading is kept as the run's configuration).
    public func runRecord(now: Date = Date()) -> RunRecord {
        RunRecord(
            id: name, pipelinePath: file.path, pipelineSHA256: fileSHA256, configuration: stored.text,
            pairsmithVersion: Pairsmith.version, createdAt: now, updatedAt: now)
    }
}
