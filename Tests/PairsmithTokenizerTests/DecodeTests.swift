import Foundation
import Testing
@testable import PairsmithTokenizer

/// Decoding arbitrary id sequences (broken UTF-8, special tokens, unknown ids) exactly as HF does.
@Suite("decode of arbitrary ids")
struct DecodeTests {
    @Test("random id sequences decode like HF, with and without skipping special tokens")
    func randomSequences() throws {
        let tokenizer = try Reference.qwen.get()
        var generator = SeededGenerator(seed: 42)
        var idLists: [[Int]] = []
        for _ in 0..<400 {
            let length = Int.random(in: 0...12, using: &generator)
            idLists.append((0..<length).map { _ in
                switch Int.random(in: 0..<10, using: &generator) {
                case 0: Int.random(in: 151643...151668, using: &generator)  // added tokens
                case 1, 2: Int.random(in: 0..<256, using: &generator)  // single bytes: partial UTF-8
                default: Int.random(in: 0..<151643, using: &generator)
                }
            })
        }
        let expected = try Reference.decode(idLists, tokenizer: try Reference.qwenTokenizerPath.get())
        var failures: [String] = []
        for (ids, reference) in zip(idLists, expected) {
            if tokenizer.decode(ids) != reference.text { failures.append("\(ids): decode differs") }
            if tokenizer.decode(ids, skipSpecialTokens: true) != reference.text_skip {
                failures.append("\(ids): decode(skipSpecialTokens:) differs")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }
}

/// A small deterministic random generator (SplitMix64) so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
