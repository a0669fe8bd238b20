import ArgumentParser
import Foundation
import PairsmithBLAS
import PairsmithDNNL
import PairsmithEngine
import PairsmithTestSupport
import PairsmithTokenizer

/// `pairsmith-bench engine`: embedding throughput of a Qwen3-Embedding-0.6B-shaped model in fp32 and bf16, against
/// the sgemm and oneDNN bf16 matmul ceilings and PyTorch fp32 and bf16, all measured in the same run.
///
/// The checkpoint has the real shape (H 1024, L 28, nH 16, nKV 8, d 128, I 3072, V 151669) with random BF16
/// weights; it is generated once by `scripts/reference/engine_make_checkpoint.py --bench` and never committed.
/// A ceiling is the matmul GFLOP/s at the layer shapes (rows = the token budget), FLOP-weighted, divided by the
/// workload's FLOP per token (linear layers + causal attention).
struct EngineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Qwen3-Embedding-0.6B-shaped embedding throughput, fp32 and bf16, vs. matmul ceilings and PyTorch.")

    @Option(help: "The benchmark checkpoint folder (generated there if absent).")
    var checkpoint = FileManager.default.homeDirectoryForCurrentUser
        .appendingPathComponent(".cache/pairsmith/bench/qwen3-embedding-0.6b-shape").path

    @Option(help: "Number of passages (token lengths uniform in 30…500, fixed seed).")
    var passages = 40

    @Option(help: "Tokens per packed forward batch.")
    var tokenBudget = 2048

    @Option(help: "Seconds per matmul shape for the ceilings.")
    var sgemmSeconds = 1.5

    @Option(help: "Paired rounds (one packed batch, then its ceiling) after each main run.")
    var rounds = 3

    @Option(help: "Precisions to time, comma-separated (bf16 runs first so its peak RSS is its own).")
    var precisions = "bf16,fp32"

    @Flag(help: "Also time transformers fp32 and bf16 (batch 8, 2 threads, left padding) on the same texts, in this run.")
    var reference = false

    func run() async throws {
        BLAS.reexecWithBetterCoreIfNeeded()  // OpenBLAS 0.3.21 runs SSE3 kernels on recent Xeons
        let folder = URL(fileURLWithPath: checkpoint)
        try ensureCheckpoint(folder)
        print("OpenBLAS: \(BLAS.configuration) (core \(BLAS.coreName), \(BLAS.threadCount) threads)")
        print("oneDNN: \(ComputePrecision.dispatchReport), \(DNNL.threadCount) OpenMP threads; auto → \(Precision.auto.resolved())")
        var chosen: [ComputePrecision] = []
        for name in precisions.split(separator: ",") {
            guard let precision = ComputePrecision(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--precisions takes fp32 and/or bf16, got \(name)")
            }
            chosen.append(precision)
        }

        let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        let texts = Self.passages(count: passages, tokenizer: tokenizer)
        let config = try Checkpoint(folder: folder).config
        let sequences = texts.map { text -> [Int] in
            var ids = tokenizer.encode(text, addSpecialTokens: true)
            if let eos = tokenizer.id(forToken: Embedder.endOfText), ids.last != eos { ids.append(eos) }
            return ids
        }
        let tokens = sequences.reduce(0) { $0 + $1.count }
        let flops = sequences.reduce(0.0) { total, ids in
            let t = Double(ids.count)
            // Linear layers for every token; attention over (t+1)/2 keys on average (causal).
            return total + t * config.flopsPerToken(context: (t + 1) / 2)
        }
        let flopsPerToken = flops / Double(tokens)
        print(
            String(
                format: "workload: %d passages, %d tokens, %.3f GFLOP/token (linear %.3f + attention)",
                texts.count, tokens, flopsPerToken / 1e9, config.flopsPerToken(context: 0) / 1e9))

        var rates: [ComputePrecision: Double] = [:]
        for precision in chosen {
            rates[precision] = try await measureEngine(
                precision, folder: folder, texts: texts, sequences: sequences,
                config: config, flopsPerToken: flopsPerToken)
        }
        print(String(format: "peak RSS (whole run): %.0f MiB", Self.residentMiB(peak: true)))
        if let bf16 = rates[.bf16], let fp32 = rates[.fp32] {
            print(String(format: "ours bf16 / ours fp32 = %.2f×", bf16 / fp32))
        }

        if reference {
            for (dtype, precision) in [("float32", ComputePrecision.fp32), ("bfloat16", .bf16)] {
                let referenceRate = try Self.transformersSpeed(folder: folder, texts: texts, dtype: dtype)
                var line = String(format: "transformers %@ (batch 8, 2 threads, same texts): %.1f tokens/s", dtype, referenceRate)
                if let ours = rates[precision] {
                    line += String(format: " → ours %@ / transformers %@ = %.2f×", precision.rawValue, dtype, ours / referenceRate)
                }
                if let bf16 = rates[.bf16] { line += String(format: "; ours bf16 / this = %.2f×", bf16 / referenceRate) }
                print(line)
            }
        }
    }

    /// Loads the model in `precision`, times the workload, prints the figures against that precision's ceiling
    /// (measured before and after, the better kept) and paired rounds; returns tokens/s.
    private func measureEngine(
        _ precision: ComputePrecision, folder: URL, texts: [String], sequences: [[Int]], config: ModelConfig,
        flopsPerToken: Double
    ) async throws -> Double {
        let tokens = sequences.reduce(0) { $0 + $1.count }
        let clock = ContinuousClock()
        let loadStart = clock.now
        let embedder = try Embedder(folder: folder, tokenBudget: tokenBudget, precision: precision == .bf16 ? .bf16 : .fp32)
        let loadSeconds = (clock.now - loadStart) / .seconds(1)
        print(String(format: "[%@] load: %.2f s (RSS after load %.0f MiB)", precision.rawValue, loadSeconds, Self.residentMiB(peak: false)))
        let label = precision == .bf16 ? "oneDNN bf16" : "sgemm"
        let before = measureCeiling(precision, config, label: "\(label) before")

        _ = try await embedder.embed(Array(texts.prefix(2)))  // warm-up (page-in, thread pool, primitives)
        let start = clock.now
        let vectors = try await embedder.embed(texts)
        let seconds = (clock.now - start) / .seconds(1)
        precondition(vectors.count == texts.count)
        let tokensPerSecond = Double(tokens) / seconds

        let after = measureCeiling(precision, config, label: "\(label) after")
        let gflops = Swift.max(before, after)
        let ceiling = gflops / (flopsPerToken / 1e9)
        print(
            String(
                format: "[%@] engine: %.1f tokens/s (%.1f s), %.1f GFLOP/s achieved", precision.rawValue, tokensPerSecond,
                seconds, tokensPerSecond * flopsPerToken / 1e9))
        print(
            String(
                format: "[%@] ceiling: %@ %.1f GFLOP/s ÷ %.3f GFLOP/token = %.1f tokens/s → engine at %.0f%% of the ceiling",
                precision.rawValue, label, gflops, flopsPerToken / 1e9, ceiling, 100 * tokensPerSecond / ceiling))
        print(String(format: "[%@] peak RSS so far: %.0f MiB", precision.rawValue, Self.residentMiB(peak: true)))

        // Paired rounds: one packed batch of passages, then the ceiling right after it, so both see the same
        // machine load; the median ratio is the figure to trust on a shared machine.
        var ratios: [Double] = []
        for (round, chunk) in Self.chunks(texts: texts, sequences: sequences, budget: tokenBudget).prefix(rounds).enumerated() {
            let roundTokens = chunk.reduce(0) { $0 + $1.1.count }
            let roundFlops = chunk.reduce(0.0) { $0 + Double($1.1.count) * config.flopsPerToken(context: Double($1.1.count + 1) / 2) }
            let roundStart = clock.now
            _ = try await embedder.embed(chunk.map(\.0))
            let roundSeconds = (clock.now - roundStart) / .seconds(1)
            let roundGFLOPS = measureCeiling(precision, config, label: "\(label) round \(round + 1)", seconds: 0.5)
            let rate = Double(roundTokens) / roundSeconds
            let roundCeiling = roundGFLOPS / (roundFlops / Double(roundTokens) / 1e9)
            ratios.append(rate / roundCeiling)
            print(
                String(
                    format: "[%@] round %d: %d tokens, %.1f tokens/s, ceiling %.1f tokens/s → %.0f%%",
                    precision.rawValue, round + 1, roundTokens, rate, roundCeiling, 100 * rate / roundCeiling))
        }
        if !ratios.isEmpty {
            let sorted = ratios.sorted()
            print(
                String(
                    format: "[%@] paired rounds: median engine/ceiling = %.0f%% (min %.0f%%, max %.0f%%)",
                    precision.rawValue, 100 * sorted[sorted.count / 2], 100 * sorted[0], 100 * sorted[sorted.count - 1]))
        }
        return tokensPerSecond
    }

    /// The ceiling of `precision`: sgemm (fp32) or oneDNN bf16 matmul (bf16) over the layer shapes.
    private func measureCeiling(_ precision: ComputePrecision, _ config: ModelConfig, label: String, seconds: Double? = nil) -> Double {
        let h = config.hiddenSize, i = config.intermediateSize
        let shapes = [(h, config.qkvWidth), (config.attentionWidth, h), (h, 2 * i), (i, h)]
        var weightedTime = 0.0, totalWork = 0.0
        var line = "\(label) rows \(tokenBudget):"
        for (inFeatures, outFeatures) in shapes {
            let time = seconds ?? sgemmSeconds
            let gflops =
                precision == .bf16
                ? Self.measureBF16(rows: tokenBudget, inFeatures: inFeatures, outFeatures: outFeatures, seconds: time)
                : SgemmBenchmark.measure(rows: tokenBudget, inFeatures: inFeatures, outFeatures: outFeatures, seconds: time)
            let work = Double(inFeatures * outFeatures)
            weightedTime += work / gflops
            totalWork += work
            line += String(format: "  %d×%d %.1f", inFeatures, outFeatures, gflops)
        }
        print(line + String(format: "  → %.1f GFLOP/s", totalWork / weightedTime))
        return totalWork / weightedTime
    }

    /// GFLOP/s of oneDNN's bf16×bf16→f32 matmul at one shape (weights reordered once, input already bf16).
    static func measureBF16(rows: Int, inFeatures: Int, outFeatures: Int, seconds: Double) -> Double {
        let x = [UInt16](repeating: 0x3F00, count: rows * inFeatures)  // 0.5
        let w = [UInt16](repeating: 0x3E80, count: inFeatures * outFeatures)  // 0.25
        var y = [Float](repeating: 0, count: rows * outFeatures)
        do {
            let matmul = try w.withUnsafeBufferPointer {
                try BF16Matmul(
                    weights: $0.baseAddress!, outFeatures: outFeatures,
                    inFeatures: inFeatures, referenceRows: rows)
            }
            let clock = ContinuousClock()
            var iterations = 0
            let start = clock.now
            while (clock.now - start) < .seconds(seconds) || iterations < 2 {
                try x.withUnsafeBufferPointer { xp in
                    try y.withUnsafeMutableBufferPointer { try matmul.apply(xp.baseAddress!, into: $0.baseAddress!, rows: rows) }
                }
                iterations += 1
            }
            let elapsed = (clock.now - start) / .seconds(1)
            return 2 * Double(rows * inFeatures * outFeatures) * Double(iterations) / elapsed / 1e9
        } catch {
            print("oneDNN bf16 matmul failed: \(error)")
            return .nan
        }
    }

    private func ensureCheckpoint(_ folder: URL) throws {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) { return }
        print("generating the benchmark checkpoint in \(folder.path) (once; about 1.2 GB)…")
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/engine_make_checkpoint.py")
        let result = try ProcessRunner.run(try TestEnvironment.requirePython(), [script.path, "--bench", folder.path])
        guard result.status == 0 else {
            throw ValidationError("engine_make_checkpoint.py --bench failed (\(result.status)): \(result.stderr)")
        }
    }

    /// Consecutive groups of passages whose token total fits `budget` (one packed forward batch each).
    static func chunks(texts: [String], sequences: [[Int]], budget: Int) -> [[(String, [Int])]] {
        var result: [[(String, [Int])]] = []
        var current: [(String, [Int])] = []
        var tokens = 0
        for (text, ids) in zip(texts, sequences) {
            if !current.isEmpty && tokens + ids.count > budget {
                result.append(current)
                current = []
                tokens = 0
            }
            current.append((text, ids))
            tokens += ids.count
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Deterministic English-like passages whose token counts are uniform in 30…500 (EOS included).
    static func passages(count: Int, tokenizer: Tokenizer) -> [String] {
        let words =
            ("the of and to in is was for on that with as by at from his her an which were are this be has had "
            + "river mountain city library question answer engine protein galaxy theorem harvest violin ocean "
            + "learning neural network embedding retrieval passage document query model training data science "
            + "history culture language music art economy market energy climate water forest animal research").split(separator: " ")
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        return (0..<count).map { _ in
            let target = 30 + Int(next() % 471)
            var text = ""
            var ids: [Int] = []
            while ids.count + 1 < target {
                text += (text.isEmpty ? "" : " ") + words[Int(next() % UInt64(words.count))]
                if next() % 12 == 0 { text += "." }
                ids = tokenizer.encode(text, addSpecialTokens: false)
            }
            return text
        }
    }

    /// Resident set size from /proc/self/status (VmHWM for the peak, VmRSS for now), in MiB.
    static func residentMiB(peak: Bool) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        let key = peak ? "VmHWM:" : "VmRSS:"
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            let kb = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) } ?? .nan
            return kb / 1024
        }
        return .nan
    }

    /// tokens/s of transformers in `dtype` (float32 or bfloat16), batches of 8, 2 threads, left padding, on `texts`.
    static func transformersSpeed(folder: URL, texts: [String], dtype: String) throws -> Double {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/engine_speed.py")
        var input = Data()
        for text in texts {
            input += try JSONSerialization.data(withJSONObject: ["text": text])
            input += Data("\n".utf8)
        }
        let result = try ProcessRunner.run(
            try TestEnvironment.requirePython(),
            [script.path, "--model", folder.path, "--dtype", dtype, "--batch", "8", "--threads", "2"],
            stdin: input)
        guard result.status == 0,
            let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
            let rate = object["tokens_per_second"] as? Double
        else {
            throw ValidationError("engine_speed.py --dtype \(dtype) failed (\(result.status)): \(result.stderr)")
        }
        return rate
    }
}
