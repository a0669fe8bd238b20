import Foundation
@testable import PairsmithEngine

/// Writes small synthetic Qwen3 checkpoints from Swift (no Python), for loader and error tests.
struct TinyCheckpoint {
    /// A tensor to write: name, dtype, shape and fp32 values (encoded to the dtype).
    struct Tensor {
        var name: String
        var dtype: String
        var shape: [Int]
        var values: [Float]
    }

    var config: ModelConfig
    var tensors: [Tensor]

    /// A 1–2 layer model: hidden 8, 2 heads of 6 (head_dim ≠ hidden/heads), 1 kv head, vocab 20; seeded values.
    static func make(layers: Int = 2, dtype: String = "F32", prefix: String = "", seed: UInt64 = 1) -> TinyCheckpoint {
        let config = ModelConfig(hiddenSize: 8, intermediateSize: 12, layerCount: layers, headCount: 2, kvHeadCount: 1,
                                 headDim: 6, vocabularySize: 20, ropeTheta: 10_000, maxPositionEmbeddings: 1024)
        var generator = SplitMix(state: seed)
        let tensors = Checkpoint.expectedTensors(config).map { entry -> Tensor in
            let count = entry.shape.reduce(1, *)
            let isNorm = entry.shape.count == 1
            let values = (0..<count).map { _ in isNorm ? 0.5 + generator.nextFloat() : (generator.nextFloat() - 0.5) }
            return Tensor(name: prefix + entry.name, dtype: dtype, shape: entry.shape, values: values)
        }
        return TinyCheckpoint(config: config, tensors: tensors)
    }

    /// The config.json text (transformers-5 layout unless `topLevelRope`).
    func configJSON(topLevelRope: Bool = false) -> String {
        let rope = topLevelRope
            ? "\"rope_theta\": \(config.ropeTheta), \"torch_dtype\": \"float32\""
            : "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": \(config.ropeTheta)}, \"dtype\": \"float32\""
        return """
            {"model_type": "qwen3", "hidden_size": \(config.hiddenSize), "intermediate_size": \(config.intermediateSize),
             "num_hidden_layers": \(config.layerCount), "num_attention_heads": \(config.headCount),
             "num_key_value_heads": \(config.kvHeadCount), "head_dim": \(config.headDim), "vocab_size": \(config.vocabularySize),
             "max_position_embeddings": \(config.maxPositionEmbeddings), "rms_norm_eps": 1e-06,
             "tie_word_embeddings": \(config.tieWordEmbeddings), "hidden_act": "silu", \(rope)}
            """
    }

    /// Writes config.json and model.safetensors into `folder`.
    func write(to folder: URL, config configText: String? = nil) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try (configText ?? configJSON()).write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try Self.safetensors(tensors).write(to: folder.appendingPathComponent("model.safetensors"))
    }

    /// Encodes tensors in the safetensors format (F32, F16, BF16; any other dtype gets 1 byte per element).
    static func safetensors(_ tensors: [Tensor]) -> Data {
        var payload = Data()
        var entries: [String] = []
        for tensor in tensors {
            let start = payload.count
            for value in tensor.values {
                switch tensor.dtype {
                case "F32": withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) }
                case "F16": withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { payload.append(contentsOf: $0) }
                case "BF16": withUnsafeBytes(of: UInt16(value.bitPattern >> 16).littleEndian) { payload.append(contentsOf: $0) }
                default: payload.append(0)
                }
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(start),\(payload.count)]}")
        }
        var header = Data(("{\"__metadata__\":{\"format\":\"pt\"}," + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        return file + header + payload
    }
}

/// A tiny deterministic random generator for synthetic weights.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

/// A toy tokenizer: one id per Unicode scalar (mod 19), `<|endoftext|>` = 19; never appends specials itself.
struct ScalarTokenizer: TokenEncoder {
    var appendsEndOfText = false

    func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        let ids = text.unicodeScalars.map { Int($0.value % 19) }
        return addSpecialTokens && appendsEndOfText ? ids + [19] : ids
    }

    func id(forToken token: String) -> Int? {
        switch token {
        case "<|endoftext|>": 19
        case "yes": 3
        case "no": 4
        default: nil
        }
    }
}
