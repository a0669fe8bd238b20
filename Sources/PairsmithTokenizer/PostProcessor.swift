import PairsmithJSON

/// What the `post_processor` adds around the ids of one sequence.
struct PostProcessor: Sendable, Equatable {
    /// Ids placed before the sequence when special tokens are added.
    var prefix: [Int32] = []
    /// Ids placed after the sequence when special tokens are added.
    var suffix: [Int32] = []

    /// No post-processing.
    static let none = PostProcessor()

    /// A post-processor that adds nothing.
    init() {}

    /// Reads a `post_processor` (null, `ByteLevel`, `TemplateProcessing`, or a `Sequence` of them).
    init(_ value: JSONValue?, path: String = "post_processor") throws {
        guard let value, !value.isNull else { return }
        let fields = try JSONFieldReader(value, path: path)
        switch try fields.type() {
        case "ByteLevel":
            return  // changes offsets only
        case "TemplateProcessing":
            try readTemplate(fields)
        case "Sequence":
            for (index, item) in try fields.array("processors").enumerated() {
                let inner = try PostProcessor(item, path: JSONFieldReader.path(fields.path("processors"), index: index))
                if !inner.prefix.isEmpty || !inner.suffix.isEmpty {
                    if !prefix.isEmpty || !suffix.isEmpty {
                        throw TokenizerError.unsupportedOption(
                            component: "post_processor", option: "processors", value: "more than one TemplateProcessing")
                    }
                    self = inner
                }
            }
        case let type:
            throw TokenizerError.unsupportedComponent(component: "post_processor", type: type)
        }
    }

    /// Reads the `single` template and its `special_tokens` table.
    private mutating func readTemplate(_ fields: JSONFieldReader) throws {
        let specials = try fields.object("special_tokens")
        var seenSequence = false
        for (index, item) in try fields.array("single").enumerated() {
            let itemPath = JSONFieldReader.path(fields.path("single"), index: index)
            let piece = try JSONFieldReader(item, path: itemPath)
            if !piece.isNull("Sequence") {
                let sequence = try piece.object("Sequence")
                guard try sequence.string("id") == "A", !seenSequence else {
                    throw TokenizerError.unsupportedOption(
                        component: "post_processor", option: "single", value: "a template other than one $A sequence")
                }
                seenSequence = true
            } else if !piece.isNull("SpecialToken") {
                let name = try piece.object("SpecialToken").string("id")
                let special = try specials.object(name)
                var ids: [Int32] = []
                for (k, id) in try special.array("ids").enumerated() {
                    guard let id = id.intValue, id >= 0, id <= Int(Int32.max) else {
                        throw TokenizerError.invalidField(path: JSONFieldReader.path(special.path("ids"), index: k), expected: "a token id")
                    }
                    ids.append(Int32(id))
                }
                if seenSequence { suffix += ids } else { prefix += ids }
            } else {
                throw TokenizerError.invalidField(path: itemPath, expected: "a Sequence or SpecialToken piece")
            }
        }
        guard seenSequence else {
            throw TokenizerError.invalidField(path: fields.path("single"), expected: "a template containing $A")
        }
    }
}
