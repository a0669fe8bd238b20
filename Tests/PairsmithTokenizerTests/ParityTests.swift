import Foundation
import Testing
@testable import PairsmithTokenizer

/// Id-for-id parity with HF tokenizers on a multilingual corpus assembled from the machine's own text
/// (translated man pages, gettext catalogs, source code), hand-written edge cases and seeded fuzz.
@Suite("parity with HF tokenizers on the corpus")
struct ParityTests {
    @Test("the corpus covers many languages and every kind of source")
    func corpusCoverage() throws {
        let corpus = try Reference.corpus.get()
        let kinds = Set(corpus.map { $0.source.split(separator: ":").first.map(String.init) ?? $0.source })
        #expect(kinds.isSuperset(of: ["man", "mo", "code", "edge", "fuzz"]), "sources: \(kinds.sorted())")
        let languages = Set(corpus.filter { $0.source.hasPrefix("man:") || $0.source.hasPrefix("mo:") }.map(\.source))
        #expect(languages.count >= 30, "only \(languages.count) language sources")
        #expect(corpus.reduce(0) { $0 + $1.text.utf8.count } > 1_000_000)
    }

    @Test("encode gives HF's ids for every text, with and without special tokens")
    func encodeMatches() throws {
        let tokenizer = try Reference.qwen.get()
        let corpus = try Reference.corpus.get()
        var failures: [String] = []
        var tokens = 0
        for record in corpus {
            let ids = tokenizer.encode(record.text)
            tokens += ids.count
            if ids != record.ids {
                failures.append("\(record.source) \(String(reflecting: String(record.text.prefix(60)))): "
                    + Reference.difference(record.ids, ids, tokenizer: tokenizer))
            }
            let plain = tokenizer.encode(record.text, addSpecialTokens: false)
            if plain != record.ids_plain { failures.append("\(record.source): addSpecialTokens: false differs") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(corpus.count) texts differ:\n\(failures.prefix(15).joined(separator: "\n"))")
        #expect(tokens > 300_000)
    }

    @Test("decode gives HF's text, and decode(encode(x)) == NFC(x) when x has no added tokens")
    func decodeMatches() throws {
        let tokenizer = try Reference.qwen.get()
        var failures: [String] = []
        for record in try Reference.corpus.get() {
            let decoded = tokenizer.decode(record.ids_plain)
            if decoded != record.decoded {
                failures.append("\(record.source) \(String(reflecting: String(record.text.prefix(60)))): decode differs from HF")
            }
            let hasAddedToken = ["<|", "<think>", "</think>", "<tool_", "</tool_"].contains { record.text.contains($0) }
            if !hasAddedToken && decoded != record.nfc {
                failures.append("\(record.source) \(String(reflecting: String(record.text.prefix(60)))): no round trip")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(15).joined(separator: "\n"))")
    }

    @Test("NFC (Foundation plus the quick check) agrees with Python's unicodedata on every text")
    func normalizationMatches() throws {
        var failures: [String] = []
        for record in try Reference.corpus.get() {
            var text = record.text
            let normalized = text.withUTF8 { bytes in
                Normalizer.nfc.normalize(bytes).map { String(decoding: $0, as: UTF8.self) } ?? record.text
            }
            if normalized.unicodeScalars.elementsEqual(record.nfc.unicodeScalars) == false {
                failures.append("\(record.source) \(String(reflecting: String(record.text.prefix(60))))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) texts normalize differently:\n\(failures.prefix(15).joined(separator: "\n"))")
    }
}
