import Foundation

/// The element-wise parts of the forward pass (norms, RoPE, activations, softmax), on raw fp32 buffers.
///
/// Loops are written so the optimiser can vectorise them; `exp` is a branch-free polynomial accurate to
/// about 2 ulp, which keeps parity with PyTorch far inside the test tolerances.
enum Kernels {
    /// `y = w ⊙ x / √(mean(x²) + eps)` for each of `rows` rows of width `width` (fp32 throughout, no `1+w`).
    static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, eps: Float, xStride: Int? = nil, yStride: Int? = nil
    ) {
        let xs = xStride ?? width, ys = yStride ?? width
        for row in 0..<rows {
            let src = x + row * xs, dst = y + row * ys
            let r = 1 / (sumOfSquares(src, count: width) / Float(width) + eps).squareRoot()
            for j in 0..<width { dst[j] = weight[j] * (src[j] * r) }
        }
    }

    /// Σ x² with eight partial sums (vectorisable, and closer to PyTorch's pairwise sum than one accumulator).
    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= count {
            let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
            acc += v * v
            j += 8
        }
        var total = acc.sum()
        while j < count {
            total += x[j] * x[j]
            j += 1
        }
        return total
    }

    /// Per-head RMSNorm then RoPE (rotate-half pairs (j, j+d/2)) in place, for `heads` heads of width `d` per row.
    static func normAndRotate(
        _ base: UnsafeMutablePointer<Float>, rowStride: Int, rows: Int, heads: Int, d: Int,
        weight: UnsafePointer<Float>, eps: Float, positions: UnsafePointer<Int32>,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let half = d / 2
        for row in 0..<rows {
            let table = Int(positions[row]) * half
            let c = cos + table, s = sin + table
            for head in 0..<heads {
                let v = base + row * rowStride + head * d
                let r = 1 / (sumOfSquares(v, count: d) / Float(d) + eps).squareRoot()
                for j in 0..<d { scratch[j] = weight[j] * (v[j] * r) }
                for j in 0..<half {
                    let a = scratch[j], b = scratch[j + half]
                    v[j] = a * c[j] - b * s[j]
                    v[j + half] = b * c[j] + a * s[j]
                }
            }
        }
    }

    /// `out[t, i] = silu(gu[t, i]) · gu[t, I + i]` where `gu` rows are gate|up of width `2I`.
    static func swiGLU(_ gu: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, intermediate: Int) {
        for row in 0..<rows {
            let gate = gu + row * 2 * intermediate, up = gate + intermediate, dst = out + row * intermediate
            for i in 0..<intermediate {
                let g = gate[i]
                dst[i] = g / (1 + exp(-g)) * up[i]
            }
        }
    }

    /// Softmax of `row[0..<count]` in place (max-subtracted, fp32; max and sum with eight lanes).
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var j = 0
        while j + 8 <= count {
            let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
            lanes.replace(with: v, where: v .> lanes)
            j += 8
        }
        var maximum = lanes.max()
        while j < count {
            maximum = Swift.max(maximum, row[j])
            j += 1
        }
        for k in 0..<count { row[k] = exp(row[k] - maximum) }
        let inverse = 1 / sum(row, count: count)
        for k in 0..<count { row[k] *= inverse }
    }

    /// Σ x with eight partial sums.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= count {
            acc += UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
            j += 8
        }
        var total = acc.sum()
        while j < count {
            total += x[j]
            j += 1
        }
        return total
    }

    /// eˣ for Float, branch-free: x = n·ln2 + r, |r| ≤ ln2/2, degree-7 Taylor polynomial, scaled by 2ⁿ.
    @inline(__always)
    static func exp(_ value: Float) -> Float {
        let x = Swift.min(Swift.max(value, -87.0), 88.0)
        let magic: Float = 12_582_912  // 1.5 · 2²³: adding it rounds to an integer held in the low mantissa bits
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = (x - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        return p * scale
    }
}
