import Foundation
import PairsmithBLAS
import PairsmithDNNL

/// One packed forward pass over a batch of sequences, with its own scratch buffers.
struct ForwardPass {
    let model: QwenModel
    let sequences: [[Int]]

    /// Query rows per attention block: bounds the score matrix to `block × len` and the causal waste to half a block.
    static let attentionBlock = 128

    /// Runs all layers; returns the final-normed last-token state of each sequence.
    func run() throws(EngineError) -> [[Float]] {
        let c = model.config, w = model.weights
        let h = c.hiddenSize, d = c.headDim, nH = c.headCount, nKV = c.kvHeadCount
        let qkvWidth = c.qkvWidth, attnWidth = c.attentionWidth, inter = c.intermediateSize
        let lengths = sequences.map(\.count)
        let total = lengths.reduce(0, +)
        let longest = lengths.max() ?? 0
        var offsets: [Int] = []
        var running = 0
        for length in lengths {
            offsets.append(running)
            running += length
        }
        let lastRows = zip(offsets, lengths).map { $0 + $1 - 1 }

        let hidden = FloatBuffer(count: total * h)
        let normed = FloatBuffer(count: total * h)
        let qkv = FloatBuffer(count: total * qkvWidth)
        let attention = FloatBuffer(count: total * attnWidth)
        let gateUp = FloatBuffer(count: total * 2 * inter)
        let activation = FloatBuffer(count: total * inter)
        let scores = (0..<Self.workers).map { _ in FloatBuffer(count: Swift.min(Self.attentionBlock, longest) * longest) }
        let headScratch = FloatBuffer(count: d)
        // bf16 copies of the linear layers' inputs (bf16 precision only).
        let narrowCount = w.precision == .bf16 ? total * Swift.max(h, attnWidth, inter) : 1
        let narrow = UnsafeMutablePointer<UInt16>.allocate(capacity: narrowCount)
        defer { narrow.deallocate() }
        func linear(
            _ x: UnsafeMutablePointer<Float>, _ weights: LinearWeights, into y: UnsafeMutablePointer<Float>,
            rows: Int, inFeatures: Int, outFeatures: Int, accumulate: Bool = false
        ) throws(EngineError) {
            switch weights {
            case .fp32(let buffer):
                BLAS.linear(
                    x, buffer.pointer, into: y, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                    accumulate: accumulate)
            case .bf16(let matmul):
                DNNL.convertToBF16(x, into: narrow, count: rows * inFeatures)
                do throws(DNNLError) {
                    try matmul.apply(narrow, into: y, rows: rows, accumulate: accumulate)
                } catch {
                    throw .compute(reason: "bf16 matmul \(rows)×\(inFeatures)·\(inFeatures)×\(outFeatures): \(error)")
                }
            }
        }
        let positions = UnsafeMutablePointer<Int32>.allocate(capacity: total)
        defer { positions.deallocate() }
        for (offset, length) in zip(offsets, lengths) {
            for p in 0..<length { positions[offset + p] = Int32(p) }
        }
        let (cosTable, sinTable) = Self.ropeTables(length: longest, headDim: d, theta: c.ropeTheta)

        // Embedding gather: widen only the rows used.
        for (offset, ids) in zip(offsets, sequences) {
            for (p, id) in ids.enumerated() { w.embedding.widen(start: id * h, count: h, into: hidden.pointer + (offset + p) * h) }
        }

        let eps = c.rmsNormEps
        let scale = 1 / Float(d).squareRoot()
        for (index, layer) in w.layers.enumerated() {
            let last = index == w.layers.count - 1
            Kernels.rmsNorm(hidden.pointer, weight: layer.inputNorm.pointer, into: normed.pointer, rows: total, width: h, eps: eps)
            try linear(normed.pointer, layer.qkv, into: qkv.pointer, rows: total, inFeatures: h, outFeatures: qkvWidth)
            Kernels.normAndRotate(
                qkv.pointer, rowStride: qkvWidth, rows: total, heads: nH, d: d, weight: layer.qNorm.pointer,
                eps: eps, positions: positions, cos: cosTable.pointer, sin: sinTable.pointer,
                scratch: headScratch.pointer)
            Kernels.normAndRotate(
                qkv.pointer + nH * d, rowStride: qkvWidth, rows: total, heads: nKV, d: d,
                weight: layer.kNorm.pointer, eps: eps, positions: positions, cos: cosTable.pointer,
                sin: sinTable.pointer, scratch: headScratch.pointer)
            if !last {
                let jobs = zip(offsets, lengths).map { AttentionJob(offset: $0, queryRows: 0..<$1, outRowBase: $0) }
                attendAll(jobs, qkv: qkv.pointer, into: attention.pointer, outStride: attnWidth, scores: scores, scale: scale)
                try linear(
                    attention.pointer, layer.output, into: hidden.pointer,
                    rows: total, inFeatures: attnWidth, outFeatures: h, accumulate: true)
                Kernels.rmsNorm(hidden.pointer, weight: layer.postNorm.pointer, into: normed.pointer, rows: total, width: h, eps: eps)
                try linear(normed.pointer, layer.gateUp, into: gateUp.pointer, rows: total, inFeatures: h, outFeatures: 2 * inter)
                Kernels.swiGLU(gateUp.pointer, into: activation.pointer, rows: total, intermediate: inter)
                try linear(
                    activation.pointer, layer.down, into: hidden.pointer,
                    rows: total, inFeatures: inter, outFeatures: h, accumulate: true)
            } else {
                // Last layer: only the last token of each sequence is pooled, so only its row goes on.
                let n = sequences.count
                let jobs = zip(offsets, lengths).enumerated().map { slot, sequence in
                    AttentionJob(offset: sequence.0, queryRows: (sequence.1 - 1)..<sequence.1, outRowBase: slot - (sequence.1 - 1))
                }
                attendAll(jobs, qkv: qkv.pointer, into: attention.pointer, outStride: attnWidth, scores: scores, scale: scale)
                for slot in 0..<n { (normed.pointer + slot * h).update(from: hidden.pointer + lastRows[slot] * h, count: h) }
                try linear(
                    attention.pointer, layer.output, into: normed.pointer,
                    rows: n, inFeatures: attnWidth, outFeatures: h, accumulate: true)
                // `normed[0..<n]` now holds the residual stream of the last rows; reuse `hidden` for the norm.
                Kernels.rmsNorm(normed.pointer, weight: layer.postNorm.pointer, into: hidden.pointer, rows: n, width: h, eps: eps)
                try linear(hidden.pointer, layer.gateUp, into: gateUp.pointer, rows: n, inFeatures: h, outFeatures: 2 * inter)
                Kernels.swiGLU(gateUp.pointer, into: activation.pointer, rows: n, intermediate: inter)
                try linear(
                    activation.pointer, layer.down, into: normed.pointer,
                    rows: n, inFeatures: inter, outFeatures: h, accumulate: true)
                Kernels.rmsNorm(normed.pointer, weight: w.finalNorm.pointer, into: hidden.pointer, rows: n, width: h, eps: eps)
                return (0..<n).map { Array(UnsafeBufferPointer(start: hidden.pointer + $0 * h, count: h)) }
            }
        }
        return []  // unreachable: a model has at least one layer
    }

