import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithText

/// A persona candidate of a passage, best first.
public struct PersonaCandidate: Sendable, Hashable {
    /// The persona's id in the store.
    public var personaID: Int64
    /// Its text.
    public var text: String

    /// Creates a candidate.
    public init(personaID: Int64, text: String) {
        self.personaID = personaID
        self.text = text
    }
}

/// A resolved input value, as templates and rules see it.
public enum InputValue: Sendable, Hashable {
    /// Text.
    case text(String)
    /// An integer.
    case integer(Int)
    /// A number.
    case number(Double)
    /// A boolean (a Mustache section that shows when true).
    case bool(Bool)
    /// A list of objects (a Mustache section repeated per item); `values` are what a `one_of` rule allows.
    case list(items: [[String: JSONValue]], values: [String])

    /// The value as text, when it is a scalar.
    public var text: String? {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .bool(let value): String(value)
        case .list: nil
        }
    }

    /// The value for Mustache (strings, numbers, booleans, arrays of dictionaries).
    var mustache: Any {
        switch self {
        case .text(let text): text
        case .integer(let value): value
        case .number(let value): value
        case .bool(let value): value
        case .list(let items, _): items.map { item in item.mapValues(Self.mustache(of:)) }
        }
    }

    /// The value as JSON (for stored metadata).
    public var json: JSONValue {
        switch self {
        case .text(let text): .string(text)
        case .integer(let value): .integer(value)
        case .number(let value): .number(value)
        case .bool(let value): .bool(value)
        case .list(_, let values): .strings(values)
        }
    }

    private static func mustache(of value: JSONValue) -> Any {
        switch value {
        case .null: ""
        case .bool(let flag): flag
        case .integer(let number): number
        case .number(let number): number
        case .string(let text): text
        case .array(let items): items.map(mustache(of:))
        case .object(let object): object.dictionary.mapValues(mustache(of:))
        }
    }
}

/// Everything one unit's stage can read: its passage, persona candidates, the pipeline's lists, the variables drawn
/// for the unit so far and the answers of the stages before.
public struct UnitContext: Sendable {
    /// The passage text.
    public var passage: String
    /// The passage's language code (`und` when unknown).
    public var passageLanguage: String
    /// The passage's stable key.
    public var passageKey: String
    /// The sentence of the passage drawn for the unit (`passage.sentence`), when a stage reads one.
    public var sentence: String?
    /// The persona candidates, best first (empty when the task matches none).
    public var candidates: [PersonaCandidate]
    /// The pipeline's lists.
    public var lists: [String: [ListItem]]
    /// The variables drawn so far (every stage up to the current one).
    public var variables: [String: DrawnValue]
    /// Which list each choice variable draws from, when it does.
    public var variableLists: [String: String]
    /// The answers of earlier stages, by stage, after their rules.
    public var answers: [String: JSONObject]
    /// The descriptions of list items `one_of` rules matched, by `STAGE.FIELD`.
    public var descriptions: [String: String]
    /// The few-shot examples drawn for the unit.
    public var fewShot: [[String: JSONValue]]

    /// Creates a context.
    public init(
        passage: String, passageLanguage: String, passageKey: String, candidates: [PersonaCandidate],
        lists: [String: [ListItem]], variables: [String: DrawnValue] = [:], variableLists: [String: String] = [:],
        answers: [String: JSONObject] = [:], descriptions: [String: String] = [:], fewShot: [[String: JSONValue]] = []
    ) {
        self.passage = passage
        self.passageLanguage = passageLanguage
        self.passageKey = passageKey
        self.candidates = candidates
        self.lists = lists
        self.variables = variables
        self.variableLists = variableLists
        self.answers = answers
        self.descriptions = descriptions
        self.fewShot = fewShot
    }

    /// The value of `source` for this unit, or nil when it has none (an answer field of a skipped stage).
    public func value(of source: InputSource) -> InputValue? {
        switch source {
        case .passage: return .text(passage)
        case .passageLanguageName: return .text(Languages.name(of: passageLanguage))
        case .passageLanguageCode: return .text(passageLanguage)
        case .passageKey: return .text(passageKey)
        case .passageSentence: return sentence.map { .text($0) }
        case .personas:
            return .list(
                items: candidates.enumerated().map { ["number": .integer($0.offset + 1), "text": .string($0.element.text)] },
                values: candidates.map(\.text))
        case .list(let name):
            let items = lists[name] ?? []
            return .list(
                items: items.map { ["name": .string($0.name), "description": .string($0.description)] }, values: items.map(\.name))
        case .variable(let name):
            switch variables[name] {
            case .integer(let value)?: return .integer(value)
            case .number(let value)?: return .number(value)
            case .string(let value)?: return .text(value)
            case nil: return nil
            }
        case .variableLanguageName(let name):
            return variables[name].map { .text(Languages.name(of: $0.text)) }
        case .variableCrossLingual(let name):
            return variables[name].map { .bool($0.text != passageLanguage) }
        case .variableDescription(let name):
            guard let value = variables[name]?.text, let list = variableLists[name] else { return nil }
            return (lists[list]?.first { $0.name == value }).map { .text($0.description) }
        case .variableEntry(let name):
            guard let value = variables[name]?.text, let list = variableLists[name] else { return nil }
            return (lists[list]?.first { $0.name == value }).map { .text($0.entry) }
        case .field(let stage, let field):
            guard let value = answers[stage]?[field] else { return nil }
            switch value {
            case .string(let text): return .text(text)
            case .integer(let number): return .integer(number)
            case .number(let number): return .number(number)
            case .bool(let flag): return .bool(flag)
            case .array(let items):
                let texts = items.compactMap(\.stringValue)
                return .list(items: texts.map { ["text": .string($0)] }, values: texts)
            default: return nil
            }
        case .fieldDescription(let stage, let field):
            return descriptions["\(stage).\(field)"].map { .text($0) }
        case .fieldEntry(let stage, let field):
            guard let name = answers[stage]?[field]?.stringValue, let description = descriptions["\(stage).\(field)"] else {
                return nil
            }
            return .text(ListItem.entry(name: name, description: description))
        case .fewShot:
            return .list(items: fewShot.enumerated().map { $0.element.merging(["number": .integer($0.offset + 1)]) { a, _ in a } }, values: [])
        case .literal(let text):
            return .text(text)
        }
    }
}

extension UnitContext {
    /// The sentence a unit works on: one of the passage's sentences of 3 to 80 words (the longest one when none
    /// is), drawn by a seeded generator keyed by the unit, so every stage and every resumed run sees the same one.
    public static func drawSentence(from passage: String, key: String) -> String? {
        let sentences = SentenceSegmenter().segments(of: passage).map(\.text)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        let fitting = sentences.filter { (3...80).contains(WordCounter.count($0)) }
        guard !fitting.isEmpty else { return sentences.max { $0.count < $1.count } }
        var random = Xoshiro256StarStar(key: "sentence|\(key)")
        return fitting[random.uniform(0...(fitting.count - 1))]
    }
}
