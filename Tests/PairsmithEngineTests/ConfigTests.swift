import Foundation
import Testing
@testable import PairsmithEngine

/// `config.json` parsing: both layouts, defaults, and errors that name the field.
@Suite("config.json")
struct ConfigTests {
    private let base = """
        "model_type": "qwen3", "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28,
        "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151669,
        "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "tie_word_embeddings": true
        """

    private func parse(_ body: String) throws(EngineError) -> ModelConfig {
        try ModelConfig(json: Data("{\(body)}".utf8), path: "x/config.json")
    }

    @Test("transformers 4 layout: rope_theta and torch_dtype at the top level")
    func topLevel() throws {
        let config = try parse(base + #", "rope_theta": 1000000, "torch_dtype": "bfloat16""#)
        #expect(config.ropeTheta == 1_000_000 && config.dtype == "bfloat16" && config.headDim == 128)
        #expect(config.kvHeadCount == 8 && config.maxPositionEmbeddings == 32768 && config.tieWordEmbeddings)
        #expect(config.qkvWidth == 4096 && config.attentionWidth == 2048)
        // Spec §1: 595,776,512 parameters = linear + embeddings + norms.
        let norms = config.layerCount * (2 * 1024 + 2 * 128) + 1024
        #expect(config.linearParameterCount + 151669 * 1024 + norms == 595_776_512)
    }

    @Test("transformers 5 layout: rope_parameters.rope_theta and dtype")
    func nested() throws {
        let config = try parse(base + #", "rope_parameters": {"rope_type": "default", "rope_theta": 5000.5}, "dtype": "float32""#)
        #expect(config.ropeTheta == 5000.5 && config.dtype == "float32")
    }

    @Test("head_dim defaults to hidden/heads when absent")
    func headDimDefault() throws {
        let body = base.replacingOccurrences(of: #""head_dim": 128, "#, with: "") + #", "rope_theta": 10000"#
        #expect(try parse(body).headDim == 64)
    }

    @Test("errors name the field", arguments: [
        (#""hidden_size": 1024"#, #""hidden_size": "big""#, "hidden_size"),
        (#""vocab_size": 151669,"#, "", "vocab_size"),
        (#""num_key_value_heads": 8"#, #""num_key_value_heads": 5"#, "num_key_value_heads"),
        (#""head_dim": 128"#, #""head_dim": 127"#, "head_dim"),
        (#""model_type": "qwen3""#, #""model_type": "llama""#, "model_type"),
        (#""tie_word_embeddings": true"#, #""tie_word_embeddings": 1"#, "tie_word_embeddings"),
    ])
    func fieldErrors(original: String, replacement: String, field: String) throws {
        let body = base.replacingOccurrences(of: original, with: replacement) + #", "rope_theta": 10000"#
        do {
            _ = try parse(body)
            Issue.record("accepted a config with a bad \(field)")
        } catch {
            guard case .invalidConfig(let path, let named, _) = error else { Issue.record("got \(error)"); return }
            #expect(named == field && path == "x/config.json")
            #expect(error.description.contains(field))
        }
    }

    @Test("a missing rope_theta, unsupported rope scaling or sliding window are rejected")
    func unsupported() throws {
        #expect(throws: EngineError.self) { try parse(base) }
        #expect(throws: EngineError.self) { try parse(base + #", "rope_theta": 1, "rope_scaling": {"rope_type": "yarn", "factor": 4}"#) }
        #expect(throws: EngineError.self) { try parse(base + #", "rope_theta": 1, "use_sliding_window": true"#) }
        #expect(throws: EngineError.self) { try ModelConfig(json: Data("not json".utf8)) }
    }

    @Test("flops per token of the 0.6B shape are about 0.93 GFLOP at a 300-token context")
    func flops() throws {
        let config = try parse(base + #", "rope_theta": 1000000"#)
        #expect(abs(config.flopsPerToken(context: 0) / 1e9 - 0.881) < 0.001)
        #expect(abs(config.flopsPerToken(context: 256) / 1e9 - 0.94) < 0.01)
    }
}
