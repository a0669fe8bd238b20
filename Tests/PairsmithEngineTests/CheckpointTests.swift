import Foundation
import PairsmithTestSupport
import Testing
@testable import PairsmithEngine

/// Loading and strict verification of checkpoints, on synthetic files written from Swift.
@Suite("checkpoint loading")
struct CheckpointTests {
    private func load(_ checkpoint: TinyCheckpoint, config: String? = nil) throws -> Result<QwenModel, EngineError> {
        let directory = try TemporaryDirectory(prefix: "engine-ckpt")
        defer { directory.remove() }
        try checkpoint.write(to: directory.url, config: config)
        do throws(EngineError) {
            return .success(try QwenModel(folder: directory.url))
        } catch {
            return .failure(error)
        }
    }

    private func error(_ checkpoint: TinyCheckpoint, config: String? = nil) throws -> EngineError? {
        if case .failure(let error) = try load(checkpoint, config: config) { return error }
        return nil
    }

    @Test("the same weights give the same states with and without the model. prefix, in F32, F16 and BF16")
    func prefixAndDTypes() throws {
        let ids = [[1, 5, 7, 19], [3], [2, 2, 2, 9, 11, 0, 19]]
        let plain = try load(.make()).get().forward(sequences: ids)
        let prefixed = try load(.make(prefix: "model.")).get().forward(sequences: ids)
        #expect(plain == prefixed)
        for dtype in ["F16", "BF16"] {
            let states = try load(.make(dtype: dtype)).get().forward(sequences: ids)
            for (a, b) in zip(states, plain) {
                let (cosine, _) = compare(a, b.map(Double.init))
                #expect(cosine > 0.99, "\(dtype) drifted: cosine \(cosine)")
            }
        }
    }

    @Test("widening is exact: BF16 bits << 16, F16 by IEEE rules")
    func widening() {
        #expect(TensorView.halfToFloat(0x3C00) == 1)
        #expect(TensorView.halfToFloat(0xC000) == -2)
        #expect(TensorView.halfToFloat(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(TensorView.halfToFloat(0x7C00) == .infinity)
        #expect(TensorView.halfToFloat(0x7BFF) == 65504)
        for value: Float16 in [0.1, -3.75, 1e-5, 1234] { #expect(TensorView.halfToFloat(value.bitPattern) == Float(value)) }
    }

    @Test("a missing tensor is named")
    func missingTensor() throws {
        var checkpoint = TinyCheckpoint.make()
        checkpoint.tensors.removeAll { $0.name == "layers.1.self_attn.k_norm.weight" }
        let failure = try error(checkpoint)
        guard case .missingTensor(let name, _) = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(name == "layers.1.self_attn.k_norm.weight")
        #expect(failure?.description.contains("layers.1.self_attn.k_norm.weight") == true)
    }

    @Test("a mis-shaped tensor is named with both shapes")
    func wrongShape() throws {
        var checkpoint = TinyCheckpoint.make()
        let index = try #require(checkpoint.tensors.firstIndex { $0.name == "layers.0.self_attn.q_proj.weight" })
        checkpoint.tensors[index].shape = [8, 12]  // hidden/heads·heads instead of heads·head_dim
        let failure = try error(checkpoint)
        #expect(failure == .shapeMismatch(tensor: "layers.0.self_attn.q_proj.weight", expected: [12, 8], found: [8, 12],
                                          path: failurePath(failure)))
    }

    @Test("an unsupported dtype is named")
    func unsupportedDType() throws {
        var checkpoint = TinyCheckpoint.make()
        let index = try #require(checkpoint.tensors.firstIndex { $0.name == "norm.weight" })
        checkpoint.tensors[index].dtype = "I8"
        let failure = try error(checkpoint)
        guard case .unsupportedDType(let tensor, let dtype, _) = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(tensor == "norm.weight" && dtype == "I8")
    }

    @Test("an extra tensor is an error, lm_head and rotary inv_freq are accepted")
    func extraTensors() throws {
        var checkpoint = TinyCheckpoint.make()
        checkpoint.tensors.append(.init(name: "layers.0.self_attn.q_proj.bias", dtype: "F32", shape: [12], values: .init(repeating: 0, count: 12)))
        let failure = try error(checkpoint)
        guard case .unexpectedTensor(let name, _) = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(name == "layers.0.self_attn.q_proj.bias")

        var tolerated = TinyCheckpoint.make()
        tolerated.tensors.append(.init(name: "lm_head.weight", dtype: "F32", shape: [20, 8], values: .init(repeating: 0.5, count: 160)))
        tolerated.tensors.append(.init(name: "model.layers.0.self_attn.rotary_emb.inv_freq", dtype: "F32", shape: [3], values: [1, 2, 3]))
        _ = try load(tolerated).get()
    }

    @Test("the same tensor with and without the prefix is a duplicate")
    func duplicate() throws {
        var checkpoint = TinyCheckpoint.make()
        var copy = try #require(checkpoint.tensors.first { $0.name == "norm.weight" })
        copy.name = "model.norm.weight"
        checkpoint.tensors.append(copy)
        let failure = try error(checkpoint)
        guard case .duplicateTensor = failure else { Issue.record("got \(String(describing: failure))"); return }
    }

    @Test("a truncated weights file is rejected, not read out of bounds")
    func truncatedFile() throws {
        let directory = try TemporaryDirectory(prefix: "engine-ckpt")
        defer { directory.remove() }
        let checkpoint = TinyCheckpoint.make()
        try checkpoint.write(to: directory.url)
        let data = try Data(contentsOf: directory.file("model.safetensors"))
        try data.prefix(data.count - 100).write(to: directory.file("model.safetensors"))
        #expect(throws: EngineError.self) { try QwenModel(folder: directory.url) }
    }

    @Test("no weights file at all names what is missing")
    func noWeights() throws {
        let directory = try TemporaryDirectory(prefix: "engine-ckpt")
        defer { directory.remove() }
        try TinyCheckpoint.make().configJSON().write(to: directory.file("config.json"), atomically: true, encoding: .utf8)
        do {
            _ = try QwenModel(folder: directory.url)
            Issue.record("loaded a folder without weights")
        } catch {
            #expect(error.description.contains("model.safetensors"))
        }
    }

    @Test("a sharded index pointing at a shard that lacks the tensor is rejected")
    func badIndex() throws {
        let directory = try TemporaryDirectory(prefix: "engine-ckpt")
        defer { directory.remove() }
        let checkpoint = TinyCheckpoint.make()
        try checkpoint.write(to: directory.url)
        try FileManager.default.moveItem(at: directory.file("model.safetensors"), to: directory.file("model-00001-of-00001.safetensors"))
        let index = #"{"metadata": {}, "weight_map": {"norm.weight": "model-00001-of-00001.safetensors", "ghost.weight": "model-00001-of-00001.safetensors"}}"#
        try index.write(to: directory.file("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        do {
            _ = try QwenModel(folder: directory.url)
            Issue.record("accepted a bad index")
        } catch {
            #expect(error.description.contains("ghost.weight"))
        }
    }

    private func failurePath(_ error: EngineError?) -> String {
        if case .shapeMismatch(_, _, _, let path) = error { return path }
        return ""
    }
}
