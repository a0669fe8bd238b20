import Foundation

/// One answer rule of a stage, chosen from the library pairsmith provides and parameterised in the pipeline file.
public struct RuleDeclaration: Sendable, Hashable {
    /// How a `one_of` rule compares the answer with the allowed values.
    public enum Matching: String, Sendable, Hashable, CaseIterable {
        /// Byte for byte.
        case exact
        /// Ignoring case and surrounding spaces.
        case caseInsensitive = "case_insensitive"
        /// Ignoring case, runs of spaces and final punctuation or quotes (a persona copied with a stray full stop).
        case loose
    }

    /// What a length rule counts.
    public enum LengthUnit: String, Sendable, Hashable, CaseIterable {
        /// Words (CJK characters count one each, as `WordCounter` does).
        case words
        /// Characters (Unicode scalars).
        case characters
    }

    /// The rule and its parameters.
    public enum Kind: Sendable, Hashable {
        /// The value is one of `among`'s values (a list's names, the persona candidates' texts, or given values);
        /// the stored value is the allowed value it matched, copied exactly.
        case oneOf(among: InputSource?, values: [String], matching: Matching)
        /// The value is not empty after trimming.
        case notEmpty
        /// The value's length, in `unit`s, lies within `ratio` × the target variable (at least `min`, at most `max`).
        case length(unit: LengthUnit, target: String?, ratio: ClosedRange<Double>?, min: Int?, max: Int?)
        /// The value's detected language is the one `expected` names (a language variable or a source).
        case language(expected: InputSource)
        /// The value does not copy `of` (the share of its words found in one sentence of `of` is at most `maxOverlap`,
        /// judged once the value has at least `minWords` words).
        case notCopy(of: InputSource, maxOverlap: Double, minWords: Int)
        /// The value is not a placeholder (`<the query>`), a field name or a template tag.
        case notPlaceholder
        /// The value does not echo the prompt (a `query:` prefix, the prompt's headings, a list's descriptions).
        case notPromptEcho
        /// The value differs from `other` (compared after case folding and collapsing spaces).
        case notEqual(other: InputSource)
        /// The number lies in `min...max`.
        case range(min: Double?, max: Double?)
        /// The value does not name any of `among`'s values (a text written for a label must not say the label).
        case doesNotMention(among: InputSource)
        /// The value's script-aware length (letters weighted by how much a character of their script carries: a Han
        /// character about three Latin letters) lies within `min...max` × that of `of` (a translation's length
        /// against its source), judged once the source weighs at least `minUnits`.
        case lengthRatio(of: InputSource, min: Double, max: Double, minUnits: Int)
        /// The value holds no run of more than `maxWords` words copied from `of` (a span left untranslated; Han and
        /// kana characters count half a word each).
        case noUntranslatedSpan(of: InputSource, maxWords: Int)
    }

    /// The rule's name in pipeline files (`one_of`, `not_empty`, `length`, …).
    public var name: String
    /// The answer field it judges.
    public var field: String
    /// The rule and its parameters.
    public var kind: Kind
    /// The reason code stored with a rejection (per rule default: `<field>_<what>`), or the two codes of a length
    /// rule (`too short`, `too long`).
    public var reason: String
    /// The reason code of a length rule's upper bound (the lower bound uses ``reason``).
    public var reasonLong: String?
    /// Where it is declared.
    public var location: DeclarationLocation

    /// Creates a declaration.
    public init(
        name: String, field: String, kind: Kind, reason: String, reasonLong: String? = nil, location: DeclarationLocation
    ) {
        self.name = name
        self.field = field
        self.kind = kind
        self.reason = reason
        self.reasonLong = reasonLong
        self.location = location
    }

    /// The rule names pipeline files may use.
    public static let names = [
        "one_of", "not_empty", "length", "language", "not_copy", "not_placeholder", "not_prompt_echo", "not_equal",
        "range", "does_not_mention", "length_ratio", "no_untranslated_span",
    ]

    public static func == (lhs: RuleDeclaration, rhs: RuleDeclaration) -> Bool {
        lhs.name == rhs.name && lhs.field == rhs.field && lhs.kind == rhs.kind && lhs.reason == rhs.reason
            && lhs.reasonLong == rhs.reasonLong
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(field)
        hasher.combine(reason)
    }
}
