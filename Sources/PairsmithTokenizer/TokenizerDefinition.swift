import Foundation
import PairsmithJSON

/// The parts of a `tokenizer.json` this tokenizer implements, read and checked.
struct TokenizerDefinition {
    /// The normalizers to apply in order (empty: none).
    var normalizers: [Normalizer] = []
    /// Whether the Qwen2 `Split` regex runs before the byte-level map (else each segment is one word).
    var splitsWithQwen2Regex = false
    /// BPE vocabulary: token string → id.
    var vocabulary: [String: Int] = [:]
    /// BPE merges as token pairs, in rank order.
    var merges: [(String, String)] = []
    /// The unknown token, if any.
    var unknownToken: String?
    /// Whether consecutive unknown symbols fuse.
    var fuseUnknown = false
    /// Whether a word that is itself in the vocabulary skips merging (`ignore_merges`).
    var ignoreMerges = false
    /// The added tokens.
    var addedTokens: [AddedToken] = []
    /// The post-processor.
    var postProcessor = PostProcessor.none

    /// Reads and checks the JSON of a `tokenizer.json`.
    init(data: Data) throws {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(data, duplicateKeys: .keepAll)  // the vocabulary is folded last-wins below
        } catch {
            throw TokenizerError.invalidJSON(reason: error.description)
        }
        guard case .object = parsed else { throw TokenizerError.invalidJSON(reason: "the top level is not an object") }
        do {
            try read(JSONFieldReader(parsed, path: ""))
        } catch let error as JSONFieldError {
            throw TokenizerError.invalidField(path: error.path, expected: error.expected)
        }
    }

    /// Reads the components from the top-level object.
    private mutating func read(_ root: JSONFieldReader) throws {
        normalizers = try Self.readNormalizer(root.member("normalizer"), path: "normalizer")
        splitsWithQwen2Regex = try Self.readPreTokenizer(root.member("pre_tokenizer"))
        try readModel(try root.object("model"))
        try Self.checkDecoder(root.member("decoder"), path: "decoder")
        postProcessor = try PostProcessor(root.member("post_processor"))
        if !root.isNull("added_tokens") {
            for (index, item) in try root.array("added_tokens").enumerated() {
                let token = try JSONFieldReader(item, path: JSONFieldReader.path("added_tokens", index: index))
                addedTokens.append(
                    AddedToken(
                        id: try token.int("id"), content: try token.string("content"),
                        special: try token.bool("special", default: false),
                        singleWord: try token.bool("single_word", default: false),
                        lstrip: try token.bool("lstrip", default: false), rstrip: try token.bool("rstrip", default: false),
                        normalized: try token.bool("normalized", default: false)))
            }
        }
    }

    /// Reads a `normalizer`: null, NFC/NFD/NFKC/NFKD, or a `Sequence` of them.
    private static func readNormalizer(_ value: JSONValue?, path: String) throws -> [Normalizer] {
        guard let value, !value.isNull else { return [] }
        let fields = try JSONFieldReader(value, path: path)
        switch try fields.type() {
        case "NFC": return [.nfc]
        case "NFD": return [.nfd]
        case "NFKC": return [.nfkc]
        case "NFKD": return [.nfkd]
        case "Sequence":
            return try fields.array("normalizers").enumerated().flatMap { index, item in
                try readNormalizer(item, path: JSONFieldReader.path(fields.path("normalizers"), index: index))
            }
        case let type:
            throw TokenizerError.unsupportedComponent(component: "normalizer", type: type)
        }
    }

    /// Reads the `pre_tokenizer`: the Qwen2 `Split` followed by `ByteLevel(use_regex: false)`, or that
    /// `ByteLevel` alone. Returns whether the Split is present.
    private static func readPreTokenizer(_ value: JSONValue?) throws -> Bool {
        var steps: [JSONFieldReader] = []
        func flatten(_ value: JSONValue?, path: String) throws {
            guard let value, !value.isNull else { return }
            let fields = try JSONFieldReader(value, path: path)
            if try fields.type() == "Sequence" {
                for (index, item) in try fields.array("pretokenizers").enumerated() {
                    try flatten(item, path: JSONFieldReader.path(fields.path("pretokenizers"), index: index))
                }
            } else {
                steps.append(fields)
            }
        }
        try flatten(value, path: "pre_tokenizer")
        var split = false
        var byteLevel = false
        for step in steps {
            switch try step.type() {
            case "Split" where !split && !byteLevel:
                let pattern = try step.object("pattern")
                guard let regex = try pattern.optionalString("Regex") else {
                    throw TokenizerError.unsupportedOption(
                        component: "pre_tokenizer", option: "Split.pattern", value: "a String pattern")
                }
                guard regex == Qwen2PreTokenizer.pattern else {
                    throw TokenizerError.unsupportedOption(component: "pre_tokenizer", option: "Split.pattern", value: regex)
                }
                let behavior = try step.string("behavior")
                guard behavior == "Isolated" else {
                    throw TokenizerError.unsupportedOption(component: "pre_tokenizer", option: "Split.behavior", value: behavior)
                }
                guard try !step.bool("invert", default: false) else {
                    throw TokenizerError.unsupportedOption(component: "pre_tokenizer", option: "Split.invert", value: "true")
                }
                split = true
            case "ByteLevel" where !byteLevel:
                try checkByteLevel(step, component: "pre_tokenizer")
                byteLevel = true
            case let type:
                throw TokenizerError.unsupportedComponent(component: "pre_tokenizer", type: type)
            }
        }
        guard byteLevel else {
            throw TokenizerError.unsupportedComponent(component: "pre_tokenizer", type: steps.isEmpty ? "null" : "without ByteLevel")
        }
        return split
    }

    /// Checks a `ByteLevel` component's options.
    private static func checkByteLevel(_ fields: JSONFieldReader, component: String) throws {
        if try fields.bool("add_prefix_space", default: false) {
            throw TokenizerError.unsupportedOption(component: component, option: "ByteLevel.add_prefix_space", value: "true")
        }
        if component == "pre_tokenizer", try fields.bool("use_regex", default: true) {
            throw TokenizerError.unsupportedOption(component: component, option: "ByteLevel.use_regex", value: "true")
        }
    }

    /// Checks the `decoder`: `ByteLevel` (alone or in a `Sequence`).
    private static func checkDecoder(_ value: JSONValue?, path: String) throws {
        guard let value, !value.isNull else { throw TokenizerError.unsupportedComponent(component: "decoder", type: "null") }
        let fields = try JSONFieldReader(value, path: path)
        switch try fields.type() {
        case "ByteLevel":
            return
        case "Sequence":
            let decoders = try fields.array("decoders")
            guard decoders.count == 1 else {
                throw TokenizerError.unsupportedOption(component: "decoder", option: "decoders", value: "\(decoders.count) decoders")
            }
            try checkDecoder(decoders[0], path: JSONFieldReader.path(fields.path("decoders"), index: 0))
        case let type:
            throw TokenizerError.unsupportedComponent(component: "decoder", type: type)
        }
    }

    /// Reads the `model`: BPE without dropout, prefixes, suffixes or byte fallback.
    private mutating func readModel(_ model: JSONFieldReader) throws {
        let type = try model.optionalString("type") ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupportedComponent(component: "model", type: type) }
        if !model.isNull("dropout") {
            throw TokenizerError.unsupportedOption(component: "model", option: "dropout", value: "non-null")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try model.optionalString(key), !value.isEmpty {
                throw TokenizerError.unsupportedOption(component: "model", option: key, value: value)
            }
        }
        if try model.bool("byte_fallback", default: false) {
            throw TokenizerError.unsupportedOption(component: "model", option: "byte_fallback", value: "true")
        }
        unknownToken = try model.optionalString("unk_token")
        fuseUnknown = try model.bool("fuse_unk", default: false)
        ignoreMerges = try model.bool("ignore_merges", default: false)
        let vocab = try model.object("vocab")
        vocabulary.reserveCapacity(vocab.members.count)
        for (token, id) in vocab.members.members {  // the member array itself: the hot loop of the load
            guard let id = id.intValue, id >= 0, id <= Int(Int32.max) else {
                throw TokenizerError.invalidField(path: vocab.keyPath(token), expected: "a non-negative id")
            }
            vocabulary[token] = id
        }
        let rawMerges = try model.array("merges")
        merges.reserveCapacity(rawMerges.count)
        for (index, merge) in rawMerges.enumerated() {
            if case .string(let text) = merge {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.invalidMerge(index: index, merge: text, reason: "expected two tokens separated by one space")
                }
                merges.append((String(parts[0]), String(parts[1])))
            } else if case .array(let pair) = merge, pair.count == 2,
                case .string(let left) = pair[0], case .string(let right) = pair[1]
            {
                merges.append((left, right))
            } else {
                throw TokenizerError.invalidMerge(index: index, merge: "\(merge)", reason: "expected \"a b\" or [\"a\", \"b\"]")
            }
        }
    }
}
