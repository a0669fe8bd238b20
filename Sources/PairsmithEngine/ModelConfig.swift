import Foundation
import PairsmithJSON

/// The hyper-parameters of a Qwen3 model, read from a Hugging Face `config.json`.
///
/// Accepts both layouts: transformers 4 (`rope_theta`, `torch_dtype` at the top level) and transformers 5
/// (`rope_parameters.rope_theta`, `dtype`). `head_dim` defaults to `hidden_size / num_attention_heads` as in
/// transformers, but real Qwen3 configs set it (128 for 0.6B, where hidden/heads is 64).
public struct ModelConfig: Sendable, Equatable {
    /// Width of the residual stream (`hidden_size`).
    public var hiddenSize: Int
    /// Width of the MLP (`intermediate_size`).
    public var intermediateSize: Int
    /// Number of transformer blocks (`num_hidden_layers`).
    public var layerCount: Int
    /// Number of query heads (`num_attention_heads`).
    public var headCount: Int
    /// Number of key/value heads (`num_key_value_heads`, grouped-query attention).
    public var kvHeadCount: Int
    /// Width of one head (`head_dim`).
    public var headDim: Int
    /// Rows of the embedding table (`vocab_size`).
    public var vocabularySize: Int
    /// RoPE base θ.
    public var ropeTheta: Double
    /// RMSNorm epsilon (`rms_norm_eps`).
    public var rmsNormEps: Float
    /// The longest sequence the model was trained for (`max_position_embeddings`).
    public var maxPositionEmbeddings: Int
    /// Whether the output head shares the embedding table (`tie_word_embeddings`).
    public var tieWordEmbeddings: Bool
    /// The declared weight dtype (`dtype` or `torch_dtype`), informational; tensors carry their own.
    public var dtype: String?

