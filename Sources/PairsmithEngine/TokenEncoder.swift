import Foundation
import PairsmithTokenizer

/// What the engine needs from a tokenizer: text → ids, and looking up a token's id.
///
/// `PairsmithTokenizer.Tokenizer` conforms; tests may pass any other implementation (e.g. fixed ids).
public protocol TokenEncoder: Sendable {
    /// The ids of `text`; with `addSpecialTokens` the tokenizer's post-processor may append `<|endoftext|>`.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// The id of a vocabulary or added token, or nil if the tokenizer has none.
    func id(forToken token: String) -> Int?
}

extension Tokenizer: TokenEncoder {}

extension Tokenizer {
    /// Loads `tokenizer.json` from a model folder, with an engine error naming the file on failure.
    static func load(folder: URL) throws(EngineError) -> Tokenizer {
        let url = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .missingFile(path: url.path, hint: "a Hugging Face model folder has a tokenizer.json")
        }
        do {
            return try Tokenizer(contentsOf: url)
        } catch {
            throw .tokenizer(path: url.path, reason: "\(error)")
        }
    }
}
