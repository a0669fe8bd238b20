// PairsmithTokenizer: Qwen2/Qwen3 byte-level BPE read from a Hugging Face tokenizer.json.
import Foundation

/// A Qwen2/Qwen3 byte-level BPE tokenizer read from a Hugging Face `tokenizer.json`, giving the same
/// ids as HF `tokenizers`; safe to use from many tasks at once.
///
/// Encoding: added tokens are split out of the raw text first (leftmost, longest), the text between
/// them is NFC-normalized, split by the Qwen2 regex, mapped to byte-level symbols and merged by BPE
/// rank; the post-processor may then append tokens (Qwen3-Embedding appends `<|endoftext|>`).
public final class Tokenizer: Sendable {
    private let normalizers: [Normalizer]
    private let splitsWithQwen2Regex: Bool
    private let encoder: BytePairEncoder
    private let ignoreMerges: Bool
    private let modelVocabulary: [String: Int]
    private let addedByContent: [String: Int]
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let postProcessor: PostProcessor
    private let cache = WordCache()
    /// Token string of every id (nil where no token has that id).
    private let tokens: [String?]
    /// Decoded bytes of every id: `decodeBytes[decodeOffsets[id]..<decodeOffsets[id + 1]]`.
    private let decodeBytes: [UInt8]
    private let decodeOffsets: [Int32]
    /// Whether each id is a special added token.
    private let isSpecial: [Bool]

