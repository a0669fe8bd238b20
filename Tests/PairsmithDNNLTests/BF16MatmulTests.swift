import Foundation
import Testing

@testable import PairsmithDNNL

/// bf16 matmul on oneDNN against a naive Double product of the same bf16-rounded operands.
@Suite("oneDNN bf16 matmul")
struct BF16MatmulTests {
    /// Deterministic values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)
        }
    }

    static func bf16(_ values: [Float]) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { DNNL.convertToBF16(v.baseAddress!, into: $0.baseAddress!, count: v.count) }
        }
        return out
    }

    static func widen(_ bits: UInt16) -> Double { Double(Float(bitPattern: UInt32(bits) << 16)) }

    @Test(
        "y = x·wᵀ matches a Double reference on odd shapes, with and without accumulation",
        arguments: [(1, 7, 5), (3, 33, 17), (17, 129, 65), (64, 64, 64), (100, 257, 193), (513, 96, 130)])
    func matchesReference(shape: (Int, Int, Int)) throws {
        let (rows, inFeatures, outFeatures) = shape
        let x = Self.bf16(Self.values(rows * inFeatures, seed: 1))
        let w = Self.bf16(Self.values(outFeatures * inFeatures, seed: 2))
        let matmul = try w.withUnsafeBufferPointer { p in
            try BF16Matmul(weights: p.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, referenceRows: 256)
        }
        var reference = [Double](repeating: 0, count: rows * outFeatures)
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var total = 0.0
                for k in 0..<inFeatures { total += Self.widen(x[r * inFeatures + k]) * Self.widen(w[o * inFeatures + k]) }
                reference[r * outFeatures + o] = total
            }
        }
        var y = [Float](repeating: .nan, count: rows * outFeatures)
        try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeMutableBufferPointer { try matmul.apply(xp.baseAddress!, into: $0.baseAddress!, rows: rows) }
        }
        // f32 accumulation of exact bf16 products: error ~ K · 2⁻²⁴ · Σ|terms|.
        let tolerance = 1e-5 * Double(inFeatures)
        for i in y.indices { #expect(abs(Double(y[i]) - reference[i]) <= tolerance, "\(shape) [\(i)]: \(y[i]) vs \(reference[i])") }
        let residual = Self.values(rows * outFeatures, seed: 3)
        var accumulated = residual
        try x.withUnsafeBufferPointer { xp in
            try accumulated.withUnsafeMutableBufferPointer {
                try matmul.apply(xp.baseAddress!, into: $0.baseAddress!, rows: rows, accumulate: true)
            }
        }
        for i in y.indices {
            let expected = reference[i] + Double(residual[i])
            #expect(abs(Double(accumulated[i]) - expected) <= tolerance, "\(shape) accumulate [\(i)]")
        }
    }

    @Test("bf16 rounding is round-to-nearest-even and keeps NaN a NaN")
    func rounding() {
        let cases: [(Float, UInt16)] = [
            (1.0, 0x3F80), (Float(bitPattern: 0x3F80_8000), 0x3F80), (Float(bitPattern: 0x3F81_8000), 0x3F82),
            (Float(bitPattern: 0x3F80_8001), 0x3F81), (-2.5, 0xC020), (.infinity, 0x7F80),
        ]
        for (value, bits) in cases { #expect(Self.bf16([value]) == [bits], "\(value)") }
        let nan = Self.bf16([Float(bitPattern: 0x7F80_0001)])[0]
        #expect(Float(bitPattern: UInt32(nan) << 16).isNaN)
    }

    @Test("the implementation is readable; on an AMX machine it is oneDNN's AMX brgemm")
    func implementation() throws {
        let implementation = try DNNL.probeImplementation.get()
        #expect(!implementation.isEmpty && implementation != "unknown")
        let capped = ProcessInfo.processInfo.environment["ONEDNN_MAX_CPU_ISA"] != nil
        if DNNL.cpuHasAMXBF16 && DNNL.amxPermissionGranted && !capped {
            #expect(implementation.contains("amx"), "AMX present, but oneDNN chose \(implementation)")
            #expect(DNNL.runsBF16OnAMX)
        } else {
            print("no AMX here (cpuid \(DNNL.cpuHasAMXBF16), permission \(DNNL.amxPermissionGranted), cap \(capped)): \(implementation)")
            #expect(!DNNL.runsBF16OnAMX || !capped)
        }
    }

    @Test("the OpenMP thread count is settable per thread")
    func threads() {
        let saved = DNNL.threadCount
        DNNL.threadCount = 1
        #expect(DNNL.threadCount == 1)
        DNNL.threadCount = 0
        #expect(DNNL.threadCount == 1)
        DNNL.threadCount = saved
        #expect(DNNL.threadCount == saved)
    }

    @Test("bad sizes are typed errors")
    func badShapes() throws {
        let w = [UInt16](repeating: 0, count: 4)
        #expect(throws: DNNLError.self) {
            try w.withUnsafeBufferPointer { try BF16Matmul(weights: $0.baseAddress!, outFeatures: 0, inFeatures: 4) }
        }
        let matmul = try w.withUnsafeBufferPointer { try BF16Matmul(weights: $0.baseAddress!, outFeatures: 2, inFeatures: 2) }
        var y = [Float](repeating: 0, count: 4)
        #expect(throws: DNNLError.invalidShape(reason: "rows must be positive, got 0")) {
            try w.withUnsafeBufferPointer { xp in
                try y.withUnsafeMutableBufferPointer { try matmul.apply(xp.baseAddress!, into: $0.baseAddress!, rows: 0) }
            }
        }
    }
}
