import Foundation
import Testing
@testable import PairsmithTokenizer

/// The Qwen3-Embedding form of the file: a TemplateProcessing post-processor appending `<|endoftext|>`.
@Suite("embedding variant (TemplateProcessing)")
struct EmbeddingVariantTests {
    @Test("appends <|endoftext|> exactly as HF does, and only with special tokens on")
    func appendsEndOfText() throws {
        let path = try Reference.embeddingTokenizerPath.get()
        let tokenizer = try Tokenizer(contentsOf: path)
        #expect(tokenizer.appendsEndOfText)
        let corpus = try Reference.corpus.get()
        // Every edge case and fuzz text, plus a slice of the natural-language corpus.
        let texts = corpus.filter { $0.source == "edge" || $0.source == "fuzz" }.map(\.text)
            + corpus.filter { $0.source.hasPrefix("man:") }.prefix(40).map(\.text)
            + ["Hello world", "<|endoftext|>", "Instruct: Given a web search query\nQuery:what is BPE?"]
        let expected = try Reference.encode(texts, tokenizer: path)
        var failures: [String] = []
        for record in expected {
            let ids = tokenizer.encode(record.text)
            if ids != record.ids {
                failures.append("\(String(reflecting: String(record.text.prefix(50)))): "
                    + Reference.difference(record.ids, ids, tokenizer: tokenizer))
            }
            if tokenizer.encode(record.text, addSpecialTokens: false) != record.ids_plain {
                failures.append("\(String(reflecting: String(record.text.prefix(50)))): addSpecialTokens: false differs")
            }
            #expect(record.ids.last == 151643)
        }
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(10).joined(separator: "\n"))")
        #expect(tokenizer.encode("Hello world") == [9707, 1879, 151643])
    }
}
