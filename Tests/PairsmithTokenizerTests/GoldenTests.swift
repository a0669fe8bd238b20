import Foundation
import Testing
@testable import PairsmithTokenizer

/// Spot checks with ids published for the Qwen tokenizer (spec §5; they come from HF) and the lookup API.
@Suite("Qwen3 golden ids and lookups")
struct GoldenTests {
    @Test("published ids", arguments: [
        ("Hello world", [9707, 1879]),
        (" Hello world", [21927, 1879]),
        ("<|im_start|>system\n", [151644, 8948, 198]),
        ("<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
         [151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271]),
        ("", []),
    ])
    func published(text: String, ids: [Int]) throws {
        let tokenizer = try Reference.qwen.get()
        #expect(tokenizer.encode(text) == ids)
    }

    @Test("token and id lookups, vocabulary size, post-processor")
    func lookups() throws {
        let tokenizer = try Reference.qwen.get()
        #expect(tokenizer.id(forToken: "<|endoftext|>") == 151643)
        #expect(tokenizer.id(forToken: "<|im_end|>") == 151645)
        #expect(tokenizer.id(forToken: "Ġworld") == 1879)
        #expect(tokenizer.id(forToken: "no such token at all") == nil)
        #expect(tokenizer.token(forID: 151667) == "<think>")
        #expect(tokenizer.token(forID: 198) == "Ċ")
        #expect(tokenizer.token(forID: -1) == nil)
        #expect(tokenizer.token(forID: 10_000_000) == nil)
        #expect(tokenizer.vocabularySize == 151669)
        #expect(tokenizer.appendsEndOfText == false)
        #expect(tokenizer.decode([151643, 9707, 151645], skipSpecialTokens: true) == "Hello")
        #expect(tokenizer.decode([9707, -5, 99_999_999, 1879]) == "Hello world")
    }

    @Test("the byte-level alphabet maps space, newline, DEL and soft hyphen as GPT-2 does")
    func byteLevel() {
        #expect(ByteLevel.scalarForByte[0x20] == 0x120)
        #expect(ByteLevel.scalarForByte[0x0A] == 0x10A)
        #expect(ByteLevel.scalarForByte[0x7F] == 0x121)
        #expect(ByteLevel.scalarForByte[0xAD] == 0x143)
        #expect(ByteLevel.scalarForByte[0x41] == 0x41)
        #expect(Set(ByteLevel.scalarForByte).count == 256)
        for byte in 0..<256 {
            #expect(ByteLevel.byte(for: Unicode.Scalar(ByteLevel.scalarForByte[byte])!) == UInt8(byte))
        }
    }

    @Test("Oniguruma's \\s: U+000B, U+0085, U+2028, U+3000 are spaces; U+200B and U+180E are not")
    func spaceClass() {
        for value: UInt32 in [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000] {
            #expect(ScalarClass.of(value) & ScalarClass.space.rawValue != 0, "U+\(String(value, radix: 16))")
        }
        for value: UInt32 in [0x200B, 0x180E, 0xFEFF, 0x1C, 0x41] {
            #expect(ScalarClass.of(value) & ScalarClass.space.rawValue == 0, "U+\(String(value, radix: 16))")
        }
    }
}
