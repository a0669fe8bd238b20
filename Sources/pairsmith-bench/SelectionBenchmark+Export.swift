import Foundation
import PairsmithConfiguration
import PairsmithExport
import PairsmithStore
import PairsmithTestSupport

extension SelectionBenchmark {
    /// The export phase: the SFT and weak sets as FlagEmbedding shards (written, fsynced, read back, validated,
    /// renamed), against scripts/reference/export_reference.py (Python sqlite3 + json.dumps + hashlib, fsync per shard,
    /// no read-back) on the same sets, timed by the script itself so interpreter start-up is not counted. Returns
    /// pairsmith's seconds.
    func exportPhase(_ workload: Workload) async throws -> Double {
        // The synthetic store has pairs but no run record; exports read the instruction from it.
        _ = try await workload.store.beginRun(
            RunRecord(
                id: "bench", pipelinePath: "bench", pipelineSHA256: "",
                configuration: "embedding:\n  model: \(workload.model)\n  query_instruction: \(Self.instruction)\n",
                pairsmithVersion: Pairsmith.version))
        var seconds = 0.0
        var reference = 0.0
        var rows = 0
        for set in [SelectionRecord.TrainingSet.sft, .weak] {
            let out = workload.folder.file("export-\(set.rawValue)")
            let start = ContinuousClock.now
            let report = try await Exporter(
                store: workload.store, options: ExportOptions(output: out, format: .flagEmbedding, set: set)
            ).export()
            seconds += Self.seconds(since: start)
            rows += report.rows
            reference += try Self.referenceExport(workload, set: set)
        }
        print(
            String(
                format: "export (sft + weak, flagembedding): %.3f s, %d rows, %.0f rows/s; Python reference %.3f s → export/reference = %.2f",
                seconds, rows, Double(rows) / seconds, reference, seconds / reference))
        return seconds
    }

    /// Seconds the Python reference exporter reports for `set`.
    static func referenceExport(_ workload: Workload, set: SelectionRecord.TrainingSet) throws -> Double {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/export_reference.py")
        let result = try ProcessRunner.run(
            try TestEnvironment.requirePython(),
            [script.path, workload.store.path, workload.folder.file("reference-\(set.rawValue)").path, "--set", set.rawValue])
        guard result.status == 0,
            let object = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
            let seconds = object["seconds"] as? Double
        else { throw ExportBenchmarkError(message: "export_reference.py failed (\(result.status)): \(result.stderr)") }
        return seconds
    }
}

/// The reference exporter did not run.
struct ExportBenchmarkError: Error, CustomStringConvertible {
    /// What went wrong.
    let message: String
    var description: String { message }
}
