import Foundation
import PairsmithDNNL

/// The arithmetic a model is asked to run in: `auto` picks bf16 only where oneDNN runs it on AMX, else fp32.
public enum Precision: String, Sendable, CaseIterable, Codable {
    /// bf16 where the CPU and kernel run it on AMX tiles (the fast path), fp32 everywhere else.
    case auto
    /// bf16 weights and linear-layer inputs, f32 accumulation (oneDNN), even without AMX (slower there).
    case bf16
    /// fp32 throughout (OpenBLAS sgemm).
    case fp32

    /// What `auto` (or an explicit choice) becomes on this machine.
    public func resolved() -> ComputePrecision {
        switch self {
        case .bf16: .bf16
        case .fp32: .fp32
        case .auto: ComputePrecision.bf16IsFast ? .bf16 : .fp32
        }
    }
}

/// The arithmetic a loaded model actually runs in; recorded with every vector and score it produces.
public enum ComputePrecision: String, Sendable, CaseIterable, Codable {
    /// bf16 weights and linear-layer inputs on oneDNN, f32 accumulation; norms, RoPE, softmax, residuals in f32.
    case bf16
    /// fp32 throughout on OpenBLAS.
    case fp32

    /// Whether bf16 pays here: CPUID has AMX-BF16, Linux grants the tile state, and oneDNN's bf16 matmul
    /// implementation is an AMX one (not so under `ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16` or lower).
    public static var bf16IsFast: Bool { DNNL.runsBF16OnAMX }

    /// A line saying why `auto` resolves as it does here (CPU flag, kernel permission, oneDNN's implementation).
    public static var dispatchReport: String {
        let implementation: String
        switch DNNL.probeImplementation {
        case .success(let name): implementation = name
        case .failure(let error): implementation = "unavailable (\(error))"
        }
        return "oneDNN \(DNNL.version): cpuid amx_bf16 \(DNNL.cpuHasAMXBF16 ? "yes" : "no"), "
            + "AMX tile permission \(DNNL.amxPermissionGranted ? "granted" : "refused"), bf16 matmul \(implementation)"
    }
}