    /// Memberwise initialiser (tests and synthetic models).
    public init(
        hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int, kvHeadCount: Int, headDim: Int,
        vocabularySize: Int, ropeTheta: Double = 1_000_000, rmsNormEps: Float = 1e-6,
        maxPositionEmbeddings: Int = 32768, tieWordEmbeddings: Bool = true, dtype: String? = nil
    ) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.vocabularySize = vocabularySize
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.tieWordEmbeddings = tieWordEmbeddings
        self.dtype = dtype
    }

    /// Reads and validates `config.json`.
    public init(contentsOf url: URL) throws(EngineError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) {
                throw .missingFile(path: url.path, hint: "a Hugging Face model folder has a config.json")
            }
            throw .unreadableFile(path: url.path, reason: "\(error)")
        }
        try self.init(json: data, path: url.path)
    }

    /// Parses and validates the contents of a `config.json`; `path` names it in errors.
    public init(json data: Data, path: String = "config.json") throws(EngineError) {
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(data, duplicateKeys: .lastWins) } catch {
            throw .invalidConfig(path: path, field: "(root)", reason: "is not valid JSON (\(error))")
        }
        guard case .object(let object) = parsed, let root = try? JSONFieldReader(parsed, path: "") else {
            throw .invalidConfig(path: path, field: "(root)", reason: "is not a JSON object")
        }
        let reader = ConfigReader(fields: root, path: path)

        if let modelType = try reader.string("model_type", required: false), modelType != "qwen3" {
            throw .invalidConfig(
                path: path, field: "model_type",
                reason: "is '\(modelType)'; this engine runs Qwen3 models (model_type 'qwen3') only")
        }
        hiddenSize = try reader.positiveInt("hidden_size")
        intermediateSize = try reader.positiveInt("intermediate_size")
        layerCount = try reader.positiveInt("num_hidden_layers")
        headCount = try reader.positiveInt("num_attention_heads")
        kvHeadCount = try reader.positiveInt("num_key_value_heads", default: headCount)
        vocabularySize = try reader.positiveInt("vocab_size")
        maxPositionEmbeddings = try reader.positiveInt("max_position_embeddings")
        tieWordEmbeddings = try reader.bool("tie_word_embeddings", default: true)
        rmsNormEps = Float(try reader.number("rms_norm_eps", default: 1e-6))
        let declared = try reader.string("dtype", required: false)
        if let declared { dtype = declared } else { dtype = try reader.string("torch_dtype", required: false) }

        if object["head_dim"] == nil || object["head_dim"] == .null {
            guard hiddenSize % headCount == 0 else {
                throw .invalidConfig(
                    path: path, field: "head_dim",
                    reason: "is absent and hidden_size \(hiddenSize) is not divisible by num_attention_heads \(headCount)")
            }
            headDim = hiddenSize / headCount
        } else {
            headDim = try reader.positiveInt("head_dim")
        }
        guard headDim % 2 == 0 else {
            throw .invalidConfig(path: path, field: "head_dim", reason: "is \(headDim); RoPE needs an even head_dim")
        }
        guard headCount % kvHeadCount == 0 else {
            throw .invalidConfig(
                path: path, field: "num_key_value_heads",
                reason: "\(kvHeadCount) does not divide num_attention_heads \(headCount)")
        }

        // rope_theta: top level (transformers 4) or rope_parameters.rope_theta (transformers 5).
        if let parameters = try? root.object("rope_parameters") {
            let nested = ConfigReader(fields: parameters, path: path)
            if let type = try nested.string("rope_type", required: false), type != "default" {
                throw .invalidConfig(
                    path: path, field: "rope_parameters.rope_type",
                    reason: "is '\(type)'; only the default RoPE is supported")
            }
            ropeTheta = try nested.number("rope_theta")
        } else if object["rope_theta"] != nil {
            ropeTheta = try reader.number("rope_theta")
        } else {
            throw .invalidConfig(
                path: path, field: "rope_theta",
                reason: "is missing (neither 'rope_theta' nor 'rope_parameters.rope_theta' is present)")
        }
        guard ropeTheta > 0 else { throw .invalidConfig(path: path, field: "rope_theta", reason: "must be positive") }
        if let scaling = object["rope_scaling"]?.objectValue,
            let type = (scaling["rope_type"] ?? scaling["type"])?.stringValue, type != "default"
        {
            throw .invalidConfig(path: path, field: "rope_scaling", reason: "'\(type)' scaling is not supported")
        }
        if try reader.bool("use_sliding_window", default: false) {
            throw .invalidConfig(path: path, field: "use_sliding_window", reason: "sliding-window attention is not supported")
        }
        if try reader.bool("attention_bias", default: false) {
            throw .invalidConfig(path: path, field: "attention_bias", reason: "attention biases are not supported (Qwen3 has none)")
        }
        if let act = try reader.string("hidden_act", required: false), act != "silu" {
            throw .invalidConfig(path: path, field: "hidden_act", reason: "is '\(act)'; Qwen3 uses 'silu'")
        }
    }

    /// Width of the fused q|k|v projection: `(nH + 2·nKV) · head_dim`.
    public var qkvWidth: Int { (headCount + 2 * kvHeadCount) * headDim }

    /// Width of the attention output (o_proj input): `nH · head_dim`.
    public var attentionWidth: Int { headCount * headDim }

    /// Number of weights in the linear layers (q, k, v, o, gate, up, down) of all blocks.
    public var linearParameterCount: Int {
        layerCount * (hiddenSize * qkvWidth + attentionWidth * hiddenSize + 3 * hiddenSize * intermediateSize)
    }

    /// Floating-point operations for one token at context length `context` (linear layers + attention).
    ///
    /// Linear: 2 per weight. Attention: `QKᵀ` and `PV` each cost `2·d` per (head, key), over `context` keys.
    public func flopsPerToken(context: Double) -> Double {
        2 * Double(linearParameterCount) + 4 * Double(layerCount * headCount * headDim) * context
    }
}

/// `config.json` fields through ``JSONFieldReader``, its errors turned into ``EngineError/invalidConfig(path:field:reason:)``
/// naming the file and the field; null counts as absent, as transformers reads it.
private struct ConfigReader {
    /// The object's fields (their paths are the field names in errors).
    let fields: JSONFieldReader
    /// The file, for errors.
    let path: String

    private func fail(_ error: JSONFieldError) -> EngineError {
        .invalidConfig(path: path, field: error.path, reason: error.found.map { "must be \(error.expected), found \($0)" } ?? "is missing")
    }

    private func fail(_ field: String, _ reason: String) -> EngineError {
        .invalidConfig(path: path, field: fields.path(field), reason: reason)
    }

    func positiveInt(_ field: String, default fallback: Int? = nil) throws(EngineError) -> Int {
        if fields.isNull(field) {
            if let fallback { return fallback }
            throw fail(field, "is missing")
        }
        let number: Int
        do { number = try fields.int(field) } catch { throw fail(error) }
        guard number > 0 else { throw fail(field, "must be positive, found \(number)") }
        return number
    }

    func number(_ field: String, default fallback: Double? = nil) throws(EngineError) -> Double {
        if fields.isNull(field) {
            if let fallback { return fallback }
            throw fail(field, "is missing")
        }
        do { return try fields.number(field) } catch { throw fail(error) }
    }

    func bool(_ field: String, default fallback: Bool) throws(EngineError) -> Bool {
        do { return try fields.bool(field, default: fallback) } catch { throw fail(error) }
    }

    func string(_ field: String, required: Bool) throws(EngineError) -> String? {
        do { return required ? try fields.string(field) : try fields.optionalString(field) } catch { throw fail(error) }
    }
}
