import PairsmithBLAS
import Testing

/// A deterministic generator (SplitMix64) so failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func randomMatrix(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
}

/// The textbook triple loop, in Double, as the independent reference: y = x · wᵀ.
private func naiveLinear(_ x: [Float], _ w: [Float], rows: Int, inFeatures: Int, outFeatures: Int) -> [Double] {
    var y = [Double](repeating: 0, count: rows * outFeatures)
    for i in 0..<rows {
        for o in 0..<outFeatures {
            var sum = 0.0
            for k in 0..<inFeatures { sum += Double(x[i * inFeatures + k]) * Double(w[o * inFeatures + k]) }
            y[i * outFeatures + o] = sum
        }
    }
    return y
}

private func maxRelativeError(_ got: [Float], _ want: [Double]) -> Double {
    let scale = max(want.map(abs).max() ?? 1, 1e-30)
    return zip(got, want).map { abs(Double($0) - $1) / scale }.max() ?? 0
}

@Suite("OpenBLAS sgemm wrapper")
struct BLASTests {
    @Test(
        "linear matches a naive triple loop on odd, non-square shapes",
        arguments: [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 129, 257), (5, 1024, 3), (200, 96, 160)])
    func linearMatchesNaive(shape: (Int, Int, Int)) {
        let (rows, inFeatures, outFeatures) = shape
        var rng = SplitMix64(state: UInt64(rows * 1_000_003 + inFeatures * 1009 + outFeatures))
        let x = randomMatrix(rows * inFeatures, &rng)
        let w = randomMatrix(outFeatures * inFeatures, &rng)
        let got = BLAS.linear(x, w, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        let want = naiveLinear(x, w, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        #expect(got.count == want.count)
        #expect(maxRelativeError(got, want) < 1e-5)
    }

    @Test("accumulate adds the product to what y holds (residual)")
    func accumulateAdds() {
        var rng = SplitMix64(state: 42)
        let (rows, inFeatures, outFeatures) = (7, 13, 11)
        let x = randomMatrix(rows * inFeatures, &rng)
        let w = randomMatrix(outFeatures * inFeatures, &rng)
        let start = randomMatrix(rows * outFeatures, &rng)
        var y = start
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.linear(
                        xp.baseAddress!, wp.baseAddress!, into: yp.baseAddress!,
                        rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, accumulate: true)
                }
            }
        }
        let product = naiveLinear(x, w, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        let want = zip(start, product).map { Double($0) + $1 }
        #expect(maxRelativeError(y, want) < 1e-5)
    }

    /// (in, out) of the test fixture model's layers (tiny: below them, OpenBLAS takes its small-matrix kernels).
    /// Qwen3-0.6B's sizes are batch-invariant without padding under the kernels `pairsmith` runs (SkylakeX, Haswell;
    /// this test process keeps OpenBLAS's misdetected Prescott fallback, whose big-matrix path is not, so they are
    /// checked end to end instead: EmbedCommandTests' batch test).
    static let invarianceShapes = [(64, 192), (96, 64), (64, 193), (24, 8)]

    @Test(
        "a row's result is the same bits whatever the batch: alone, among 3, 12 or 40 rows, at any position",
        arguments: invarianceShapes)
    func rowsAreBatchInvariant(_ shape: (Int, Int)) {
        let (inFeatures, outFeatures) = shape
        var rng = SplitMix64(state: UInt64(inFeatures * 7919 + outFeatures))
        let w = randomMatrix(outFeatures * inFeatures, &rng)
        let x = randomMatrix(40 * inFeatures, &rng)
        let residual = randomMatrix(40 * outFeatures, &rng)
        for accumulate in [false, true] {
            func product(rows: Range<Int>) -> [Float] {
                var y = Array(residual[(rows.lowerBound * outFeatures)..<(rows.upperBound * outFeatures)])
                let input = Array(x[(rows.lowerBound * inFeatures)..<(rows.upperBound * inFeatures)])
                input.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        y.withUnsafeMutableBufferPointer { yp in
                            BLAS.linear(
                                xp.baseAddress!, wp.baseAddress!, into: yp.baseAddress!, rows: rows.count,
                                inFeatures: inFeatures, outFeatures: outFeatures, accumulate: accumulate)
                        }
                    }
                }
                return y
            }
            // Row 2 alone, then inside batches of other sizes where it sits first, third or last.
            let alone = product(rows: 2..<3)
            for rows in [0..<3, 2..<5, 0..<12, 2..<40, 0..<40] {
                let batch = product(rows: rows)
                let at = (2 - rows.lowerBound) * outFeatures
                #expect(Array(batch[at..<(at + outFeatures)]) == alone, "rows \(rows), accumulate \(accumulate)")
            }
            // And the padding changes nothing but the bits: the product is still right (Double reference).
            let want = naiveLinear(Array(x[(2 * inFeatures)..<(3 * inFeatures)]), w, rows: 1, inFeatures: inFeatures, outFeatures: outFeatures)
            let base = accumulate ? residual[(2 * outFeatures)..<(3 * outFeatures)].map(Double.init) : Array(repeating: 0, count: outFeatures)
            #expect(maxRelativeError(alone, zip(want, base).map { $0 + $1 }) < 1e-5)
        }
    }

    @Test("gemm with A transposed and strided leading dimensions")
    func gemmTransposedStrided() {
        // C[m×n] = Aᵀ · B where A is stored [k × lda] (only the first m columns used), B is [k × n].
        var rng = SplitMix64(state: 7)
        let (m, n, k, lda) = (5, 6, 9, 8)
        let a = randomMatrix(k * lda, &rng)
        let b = randomMatrix(k * n, &rng)
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(
                        transA: .transposed, transB: .none, m: m, n: n, k: k,
                        a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: n,
                        c: cp.baseAddress!, ldc: n)
                }
            }
        }
        var want = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k { want[i * n + j] += Double(a[p * lda + i]) * Double(b[p * n + j]) }
            }
        }
        #expect(maxRelativeError(c, want) < 1e-5)
    }

    @Test("dot product matches a plain sum")
    func dotMatches() {
        var rng = SplitMix64(state: 99)
        let x = randomMatrix(1001, &rng), y = randomMatrix(1001, &rng)
        let want = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let got = x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in BLAS.dot(xp.baseAddress!, yp.baseAddress!, count: 1001) }
        }
        #expect(abs(Double(got) - want) < 1e-3)
    }

    @Test("the linked library is OpenBLAS, not the reference BLAS")
    func openBLASIsLinked() {
        #expect(BLAS.configuration.hasPrefix("OpenBLAS"), "openblas_get_config() said: \(BLAS.configuration)")
        #expect(!BLAS.coreName.isEmpty)
        let before = BLAS.threadCount
        BLAS.threadCount = 1
        #expect(BLAS.threadCount == 1)
        BLAS.threadCount = before
    }

    @Test("a misdetected core (Prescott on an AVX-512 CPU) gets a better OPENBLAS_CORETYPE; a set variable wins")
    func betterCoreType() {
        let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        #expect(BLAS.betterCoreType(chosen: "Prescott", cpuFlags: avx512, environment: [:]) == "SkylakeX")
        #expect(BLAS.betterCoreType(chosen: "Prescott", cpuFlags: ["avx2", "fma"], environment: [:]) == "Haswell")
        #expect(BLAS.betterCoreType(chosen: "SkylakeX", cpuFlags: avx512, environment: [:]) == nil)
        #expect(BLAS.betterCoreType(chosen: "Prescott", cpuFlags: avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
        #expect(BLAS.betterCoreType(chosen: "Prescott", cpuFlags: ["sse3"], environment: [:]) == nil)
    }
}
