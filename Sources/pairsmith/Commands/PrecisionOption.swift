import ArgumentParser
import Foundation
import PairsmithEngine

extension Precision: ExpressibleByArgument {}

/// The line `embed`, `rerank` and `run` print (stderr) once a local model is loaded: what precision it computes in and why.
func precisionLine(requested: Precision, model: QwenModel) -> String {
    let reason =
        requested == .auto
        ? " (auto: \(model.precision == .bf16 ? "AMX bf16 available" : "no AMX bf16, fp32 is faster")); \(ComputePrecision.dispatchReport)"
        : ""
    return "precision: \(model.precision.rawValue)\(reason)"
}

/// Writes `line` and a newline to stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
