import PairsmithConfiguration
import PairsmithEngine
import PairsmithStore

/// The precision a run's local embedder computes in: the one recorded with the run (so a resumed run never mixes
/// bf16 and fp32 vectors in one SFT cut), fp32 for a run stored before precisions were recorded, else the
/// pipeline's `embedding.precision`.
public struct RunPrecision: Sendable, Hashable {
    /// The precision to load the local embedder in.
    public var precision: Precision
    /// A line for the user when the pipeline asks for another precision than the run was scored in.
    public var note: String?

    /// Resolves the precision for the pipeline's run in `store`.
    public static func resolve(
        store: PairsmithStore, pipeline configuration: PipelineConfiguration
    ) async throws
        -> RunPrecision
    {
        let run = configuration.name
        let asked = configuration.embedding.precision
        if let recorded = try await store.recordedPrecision(run: run) {
            guard let precision = Precision(rawValue: recorded) else {
                throw RunPrecisionError.unknownRecorded(recorded, run: run)
            }
            let note =
                asked != "auto" && asked != recorded
                ? "run \(run) was scored in \(recorded): resuming in \(recorded), not \(asked)" : nil
            return RunPrecision(precision: precision, note: note)
        }
        if try await store.run(run) != nil { return RunPrecision(precision: .fp32, note: nil) }
        return RunPrecision(precision: Precision(rawValue: asked) ?? .auto, note: nil)
    }
}

/// Why a run's precision could not be resolved.
public enum RunPrecisionError: Error, CustomStringConvertible, Equatable {
    /// The database records a precision this release does not know.
    case unknownRecorded(String, run: String)

    public var description: String {
        switch self {
        case .unknownRecorded(let recorded, let run):
            "the database records precision \"\(recorded)\" for run \(run), which this pairsmith does not know; "
                + "use the release that wrote it"
        }
    }
}
