import Foundation
import PairsmithDNNL
import PairsmithTestSupport
import PairsmithTokenizer
import Testing

@testable import PairsmithEngine

/// The bf16 path (bf16 weights and linear inputs on oneDNN, f32 accumulation) against transformers fp32 on the
/// random-weight parity checkpoints: cosine ≥ 0.9999, and max |Δ| ≤ 3e-3 for embeddings and reranker scores.
///
/// 3e-3 is the 16-bit tolerance the engine spec expects (§4: vLLM's 16-bit scores against fp32). Issue 18 aimed at
/// 2e-3; measured here the worst cases are 2.7e-3 (emb-f32-gqa, whose fp32 weights are rounded to bf16, at 32 of 64
/// dimensions, where one component is ~0.2) and 2.6e-3 (a reranker score), so 2e-3 is not met on these tiny shapes.
@Suite("bf16 parity with transformers fp32")
struct BF16ParityTests {
    static let embeddingModels = ParityTests.embeddingModels
    static let minimumCosine = 0.9999
    static let maximumDelta = 3e-3

    @Test(
        "bf16 embeddings from the reference ids (every case up to ~500 tokens, instructions, MRL dimensions)",
        arguments: embeddingModels)
    func embeddingsFromIDs(model name: String) async throws {
        let reference = try EngineFixtures.reference(name, as: EmbeddingReference.self)
        let model = try QwenModel(folder: EngineFixtures.folder(name), tokenBudget: 700, precision: .bf16)
        #expect(model.precision == .bf16)
        let states = try model.forward(sequences: reference.cases.map(\.ids))
        #expect(reference.cases.map(\.ids.count).max() ?? 0 >= 400, "the suite should hold a text of ~500 tokens")
        for (state, item) in zip(states, reference.cases) {
            for dims in reference.dims {
                let (cosine, delta) = compare(Embedder.normalize(state, dimensions: dims), try #require(item.embeddings[String(dims)]))
                #expect(cosine >= Self.minimumCosine, "\(name) \(item.ids.count) tokens, dims \(dims): cosine \(cosine)")
                #expect(delta <= Self.maximumDelta, "\(name) \(item.ids.count) tokens, dims \(dims): max |Δ| \(delta)")
            }
        }
    }

    @Test("the bf16 Embedder from text (instructions, truncation) matches", arguments: embeddingModels)
    func embedderFromText(model name: String) async throws {
        let reference = try EngineFixtures.reference(name, as: EmbeddingReference.self)
        let folder = try EngineFixtures.folder(name)
        let model = try QwenModel(folder: folder, precision: .bf16)
        let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        for maxLength in Set(reference.cases.map(\.max_length)).sorted() {
            let embedder = try Embedder(model: model, tokenizer: tokenizer, maxLength: maxLength)
            let cases = reference.cases.filter { $0.max_length == maxLength }
            for dims in reference.dims {
                for instruction in Set(cases.map(\.instruction)) {
                    let group = cases.filter { $0.instruction == instruction }
                    let vectors = try await embedder.embed(group.map(\.text), instruction: instruction, dimensions: dims)
                    for (vector, item) in zip(vectors, group) {
                        let (cosine, delta) = compare(vector, try #require(item.embeddings[String(dims)]))
                        #expect(
                            cosine >= Self.minimumCosine && delta <= Self.maximumDelta,
                            "\(name) dims \(dims): cosine \(cosine), |Δ| \(delta)")
                    }
                }
            }
        }
    }

    @Test("bf16 reranker scores are within 3e-3 of transformers fp32")
    func rerankerScores() async throws {
        let name = "rerank-bf16"
        let reference = try EngineFixtures.reference(name, as: RerankReference.self)
        let folder = try EngineFixtures.folder(name)
        let model = try QwenModel(folder: folder, precision: .bf16)
        let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        for maxLength in Set(reference.cases.map(\.max_length)).sorted() {
            let reranker = try Reranker(model: model, tokenizer: tokenizer, maxLength: maxLength)
            let cases = reference.cases.filter { $0.max_length == maxLength }
            let scores = try await reranker.score(tokenSequences: cases.map(\.ids))
            for (score, item) in zip(scores, cases) {
                #expect(abs(Double(score) - item.score) <= Self.maximumDelta, "score \(score) vs \(item.score)")
            }
        }
    }

    @Test("bf16 keeps the linear weights in 16 bits: half the fp32 bytes or less")
    func weightMemory() throws {
        let folder = try EngineFixtures.folder("emb-f32-gqa")
        let fp32 = try QwenModel(folder: folder, precision: .fp32)
        let bf16 = try QwenModel(folder: folder, precision: .bf16)
        func bytes(_ model: QwenModel) -> Int {
            model.weights.layers.reduce(0) { $0 + $1.qkv.byteCount + $1.output.byteCount + $1.gateUp.byteCount + $1.down.byteCount }
        }
        // oneDNN's blocked layout may pad a small matrix to its blocks; these shapes are multiples of 16 or 32.
        #expect(Double(bytes(bf16)) <= 0.55 * Double(bytes(fp32)), "bf16 \(bytes(bf16)) B vs fp32 \(bytes(fp32)) B")
    }

    @Test("auto picks bf16 exactly where oneDNN runs it on AMX, and the fp32 path otherwise")
    func autoDispatch() throws {
        let folder = try EngineFixtures.folder("emb-f32-gqa")
        let model = try QwenModel(folder: folder, precision: .auto)
        let capped = ProcessInfo.processInfo.environment["ONEDNN_MAX_CPU_ISA"]
        print("dispatch: \(ComputePrecision.dispatchReport); ONEDNN_MAX_CPU_ISA=\(capped ?? "unset") → auto = \(model.precision)")
        if let capped, capped.uppercased().hasPrefix("AVX") {
            #expect(model.precision == .fp32, "ONEDNN_MAX_CPU_ISA=\(capped) caps below AMX, yet auto chose bf16")
        } else if DNNL.cpuHasAMXBF16 && DNNL.amxPermissionGranted {
            #expect(model.precision == .bf16, "AMX is here (\(ComputePrecision.dispatchReport)) but auto chose fp32")
        } else {
            print("AMX is absent on this machine (\(ComputePrecision.dispatchReport)): auto must fall back to fp32")
            #expect(model.precision == .fp32)
        }
    }

    @Test("under ONEDNN_MAX_CPU_ISA=AVX512_CORE (a child process of this test binary) auto falls back to fp32")
    func forcedFallback() throws {
        if ProcessInfo.processInfo.environment["ONEDNN_MAX_CPU_ISA"] != nil { return }  // already the child
        guard DNNL.cpuHasAMXBF16 && DNNL.amxPermissionGranted else {
            print("AMX is absent here: the fallback is what every run exercises; no child needed")
            #expect(Precision.auto.resolved() == .fp32)
            return
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        var environment = ProcessInfo.processInfo.environment
        environment["ONEDNN_MAX_CPU_ISA"] = "AVX512_CORE"
        let result = try ProcessRunner.run(
            executable,
            ["--testing-library", "swift-testing", "--filter", "BF16ParityTests/autoDispatch"],
            environment: environment)
        let output = result.stdoutText + result.stderr
        #expect(result.status == 0, "child failed (\(result.status)):\n\(output.suffix(4000))")
        #expect(output.contains("auto = fp32"), "child output:\n\(output.suffix(4000))")
        // Swift Testing's summary line: "Test run with 1 test in 1 suite passed …" (older: "… 1 test passed …").
        #expect(
            output.contains("Test run with 1 test in 1 suite passed") || output.contains("1 test passed"),
            "child output:\n\(output.suffix(4000))")
    }
}
