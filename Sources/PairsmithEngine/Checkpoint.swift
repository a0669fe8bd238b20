import Foundation
import PairsmithJSON

/// A Hugging Face Qwen3 model folder opened and verified: `config.json` plus memory-mapped safetensors.
///
/// Tensor names are accepted with or without the `model.` prefix. Every tensor the architecture needs must be
/// present with the shape `config.json` implies and a supported dtype; any other tensor is an error, except
/// `lm_head.weight` (an untied or redundant output head) and `rotary_emb.inv_freq` buffers.
public struct Checkpoint: Sendable {
    /// The model folder.
    public let folder: URL
    /// The parsed `config.json`.
    public let config: ModelConfig
    /// The tensors by canonical name (without the `model.` prefix).
    public let tensors: [String: TensorView]

    /// Opens `folder`: reads `config.json`, maps `model.safetensors` or the shards of
    /// `model.safetensors.index.json`, and verifies names, shapes and dtypes.
    public init(folder: URL) throws(EngineError) {
        self.folder = folder
        config = try ModelConfig(contentsOf: folder.appendingPathComponent("config.json"))
        let files = try Self.openWeightFiles(folder)
        var views: [String: TensorView] = [:]
        for file in files {
            for info in file.tensors.values.sorted(by: { $0.name < $1.name }) {
                let name = Self.canonicalName(info.name)
                if name.hasSuffix("rotary_emb.inv_freq") { continue }
                guard views[name] == nil else { throw .duplicateTensor(name: info.name, path: file.url.path) }
                guard let dtype = info.dtype else {
                    throw .unsupportedDType(tensor: info.name, dtype: info.dtypeName, path: file.url.path)
                }
                views[name] = TensorView(file: file, info: info, dtype: dtype)
            }
        }
        try Self.verify(views, config: config, folder: folder)
        tensors = views
    }

    /// The tensor named `name` (canonical, without the `model.` prefix); verified to exist for required names.
    public func tensor(_ name: String) throws(EngineError) -> TensorView {
        guard let view = tensors[name] else { throw .missingTensor(name: name, folder: folder.path) }
        return view
    }

    /// `model.layers.0.x` → `layers.0.x`; other names are unchanged.
    static func canonicalName(_ name: String) -> String {
        name.hasPrefix("model.") ? String(name.dropFirst("model.".count)) : name
    }

    /// Every tensor a Qwen3 model of `config` needs, with its `[out, in]` (or `[n]`) shape.
    public static func expectedTensors(_ config: ModelConfig) -> [(name: String, shape: [Int])] {
        let h = config.hiddenSize, d = config.headDim, i = config.intermediateSize
        var list: [(String, [Int])] = [("embed_tokens.weight", [config.vocabularySize, h])]
        for layer in 0..<config.layerCount {
            let p = "layers.\(layer)."
            list += [
                (p + "input_layernorm.weight", [h]),
                (p + "self_attn.q_proj.weight", [config.headCount * d, h]),
                (p + "self_attn.k_proj.weight", [config.kvHeadCount * d, h]),
                (p + "self_attn.v_proj.weight", [config.kvHeadCount * d, h]),
                (p + "self_attn.o_proj.weight", [h, config.headCount * d]),
                (p + "self_attn.q_norm.weight", [d]),
                (p + "self_attn.k_norm.weight", [d]),
                (p + "post_attention_layernorm.weight", [h]),
                (p + "mlp.gate_proj.weight", [i, h]),
                (p + "mlp.up_proj.weight", [i, h]),
                (p + "mlp.down_proj.weight", [h, i]),
            ]
        }
        list.append(("norm.weight", [h]))
        return list
    }

    private static func verify(_ views: [String: TensorView], config: ModelConfig, folder: URL) throws(EngineError) {
        var expected = expectedTensors(config)
        if views["lm_head.weight"] != nil { expected.append(("lm_head.weight", [config.vocabularySize, config.hiddenSize])) }
        var remaining = Set(views.keys)
        for (name, shape) in expected {
            guard let view = views[name] else { throw .missingTensor(name: name, folder: folder.path) }
            guard view.info.shape == shape else {
                throw .shapeMismatch(tensor: view.info.name, expected: shape, found: view.info.shape, path: view.file.url.path)
            }
            remaining.remove(name)
        }
        if let extra = remaining.sorted().first, let view = views[extra] {
            throw .unexpectedTensor(name: view.info.name, path: view.file.url.path)
        }
    }

    private static func openWeightFiles(_ folder: URL) throws(EngineError) -> [SafeTensorsFile] {
        let single = folder.appendingPathComponent("model.safetensors")
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: index.path) {
            let data: Data
            do { data = try Data(contentsOf: index) } catch { throw .unreadableFile(path: index.path, reason: "\(error)") }
            guard let root = try? JSONValue.parse(data, duplicateKeys: .lastWins), let map = root["weight_map"]?.objectValue else {
                throw .invalidSafetensors(path: index.path, reason: "the index has no 'weight_map' object")
            }
            var shardNames: [String] = []
            for (tensor, value) in map {
                guard let shard = value.stringValue, !shard.contains("/"), !shard.isEmpty else {
                    throw .invalidSafetensors(path: index.path, reason: "weight_map entry '\(tensor)' is not a file name")
                }
                if !shardNames.contains(shard) { shardNames.append(shard) }
            }
            var files: [SafeTensorsFile] = []
            for name in shardNames.sorted() { files.append(try SafeTensorsFile(url: folder.appendingPathComponent(name))) }
            for (tensor, value) in map {
                guard let file = files.first(where: { $0.url.lastPathComponent == value.stringValue }),
                    file.tensors[tensor] != nil
                else {
                    throw .invalidSafetensors(
                        path: index.path,
                        reason: "weight_map says '\(tensor)' is in \(value.brief), but that shard does not hold it")
                }
            }
            return files
        }
        if FileManager.default.fileExists(atPath: single.path) { return [try SafeTensorsFile(url: single)] }
        throw .missingFile(
            path: single.path,
            hint: "the folder has neither model.safetensors nor model.safetensors.index.json")
    }
}
