import Foundation
import PairsmithText
import PairsmithTokenizer

/// Counts tokens for the chunker with a Hugging Face tokenizer (the Qwen3 `tokenizer.json`), without special tokens:
/// the count of a passage's own text, as `len(tokenizer.encode(text, add_special_tokens=False).ids)` in HF `tokenizers`.
public struct TokenizerCounter: TokenCounting {
    /// The tokenizer.
    public let tokenizer: Tokenizer

    /// Counts with `tokenizer`.
    public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// Loads the `tokenizer.json` at `url`; throws the tokenizer's error naming the file.
    public init(contentsOf url: URL) throws {
        tokenizer = try Tokenizer(contentsOf: url)
    }

    /// The number of tokens of `text`, no special tokens added.
    public func count(_ text: String) -> Int { tokenizer.encode(text, addSpecialTokens: false).count }
}
