import Foundation

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

/// One transformer block's weights in fp32, with q|k|v and gate|up fused row-wise for single GEMMs.
struct LayerWeights: Sendable {
    let inputNorm: FloatBuffer      // [H]
    let qkv: FloatBuffer            // [(nH + 2 nKV)·d, H]: q rows, then k rows, then v rows
    let output: FloatBuffer         // [H, nH·d]
    let qNorm: FloatBuffer          // [d]
    let kNorm: FloatBuffer          // [d]
    let postNorm: FloatBuffer       // [H]
    let gateUp: FloatBuffer         // [2I, H]: gate rows, then up rows
    let down: FloatBuffer           // [H, I]
}

/// All weights of a Qwen3 model: linear layers widened to fp32, the embedding table left in its stored dtype.
struct ModelWeights: Sendable {
    let layers: [LayerWeights]
    let finalNorm: FloatBuffer
    /// `embed_tokens` as stored (BF16/F16/F32, memory-mapped); rows are widened when gathered.
    let embedding: TensorView
    /// `lm_head` when the model has an untied one; nil when the output head is the embedding table.
    let outputHead: TensorView?

    /// Widens every linear and norm weight of `checkpoint` (layers in parallel) and releases the mapped
    /// 16-bit pages afterwards, so only the fp32 copy stays resident.
    init(_ checkpoint: Checkpoint) throws(EngineError) {
        let config = checkpoint.config
        var views: [[TensorView]] = []
        for layer in 0..<config.layerCount {
            let p = "layers.\(layer)."
            var list: [TensorView] = []
            for name in ["input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                         "self_attn.o_proj", "self_attn.q_norm", "self_attn.k_norm", "post_attention_layernorm",
                         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"] {
                list.append(try checkpoint.tensor(p + name + ".weight"))
            }
            views.append(list)
        }
        let built = LayerSlots(count: config.layerCount)
        let sources = views
        DispatchQueue.concurrentPerform(iterations: config.layerCount) { layer in
            let v = sources[layer]
            built.set(layer, LayerWeights(
                inputNorm: Self.widen([v[0]]), qkv: Self.widen([v[1], v[2], v[3]]), output: Self.widen([v[4]]),
                qNorm: Self.widen([v[5]]), kNorm: Self.widen([v[6]]), postNorm: Self.widen([v[7]]),
                gateUp: Self.widen([v[8], v[9]]), down: Self.widen([v[10]])))
        }
        layers = built.values()
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
}

/// Per-layer results written by concurrent loader workers, each to its own slot.
private final class LayerSlots: @unchecked Sendable {
    private var slots: [LayerWeights?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: LayerWeights) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func values() -> [LayerWeights] { slots.compactMap { $0 } }
}
