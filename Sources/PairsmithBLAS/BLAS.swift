import COpenBLAS
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Single-precision dense linear algebra on OpenBLAS, with no C types in its API.
///
/// Matrices are row-major. Weights follow the PyTorch `nn.Linear` layout `[out, in]`, so a linear
/// layer is ``linear(_:_:into:rows:inFeatures:outFeatures:accumulate:)``: `y = x · Wᵀ`.
public enum BLAS {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        /// Use the matrix as stored.
        case none
        /// Use the transpose of the stored matrix.
        case transposed

        fileprivate var cblas: CBLAS_TRANSPOSE {
            switch self {
            case .none: CblasNoTrans
            case .transposed: CblasTrans
            }
        }
    }

    /// General matrix product `C = alpha · op(A) · op(B) + beta · C` (row-major `sgemm`).
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the row strides of
    /// the matrices *as stored*. Sizes must be positive and strides at least as wide as the stored rows.
    public static func gemm(
        transA: Transpose, transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m > 0 && n > 0 && k > 0, "gemm sizes must be positive (m=\(m) n=\(n) k=\(k))")
        precondition(lda >= (transA == .none ? k : m), "lda \(lda) is narrower than A's stored rows")
        precondition(ldb >= (transB == .none ? n : k), "ldb \(ldb) is narrower than B's stored rows")
        precondition(ldc >= n, "ldc \(ldc) is narrower than C's rows (\(n))")
        cblas_sgemm(
            CblasRowMajor, transA.cblas, transB.cblas,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc)
        )
    }

    /// A linear layer over a packed batch: `y[rows × out] = x[rows × in] · wᵀ` with `w` stored `[out × in]`.
    ///
    /// With `accumulate` the product is added to `y` (a residual connection) instead of overwriting it.
    ///
    /// A row's result does not depend on the other rows of the batch (how many, or where it sits), so a text
    /// embeds to the same bits whatever it is batched with (a shard's run and an unsharded one agree). OpenBLAS
    /// takes its small-matrix kernels, which sum in another order than its blocked ones, when rows × in × out is
    /// small (below 100³ in 0.3.21); a call below ``batchInvariantRows(inFeatures:outFeatures:)`` rows is therefore
    /// padded with zero rows up to it. (This holds for the kernels `pairsmith` runs, e.g. SkylakeX and Haswell;
    /// OpenBLAS's SSE3 Prescott fallback, which ``reexecWithBetterCoreIfNeeded()`` avoids, is not batch-invariant.)
    public static func linear(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        rows: Int, inFeatures: Int, outFeatures: Int, accumulate: Bool = false
    ) {
        let minimum = batchInvariantRows(inFeatures: inFeatures, outFeatures: outFeatures)
        guard rows > 0, rows < minimum else {
            gemm(
                transA: .none, transB: .transposed,
                m: rows, n: outFeatures, k: inFeatures,
                a: x, lda: inFeatures, b: w, ldb: inFeatures,
                beta: accumulate ? 1 : 0, c: y, ldc: outFeatures
            )
            return
        }
        let paddedX = UnsafeMutablePointer<Float>.allocate(capacity: minimum * inFeatures)
        let paddedY = UnsafeMutablePointer<Float>.allocate(capacity: minimum * outFeatures)
        defer {
            paddedX.deallocate()
            paddedY.deallocate()
        }
        paddedX.initialize(from: x, count: rows * inFeatures)
        (paddedX + rows * inFeatures).initialize(repeating: 0, count: (minimum - rows) * inFeatures)
        if accumulate {
            paddedY.initialize(from: y, count: rows * outFeatures)
        } else {
            paddedY.initialize(repeating: 0, count: rows * outFeatures)
        }
        (paddedY + rows * outFeatures).initialize(repeating: 0, count: (minimum - rows) * outFeatures)
        gemm(
            transA: .none, transB: .transposed,
            m: minimum, n: outFeatures, k: inFeatures,
            a: paddedX, lda: inFeatures, b: w, ldb: inFeatures,
            beta: accumulate ? 1 : 0, c: paddedY, ldc: outFeatures
        )
        y.update(from: paddedY, count: rows * outFeatures)
    }

    /// The fewest rows a ``linear(_:_:into:rows:inFeatures:outFeatures:accumulate:)`` call hands to sgemm: enough
    /// that rows × in × out exceeds 2²⁰, above OpenBLAS's small-matrix kernels (for the Qwen3 sizes, 2 rows).
    public static func batchInvariantRows(inFeatures: Int, outFeatures: Int) -> Int {
        (1 << 20) / max(1, inFeatures * outFeatures) + 1
    }

    /// Array convenience for ``linear(_:_:into:rows:inFeatures:outFeatures:accumulate:)``; returns `[rows × out]`.
    public static func linear(_ x: [Float], _ w: [Float], rows: Int, inFeatures: Int, outFeatures: Int) -> [Float] {
        precondition(x.count == rows * inFeatures, "x has \(x.count) values, expected \(rows)×\(inFeatures)")
        precondition(w.count == outFeatures * inFeatures, "w has \(w.count) values, expected \(outFeatures)×\(inFeatures)")
        var y = [Float](repeating: 0, count: rows * outFeatures)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    linear(
                        xp.baseAddress!, wp.baseAddress!, into: yp.baseAddress!,
                        rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
                }
            }
        }
        return y
    }

    /// Dot product of two vectors of `count` floats.
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        cblas_sdot(blasint(count), x, 1, y, 1)
    }

    /// The build configuration OpenBLAS reports, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64`.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "" }
        return String(cString: config)
    }

    /// The CPU kernel family OpenBLAS chose at run time, e.g. `SkylakeX`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "" }
        return String(cString: name)
    }

    /// The `OPENBLAS_CORETYPE` that would run faster than the kernel family OpenBLAS picked, or nil.
    ///
    /// OpenBLAS 0.3.21 (Debian bookworm) does not know recent Xeons and falls back to the SSE3 `Prescott`
    /// kernels, about 5× slower than `SkylakeX` on an AVX-512 CPU. The choice is made when the library loads,
    /// so it can only be fixed by the environment of a new process (see ``reexecWithBetterCoreIfNeeded()``).
    /// `cpuFlags` are the CPU's feature flags (default: read from /proc/cpuinfo); nil when the variable is set.
    public static func betterCoreType(
        chosen: String = coreName, cpuFlags: Set<String>? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if environment["OPENBLAS_CORETYPE"] != nil { return nil }
        let flags = cpuFlags ?? cpuInfoFlags()
        let weak: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Sandybridge", "Haswell", "Zen"]
        guard weak.contains(chosen) else { return nil }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { return "SkylakeX" }
        if chosen != "Haswell" && chosen != "Zen" && flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Restarts the current program with `OPENBLAS_CORETYPE` set when ``betterCoreType(chosen:cpuFlags:environment:)``
    /// names one; returns normally when there is nothing to gain or the restart is impossible.
    public static func reexecWithBetterCoreIfNeeded() {
        guard let core = betterCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        // execv returned: it failed; carry on with the slower kernels.
        for pointer in argv { free(pointer) }
    }

    private static func cpuInfoFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            return Set(line.split(separator: ":", maxSplits: 1).last?.split(separator: " ").map(String.init) ?? [])
        }
        return []
    }

    /// The number of threads OpenBLAS uses for one call; settable (values below 1 become 1).
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
