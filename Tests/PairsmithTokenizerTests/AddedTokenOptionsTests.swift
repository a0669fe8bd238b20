import Foundation
import PairsmithTestSupport
import Testing
@testable import PairsmithTokenizer

/// Added-token options Qwen does not use (lstrip, rstrip, single_word, normalized) still behave as in HF.
@Suite("added-token options")
struct AddedTokenOptionsTests {
    @Test("lstrip, rstrip, single_word and normalized added tokens split text exactly as HF does")
    func options() throws {
        let folder = try TemporaryDirectory(prefix: "pairsmith-tokenizer")
        defer { folder.remove() }
        let path = folder.file("tokenizer.json")
        _ = try Reference.run(["added-variant", try Reference.qwenTokenizerPath.get().path, path.path])
        let tokenizer = try Tokenizer(contentsOf: path)
        let pieces = ["[LSTRIP]", "[RSTRIP]", "<sep>", "word", "words", "Ångström", "A\u{30A}ngstro\u{308}m", "ﬁx",
                      "[PLAIN]", " ", "  ", "\n", "\t", "\u{3000}", "a", "é", "_", "1", "-", "x", "<|im_end|>"]
        var generator = SeededGenerator(seed: 7)
        var texts = ["word", "a word here", "swordfish", "word_x", "[LSTRIP]", "  [LSTRIP]  ", "x  [RSTRIP]  y",
                     "a \n <sep> \n b", "[RSTRIP][LSTRIP]", "  <sep>  <sep>  ", "Ångström", "A\u{30A}ngstro\u{308}m x", ""]
        for _ in 0..<400 {
            texts.append((0..<Int.random(in: 1...10, using: &generator)).map { _ in
                pieces.randomElement(using: &generator) ?? ""
            }.joined())
        }
        let expected = try Reference.encode(texts, tokenizer: path)
        var failures: [String] = []
        for record in expected {
            let ids = tokenizer.encode(record.text)
            if ids != record.ids {
                failures.append("\(String(reflecting: record.text)): " + Reference.difference(record.ids, ids, tokenizer: tokenizer))
            }
            if tokenizer.decode(record.ids_plain) != record.decoded {
                failures.append("\(String(reflecting: record.text)): decode differs")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(texts.count) differ:\n\(failures.prefix(12).joined(separator: "\n"))")
    }
}
