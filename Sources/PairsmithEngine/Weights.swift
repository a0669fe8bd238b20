import Foundation
import PairsmithDNNL

/// A fixed-size, 64-byte-aligned fp32 buffer, immutable once filled (weights) or owned by one forward pass (scratch).
final class FloatBuffer: @unchecked Sendable {
    /// The first element.
    let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    let count: Int

    /// Allocates `count` uninitialised floats (at least one).
    init(count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, count) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: Swift.max(1, count))
    }

    deinit { pointer.deallocate() }
}

/// A linear layer's weight `[out, in]`: widened to fp32 for sgemm, or bf16 reordered for oneDNN's matmul.
enum LinearWeights: Sendable {
    /// fp32, row-major `[out, in]`.
    case fp32(FloatBuffer)
    /// bf16 in the layout oneDNN's primitive prefers.
    case bf16(BF16Matmul)

    /// Bytes held for this weight.
    var byteCount: Int {
        switch self {
        case .fp32(let buffer): buffer.count * 4
        case .bf16(let matmul): matmul.weightBytes
        }
    }
}

/// One transformer block's weights, with q|k|v and gate|up fused row-wise for single GEMMs; norms in fp32.
struct LayerWeights: Sendable {
    let inputNorm: FloatBuffer  // [H]
    let qkv: LinearWeights  // [(nH + 2 nKV)·d, H]: q rows, then k rows, then v rows
    let output: LinearWeights  // [H, nH·d]
    let qNorm: FloatBuffer  // [d]
    let kNorm: FloatBuffer  // [d]
    let postNorm: FloatBuffer  // [H]
    let gateUp: LinearWeights  // [2I, H]: gate rows, then up rows
    let down: LinearWeights  // [H, I]
}

/// All weights of a Qwen3 model: linear layers in fp32 or bf16, the embedding table left in its stored dtype.
struct ModelWeights: Sendable {
    let layers: [LayerWeights]
    let finalNorm: FloatBuffer
    /// `embed_tokens` as stored (BF16/F16/F32, memory-mapped); rows are widened when gathered.
    let embedding: TensorView
    /// `lm_head` when the model has an untied one; nil when the output head is the embedding table.
    let outputHead: TensorView?

    /// The arithmetic of the linear layers.
    let precision: ComputePrecision

    /// Prepares every linear weight of `checkpoint` in `precision` (fp32: widened; bf16: kept or rounded to bf16
    /// and reordered for oneDNN) and the norms in fp32, layers in parallel, releasing the mapped pages afterwards
    /// so only the prepared copy stays resident. `referenceRows` is the row count whose matmul picks the layout.
    init(_ checkpoint: Checkpoint, precision: ComputePrecision = .fp32, referenceRows: Int = 512) throws(EngineError) {
        let config = checkpoint.config
        var views: [[TensorView]] = []
        for layer in 0..<config.layerCount {
            let p = "layers.\(layer)."
            var list: [TensorView] = []
            for name in [
                "input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                "self_attn.o_proj", "self_attn.q_norm", "self_attn.k_norm", "post_attention_layernorm",
                "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
            ] {
                list.append(try checkpoint.tensor(p + name + ".weight"))
            }
            views.append(list)
        }
        let built = LayerSlots(count: config.layerCount)
        let sources = views
        DispatchQueue.concurrentPerform(iterations: config.layerCount) { layer in
            let v = sources[layer]
            do throws(EngineError) {
                func linear(_ parts: [TensorView]) throws(EngineError) -> LinearWeights {
                    switch precision {
                    case .fp32: .fp32(Self.widen(parts))
                    case .bf16: .bf16(try Self.bf16(parts, referenceRows: referenceRows))
                    }
                }
                built.set(
                    layer,
                    .success(
                        LayerWeights(
                            inputNorm: Self.widen([v[0]]), qkv: try linear([v[1], v[2], v[3]]), output: try linear([v[4]]),
                            qNorm: Self.widen([v[5]]), kNorm: Self.widen([v[6]]), postNorm: Self.widen([v[7]]),
                            gateUp: try linear([v[8], v[9]]), down: try linear([v[10]]))))
            } catch {
                built.set(layer, .failure(error))
            }
        }
        layers = try built.values()
        self.precision = precision
        finalNorm = Self.widen([try checkpoint.tensor("norm.weight")])
        embedding = try checkpoint.tensor("embed_tokens.weight")
        outputHead = config.tieWordEmbeddings ? nil : checkpoint.tensors["lm_head.weight"]
    }

    /// Concatenates the tensors' elements (row-wise fusion) into one fp32 buffer and drops their mapped pages.
    private static func widen(_ views: [TensorView]) -> FloatBuffer {
        let buffer = FloatBuffer(count: views.reduce(0) { $0 + $1.info.elementCount })
        var offset = 0
        for view in views {
            view.widen(count: view.info.elementCount, into: buffer.pointer + offset)
            offset += view.info.elementCount
            view.file.release(view.info)
        }
        return buffer
    }

    /// Concatenates the tensors (row-wise fusion) as bf16 `[out, in]` (BF16 copied as stored, F32/F16 rounded to
    /// nearest even), hands them to oneDNN to reorder, and drops the mapped pages and the plain copy.
    private static func bf16(_ views: [TensorView], referenceRows: Int) throws(EngineError) -> BF16Matmul {
        let count = views.reduce(0) { $0 + $1.info.elementCount }
        let inFeatures = views[0].info.shape.last ?? 1
        let plain = UnsafeMutablePointer<UInt16>.allocate(capacity: Swift.max(1, count))
        defer { plain.deallocate() }
        var offset = 0
        for view in views {
            view.narrowToBF16(into: plain + offset)
            offset += view.info.elementCount
            view.file.release(view.info)
        }
        do throws(DNNLError) {
            return try BF16Matmul(weights: plain, outFeatures: count / inFeatures, inFeatures: inFeatures, referenceRows: referenceRows)
        } catch {
            throw .compute(reason: "preparing \(views[0].info.name) for bf16: \(error)")
        }
    }
}

extension TensorView {
    /// Writes the whole tensor as bf16 bits: BF16 as stored, F32 and F16 rounded to nearest even.
    func narrowToBF16(into destination: UnsafeMutablePointer<UInt16>) {
        let count = info.elementCount
        if dtype == .bf16 {
            let raw = file.data(info)
            for i in 0..<count { destination[i] = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            return
        }
        let chunk = 1 << 16
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunk)
        defer { scratch.deallocate() }
        var start = 0
        while start < count {
            let n = Swift.min(chunk, count - start)
            widen(start: start, count: n, into: scratch)
            DNNL.convertToBF16(scratch, into: destination + start, count: n)
            start += n
        }
    }
}

/// Per-layer results written by concurrent loader workers, each to its own slot.
private final class LayerSlots: @unchecked Sendable {
    private var slots: [Result<LayerWeights, EngineError>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<LayerWeights, EngineError>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func values() throws(EngineError) -> [LayerWeights] {
        var layers: [LayerWeights] = []
        for slot in slots {
            guard let slot else { throw .compute(reason: "a layer was not prepared") }
            layers.append(try slot.get())
        }
        return layers
    }
}
