import Foundation
import PairsmithStore

extension PipelineConfiguration {
    /// The run record of this pipeline (the text read and hashed on loading is kept as the run's configuration).
    public func runRecord(now: Date = Date()) -> RunRecord {
        RunRecord(
            id: name, pipelinePath: file.path, pipelineSHA256: fileSHA256, configuration: stored.text,
            pairsmithVersion: Pairsmith.version, createdAt: now, updatedAt: now)
    }
}
