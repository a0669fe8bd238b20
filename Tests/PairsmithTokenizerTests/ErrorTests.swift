import Foundation
import Testing
@testable import PairsmithTokenizer

/// Unsupported or malformed tokenizer files are thrown errors that name the problem, never crashes.
@Suite("tokenizer.json errors")
struct ErrorTests {
    /// A tiny valid tokenizer.json in the Qwen shape, with one component replaced.
    private func file(replacing key: String? = nil, with value: Any? = nil) throws -> Data {
        var vocab: [String: Int] = [:]
        for byte in 0..<256 { vocab[ByteLevel.token(ofBytes: [UInt8(byte)])] = byte }
        vocab["ab"] = 256
        var root: [String: Any] = [
            "version": "1.0",
            "added_tokens": [["id": 257, "content": "<|endoftext|>", "special": true, "normalized": false,
                              "lstrip": false, "rstrip": false, "single_word": false]],
            "normalizer": ["type": "NFC"],
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": Qwen2PreTokenizer.pattern], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false],
            ]],
            "post_processor": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false],
            "decoder": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocab, "merges": ["a b"]],
        ]
        if let key { root[key] = value ?? NSNull() }
        return try JSONSerialization.data(withJSONObject: root)
    }

    @Test("the minimal file loads and encodes, with merges in string form")
    func minimal() throws {
        let tokenizer = try Tokenizer(data: try file())
        #expect(tokenizer.encode("ab a<|endoftext|>") == [256, 32, 97, 257])
        #expect(tokenizer.decode([256, 32, 97, 257]) == "ab a<|endoftext|>")
        #expect(tokenizer.vocabularySize == 258)
    }

    @Test("unsupported component types are named in the error", arguments: [
        ("model", "WordPiece"), ("normalizer", "Lowercase"), ("pre_tokenizer", "Metaspace"),
        ("post_processor", "RobertaProcessing"), ("decoder", "WordPiece"),
    ])
    func unsupportedType(component: String, type: String) throws {
        let data = try file(replacing: component, with: ["type": type, "vocab": [String: Int]()])
        let error = #expect(throws: TokenizerError.self) { try Tokenizer(data: data) }
        #expect(error == .unsupportedComponent(component: component, type: type))
        #expect(error?.description.contains(type) == true)
    }

    @Test("a different Split regex is refused, not silently misapplied")
    func otherRegex() throws {
        let data = try file(replacing: "pre_tokenizer", with: ["type": "Sequence", "pretokenizers": [
            ["type": "Split", "pattern": ["Regex": "\\s+"], "behavior": "Isolated", "invert": false],
            ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false],
        ]])
        #expect(throws: TokenizerError.unsupportedOption(component: "pre_tokenizer", option: "Split.pattern", value: "\\s+")) {
            try Tokenizer(data: data)
        }
    }

    @Test("not JSON, a missing file and a merge of unknown tokens are clear errors")
    func malformed() throws {
        #expect(throws: TokenizerError.self) { try Tokenizer(data: Data("not json".utf8)) }
        let missing = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        let error = #expect(throws: TokenizerError.self) { try Tokenizer(contentsOf: missing) }
        #expect(error?.description.contains("/nonexistent/tokenizer.json") == true)
        var root = try JSONSerialization.jsonObject(with: try file()) as? [String: Any] ?? [:]
        var model = root["model"] as? [String: Any] ?? [:]
        model["merges"] = [["a", "zz"]]
        root["model"] = model
        let bad = try JSONSerialization.data(withJSONObject: root)
        let mergeError = #expect(throws: TokenizerError.self) { try Tokenizer(data: bad) }
        #expect(mergeError?.description.contains("merges[0]") == true)
    }
}