    /// Loads a `tokenizer.json` file; throws ``TokenizerError``.
    public convenience init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw TokenizerError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        do {
            try self.init(data: data)
        } catch TokenizerError.invalidJSON(let reason) {
            throw TokenizerError.invalidJSON(reason: "\(url.path): \(reason)")
        }
    }

    /// Reads a `tokenizer.json` from its bytes; throws ``TokenizerError``.
    public init(data: Data) throws {
        let definition = try TokenizerDefinition(data: data)
        normalizers = definition.normalizers
        splitsWithQwen2Regex = definition.splitsWithQwen2Regex
        ignoreMerges = definition.ignoreMerges
        postProcessor = definition.postProcessor
        modelVocabulary = definition.vocabulary

        var merges: [(left: Int32, right: Int32, merged: Int32)] = []
        merges.reserveCapacity(definition.merges.count)
        for (index, (left, right)) in definition.merges.enumerated() {
            guard let leftID = definition.vocabulary[left] else {
                throw TokenizerError.invalidMerge(index: index, merge: "\(left) \(right)", reason: "'\(left)' is not in the vocabulary")
            }
            guard let rightID = definition.vocabulary[right] else {
                throw TokenizerError.invalidMerge(index: index, merge: "\(left) \(right)", reason: "'\(right)' is not in the vocabulary")
            }
            guard let mergedID = definition.vocabulary[left + right] else {
                throw TokenizerError.invalidMerge(
                    index: index, merge: "\(left) \(right)", reason: "'\(left + right)' is not in the vocabulary")
            }
            merges.append((Int32(leftID), Int32(rightID), Int32(mergedID)))
        }
        var byteIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            let symbol = ByteLevel.token(ofBytes: [UInt8(byte)])
            if let id = definition.vocabulary[symbol] { byteIDs[byte] = Int32(id) }
        }
        var unknownID: Int32?
        if let unknown = definition.unknownToken {
            guard let id = definition.vocabulary[unknown] else {
                throw TokenizerError.invalidField(path: "model.unk_token", expected: "a token of model.vocab ('\(unknown)' is not)")
            }
            unknownID = Int32(id)
        }
        encoder = BytePairEncoder(
            merges: MergeTable(merges), byteIDs: byteIDs, unknownID: unknownID, fuseUnknown: definition.fuseUnknown)

        // Added tokens get their ids as HF's `AddedVocabulary::add_tokens` gives them, whatever the file
        // says: an existing vocabulary or added token keeps its id, a new one takes the next free id after
        // the model's vocabulary. (For Qwen's files this is exactly the ids written in the file.) Tokens
        // with empty content are ignored.
        var added: [AddedToken] = []
        var nextID = definition.vocabulary.count
        var assigned: [String: Int] = [:]
        for var token in definition.addedTokens where !token.content.isEmpty {
            if let id = assigned[token.content] ?? definition.vocabulary[token.content] {
                token.id = id
            } else {
                token.id = nextID
                nextID += 1
            }
            assigned[token.content] = token.id
            added.append(token)
        }

        // Raw added tokens match the text as given, normalized ones match the normalized text.
        var raw: [AddedToken] = []
        var normalized: [AddedToken] = []
        var addedByContent: [String: Int] = [:]
        for token in added {
            addedByContent[token.content] = token.id
            if token.normalized {
                var matched = token
                for normalizer in definition.normalizers { matched.content = normalizer.normalize(matched.content) }
                normalized.append(matched)
            } else {
                raw.append(token)
            }
        }
        self.addedByContent = addedByContent
        rawMatcher = AddedTokenMatcher(raw)
        normalizedMatcher = AddedTokenMatcher(normalized)

        // Id tables for decoding.
        let maxID = max(definition.vocabulary.values.max() ?? -1, added.map(\.id).max() ?? -1)
        var tokens = [String?](repeating: nil, count: maxID + 1)
        for (token, id) in definition.vocabulary { tokens[id] = token }
        var isSpecial = [Bool](repeating: false, count: maxID + 1)
        for token in added {
            tokens[token.id] = token.content
            if token.special { isSpecial[token.id] = true }
        }
        var decodeBytes: [UInt8] = []
        var decodeOffsets: [Int32] = [0]
        decodeOffsets.reserveCapacity(tokens.count + 1)
        for token in tokens {
            if let token { decodeBytes += ByteLevel.bytes(ofToken: token) ?? Array(token.utf8) }
            decodeOffsets.append(Int32(decodeBytes.count))
        }
        self.tokens = tokens
        self.isSpecial = isSpecial
        self.decodeBytes = decodeBytes
        self.decodeOffsets = decodeOffsets
    }

    /// The number of ids: the largest id plus one, added tokens included.
    public var vocabularySize: Int { tokens.count }

    /// Whether the post-processor adds tokens to an encoded text (the embedding variant appends `<|endoftext|>`).
    public var appendsEndOfText: Bool { !postProcessor.suffix.isEmpty }

    /// The id of a vocabulary or added token, by its token string (byte-level form for vocabulary tokens).
    public func id(forToken token: String) -> Int? {
        addedByContent[token] ?? modelVocabulary[token]
    }

    /// The token string of an id (byte-level form for vocabulary tokens), or nil for an unknown id.
    public func token(forID id: Int) -> String? {
        guard id >= 0 && id < tokens.count else { return nil }
        return tokens[id]
    }

    /// The ids of `text`; `addSpecialTokens` runs the post-processor (which may append `<|endoftext|>`).
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int32] = []
        if addSpecialTokens { ids += postProcessor.prefix }
        var scratch = EncodeScratch()
        var copy = text
        copy.withUTF8 { bytes in encodeText(bytes, into: &ids, scratch: &scratch) }
        if addSpecialTokens { ids += postProcessor.suffix }
        return ids.map { Int($0) }
    }

    /// The text of `ids`; unknown ids are skipped, and so are special tokens when `skipSpecialTokens`.
    /// Bytes that do not form valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        decodeBytes.withUnsafeBufferPointer { arena in
            decodeOffsets.withUnsafeBufferPointer { offsets in
                for id in ids where id >= 0 && id < tokens.count {
                    if skipSpecialTokens && isSpecial[id] { continue }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: arena[Int(offsets[id])..<Int(offsets[id + 1])]))
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Buffers reused within one encode call.
    private struct EncodeScratch {
        var split = Qwen2PreTokenizer.Scratch()
        var bpe = BytePairEncoder.Scratch()
    }

    /// Added tokens on the raw text, then normalization and the rest on the text between them.
    private func encodeText(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout EncodeScratch) {
        for split in rawMatcher.split(text) {
            if let token = split.token {
                ids.append(Int32(rawMatcher.tokens[token].id))
                continue
            }
            let segment = UnsafeBufferPointer(rebasing: text[split.range])
            var normalized: [UInt8]?
            for normalizer in normalizers {
                let next = if let normalized {
                    normalized.withUnsafeBufferPointer { normalizer.normalize($0) }
                } else {
                    normalizer.normalize(segment)
                }
                if let next { normalized = next }
            }
            if let normalized {
                normalized.withUnsafeBufferPointer { encodeNormalized($0, into: &ids, scratch: &scratch) }
            } else {
                encodeNormalized(segment, into: &ids, scratch: &scratch)
            }
        }
    }

    /// Added tokens that match normalized text, then pre-tokenization and BPE.
    private func encodeNormalized(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout EncodeScratch) {
        if normalizedMatcher.isEmpty {
            encodePlain(text, into: &ids, scratch: &scratch)
            return
        }
        for split in normalizedMatcher.split(text) {
            if let token = split.token {
                ids.append(Int32(normalizedMatcher.tokens[token].id))
            } else {
                encodePlain(UnsafeBufferPointer(rebasing: text[split.range]), into: &ids, scratch: &scratch)
            }
        }
    }

    /// Pre-tokenizes normalized text and encodes each word.
    private func encodePlain(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout EncodeScratch) {
        guard !text.isEmpty else { return }
        guard splitsWithQwen2Regex else {
            encodeWord(text, into: &ids, scratch: &scratch)
            return
        }
        Qwen2PreTokenizer.split(text, scratch: &scratch.split)
        let bounds = scratch.split.bounds
        bounds.withUnsafeBufferPointer { bounds in
            for k in 0..<(bounds.count - 1) {
                let word = UnsafeBufferPointer(rebasing: text[Int(bounds[k])..<Int(bounds[k + 1])])
                encodeWord(word, into: &ids, scratch: &scratch)
            }
        }
    }

    /// BPE of one word, through the cache.
    @inline(__always)
    private func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout EncodeScratch) {
        let cacheable = word.count <= cache.maximumWordLength
        let hash = cacheable ? WordCache.hash(word) : 0
        if cacheable && cache.lookup(word, hash: hash, into: &ids) { return }
        let start = ids.count
        if ignoreMerges, let id = modelVocabulary[ByteLevel.token(ofBytes: word)] {
            ids.append(Int32(id))
        } else {
            encoder.encode(word, into: &ids, scratch: &scratch.bpe)
        }
        if cacheable { cache.insert(word, hash: hash, ids: ids[start...]) }
    }
}
