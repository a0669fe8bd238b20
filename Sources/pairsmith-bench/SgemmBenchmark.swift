import ArgumentParser
import Foundation
import PairsmithBLAS

/// `pairsmith-bench sgemm`: GFLOP/s of `BLAS.linear` at a layer shape, the ceiling the engine is held to.
struct SgemmBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm", abstract: "sgemm GFLOP/s at transformer layer shapes (y = x·Wᵀ).")

    @Option(help: "Rows (tokens in the packed batch).")
    var rows = 512

    @Option(help: "Comma-separated in×out shapes.")
    var shapes = "1024x2048,1024x1024,2048x1024,1024x6144,3072x1024"

    @Option(help: "Seconds to spend on each shape.")
    var seconds = 1.0

    func run() throws {
        print("OpenBLAS: \(BLAS.configuration) (core \(BLAS.coreName), \(BLAS.threadCount) threads)")
        for shape in shapes.split(separator: ",") {
            let dims = shape.split(separator: "x").compactMap { Int($0) }
            guard dims.count == 2 else { throw ValidationError("shape '\(shape)' is not IN x OUT, e.g. 1024x2048") }
            let gflops = Self.measure(rows: rows, inFeatures: dims[0], outFeatures: dims[1], seconds: seconds)
            print(String(format: "rows %5d  %5d×%-5d  %7.1f GFLOP/s", rows, dims[0], dims[1], gflops))
        }
    }

    /// Runs `y = x·Wᵀ` repeatedly for about `seconds` and returns the achieved GFLOP/s.
    static func measure(rows: Int, inFeatures: Int, outFeatures: Int, seconds: Double) -> Double {
        let x = [Float](repeating: 0.5, count: rows * inFeatures)
        let w = [Float](repeating: 0.25, count: inFeatures * outFeatures)
        var y = [Float](repeating: 0, count: rows * outFeatures)
        let clock = ContinuousClock()
        var iterations = 0
        let start = clock.now
        while (clock.now - start) < .seconds(seconds) || iterations < 2 {
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        BLAS.linear(xp.baseAddress!, wp.baseAddress!, into: yp.baseAddress!,
                                    rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
                    }
                }
            }
            iterations += 1
        }
        let elapsed = (clock.now - start) / .seconds(1)
        return 2 * Double(rows * inFeatures * outFeatures) * Double(iterations) / elapsed / 1e9
    }
}