    /// Worker threads for attention (each runs single-threaded sgemm on its own (sequence, head) items).
    static let workers = Swift.max(1, Swift.min(8, ProcessInfo.processInfo.activeProcessorCount))

    /// One sequence's attention work: its first row in the packed batch, the query rows to compute, and
    /// where row `r` of them lands in the output (`outRowBase + r`).
    struct AttentionJob: Sendable {
        let offset: Int
        let queryRows: Range<Int>
        let outRowBase: Int
    }

    /// Pointers shared by the attention workers; each worker writes disjoint output columns/rows and its own scores.
    private struct SharedBuffers: @unchecked Sendable {
        let qkv: UnsafeMutablePointer<Float>
        let out: UnsafeMutablePointer<Float>
        let scores: [UnsafeMutablePointer<Float>]
    }

    /// Attention for every (job, head) item, spread over the workers with single-threaded BLAS calls
    /// (the per-head GEMMs are too small to gain from OpenBLAS's own threads).
    private func attendAll(
        _ jobs: [AttentionJob], qkv: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
        outStride: Int, scores: [FloatBuffer], scale: Float
    ) {
        let heads = model.config.headCount
        let items = jobs.count * heads
        let workers = Swift.min(scores.count, items)
        let shared = SharedBuffers(qkv: qkv, out: out, scores: scores.map(\.pointer))
        if workers <= 1 {
            for item in 0..<items {
                attend(
                    jobs[item / heads], head: item % heads, qkv: shared.qkv, into: shared.out, outStride: outStride,
                    scores: shared.scores[0], scale: scale)
            }
            return
        }
        let saved = BLAS.threadCount
        BLAS.threadCount = 1
        defer { BLAS.threadCount = saved }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var item = worker
            while item < items {
                attend(
                    jobs[item / heads], head: item % heads, qkv: shared.qkv, into: shared.out, outStride: outStride,
                    scores: shared.scores[worker], scale: scale)
                item += workers
            }
        }
    }

    /// Causal attention of one sequence and one query head for the job's query rows, written to
    /// `out[(outRowBase + row) · outStride + head · d]`. Scores are computed in blocks of query rows.
    private func attend(
        _ job: AttentionJob, head: Int, qkv: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
        outStride: Int, scores: UnsafeMutablePointer<Float>, scale: Float
    ) {
        let c = model.config
        let d = c.headDim, nH = c.headCount, nKV = c.kvHeadCount, width = c.qkvWidth
        let queryRows = job.queryRows, outRowBase = job.outRowBase
        let rows = qkv + job.offset * width
        let kv = head / (nH / nKV)
        let q = rows + head * d, k = rows + (nH + kv) * d, v = rows + (nH + nKV + kv) * d
        var start = queryRows.lowerBound
        while start < queryRows.upperBound {
            let count = Swift.min(Self.attentionBlock, queryRows.upperBound - start)
            let keys = start + count  // causal: rows of this block see keys 0..<start+count at most
            BLAS.gemm(
                transA: .none, transB: .transposed, m: count, n: keys, k: d, alpha: scale,
                a: q + start * width, lda: width, b: k, ldb: width, c: scores, ldc: keys)
            for i in 0..<count {
                let row = scores + i * keys
                let visible = start + i + 1
                Kernels.softmax(row, count: visible)
                if visible < keys { (row + visible).update(repeating: 0, count: keys - visible) }
            }
            BLAS.gemm(
                transA: .none, transB: .none, m: count, n: d, k: keys,
                a: scores, lda: keys, b: v, ldb: width,
                c: out + (outRowBase + start) * outStride + head * d, ldc: outStride)
            start += count
        }
    }

    /// cos/sin of `p · θ^(-2i/d)` for p < length, i < d/2, computed in fp32 as transformers does.
    static func ropeTables(length: Int, headDim d: Int, theta: Double) -> (FloatBuffer, FloatBuffer) {
        let half = d / 2
        let cosTable = FloatBuffer(count: length * half), sinTable = FloatBuffer(count: length * half)
        let inverse: [Float] = (0..<half).map { i in
            let exponent = Float(2 * i) / Float(d)
            return 1 / Float(Foundation.pow(theta, Double(exponent)))
        }
        for p in 0..<length {
            for i in 0..<half {
                let angle = Float(p) * inverse[i]
                cosTable.pointer[p * half + i] = Foundation.cos(angle)
                sinTable.pointer[p * half + i] = Foundation.sin(angle)
            }
        }
        return (cosTable, sinTable)
    }
}
