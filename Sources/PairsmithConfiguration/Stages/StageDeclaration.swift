import Foundation

/// Where a declaration stands in its pipeline file, so that a problem found after loading (a template that names
/// a missing input, a rule on a field no schema defines) still names the file, the line and the key.
public struct DeclarationLocation: Sendable, Hashable, CustomStringConvertible {
    /// The pipeline file's path.
    public var file: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The key's path, for example `stages[1].inputs.character`.
    public var field: String

    /// Creates a location.
    public init(file: String, line: Int?, field: String) {
        self.file = file
        self.line = line
        self.field = field
    }

    /// The error at this location with `message`.
    public func error(_ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: line, field: field, message: message)
    }

    public var description: String { line.map { "\(file):\($0)" } ?? file }
}

/// One item of a declared option list (`lists:`): a name the model must copy and the description the prompt shows.
public struct ListItem: Sendable, Hashable {
    /// The value, as answers must give it.
    public var name: String
    /// What it means, as the prompt explains it.
    public var description: String

    /// Creates an item.
    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }

    /// The item as one text, `name: description` (just the name when it has no description): how a label is
    /// embedded as a classification positive or negative.
    public static func entry(name: String, description: String) -> String {
        description.isEmpty ? name.replacingOccurrences(of: "_", with: " ") : "\(name.replacingOccurrences(of: "_", with: " ")): \(description)"
    }

    /// ``entry(name:description:)`` of this item.
    public var entry: String { Self.entry(name: name, description: description) }
}

/// A value a stage reads: the passage, the persona candidates, a declared list, a drawn variable or an earlier
/// stage's answer field (the grammar is in the README's pipeline-file section).
public enum InputSource: Sendable, Hashable, CustomStringConvertible {
    /// `passage`: the passage text.
    case passage
    /// `passage.language`: the passage language's English name.
    case passageLanguageName
    /// `passage.language_code`: the passage's ISO 639-1 code (`und` when unknown).
    case passageLanguageCode
    /// `passage.key`: the passage's stable key (`{id}` or `{id}#{k}`).
    case passageKey
    /// `passage.sentence`: one sentence of the passage, drawn per unit (the same in every stage of the unit), for
    /// tasks that work on sentences (bitext, STS).
    case passageSentence
    /// `personas`: the persona candidates, best first, as a list of `{number, text}`.
    case personas
    /// `lists.NAME`: a declared list, as a list of `{name, description}`.
    case list(String)
    /// `vars.NAME`: a drawn variable (a language variable gives its code).
    case variable(String)
    /// `vars.NAME.name`: a language variable's English name.
    case variableLanguageName(String)
    /// `vars.NAME.cross_lingual`: whether a language variable differs from the passage's language.
    case variableCrossLingual(String)
    /// `vars.NAME.description`: the description of the list item a choice variable drew.
    case variableDescription(String)
    /// `vars.NAME.entry`: the list item a choice variable drew, as `name: description`.
    case variableEntry(String)
    /// `STAGE.FIELD`: an earlier stage's answer field, after its rules.
    case field(stage: String, field: String)
    /// `STAGE.FIELD.description`: the description of the list item a `one_of` rule matched the field to.
    case fieldDescription(stage: String, field: String)
    /// `STAGE.FIELD.entry`: the list item a `one_of` rule matched the field to, as `name: description` (a
    /// classification example's positive); nil when the field matched a value outside the list (`none`).
    case fieldEntry(stage: String, field: String)
    /// `few_shot`: the examples drawn for this unit from the stage's `few_shot.file`.
    case fewShot
    /// A literal string (`{text: "..."}`).
    case literal(String)

    public var description: String {
        switch self {
        case .passage: "passage"
        case .passageLanguageName: "passage.language"
        case .passageLanguageCode: "passage.language_code"
        case .passageKey: "passage.key"
        case .passageSentence: "passage.sentence"
        case .personas: "personas"
        case .list(let name): "lists.\(name)"
        case .variable(let name): "vars.\(name)"
        case .variableLanguageName(let name): "vars.\(name).name"
        case .variableCrossLingual(let name): "vars.\(name).cross_lingual"
        case .variableDescription(let name): "vars.\(name).description"
        case .variableEntry(let name): "vars.\(name).entry"
        case .field(let stage, let field): "\(stage).\(field)"
        case .fieldDescription(let stage, let field): "\(stage).\(field).description"
        case .fieldEntry(let stage, let field): "\(stage).\(field).entry"
        case .fewShot: "few_shot"
        case .literal(let text): "{text: \(text)}"
        }
    }

    /// True for sources that are lists of objects (usable as Mustache sections and as `one_of` candidates).
    public var isList: Bool {
        switch self {
        case .personas, .list, .fewShot: true
        default: false
        }
    }
}

/// A variable a stage draws per unit, seeded by the unit's key: the same unit always draws the same values.
public struct VariableDeclaration: Sendable, Hashable {
    /// How the value is drawn.
    public enum Kind: Sendable, Hashable {
        /// An integer: a bucket drawn by weight, then a value uniformly inside it (two draws).
        case integer(buckets: [IntegerBucket])
        /// A number drawn uniformly in `min...max` (one draw).
        case number(min: Double, max: Double)
        /// One of weighted values (one draw); `list` names the declared list the values come from, if any.
        case choice(values: [WeightedValue], list: String?)
        /// A language: the passage's own, except for a share drawn from weighted targets other than the passage's
        /// language (one draw, plus one more when it crosses). An unknown passage language always crosses.
        case language(crossLingualShare: Double, targets: [WeightedValue], fallback: String)
    }

    /// The variable's name (unique in the pipeline).
    public var name: String
    /// How it is drawn.
    public var kind: Kind
    /// Where it is declared.
    public var location: DeclarationLocation

    /// Creates a declaration.
    public init(name: String, kind: Kind, location: DeclarationLocation) {
        self.name = name
        self.kind = kind
        self.location = location
    }

    /// Equal declarations draw the same values, wherever they are written.
    public static func == (lhs: VariableDeclaration, rhs: VariableDeclaration) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(kind)
    }
}

/// An integer range with a weight.
public struct IntegerBucket: Sendable, Hashable {
    /// The smallest value.
    public var min: Int
    /// The largest value.
    public var max: Int
    /// The relative weight.
    public var weight: Double

    /// Creates a bucket.
    public init(min: Int, max: Int, weight: Double) {
        self.min = min
        self.max = max
        self.weight = weight
    }
}

/// A value with a relative weight.
public struct WeightedValue: Sendable, Hashable {
    /// The value.
    public var value: String
    /// The relative weight.
    public var weight: Double

    /// Creates a weighted value.
    public init(value: String, weight: Double) {
        self.value = value
        self.weight = weight
    }
}

/// The draws of a stage: a named random stream and the variables drawn from it, in order.
public struct DrawDeclaration: Sendable, Hashable {
    /// The stream's name; units drawing with the same name and key get the same values (retrieval uses
    /// `query-plan`, the name its planner always used).
    public var seed: String
    /// The variables, drawn in this order from one stream.
    public var variables: [VariableDeclaration]

    /// Creates a declaration.
    public init(seed: String, variables: [VariableDeclaration]) {
        self.seed = seed
        self.variables = variables
    }
}

/// A stage's skip condition on a drawn variable: the stage runs for a unit only when it holds.
public struct StageCondition: Sendable, Hashable {
    /// The variable tested.
    public var variable: String
    /// The values for which the stage runs.
    public var values: [String]
    /// True for `unless:` (the stage runs when the variable is none of `values`).
    public var negated: Bool
    /// Where it is declared.
    public var location: DeclarationLocation

    /// Creates a condition.
    public init(variable: String, values: [String], negated: Bool, location: DeclarationLocation) {
        self.variable = variable
        self.values = values
        self.negated = negated
        self.location = location
    }

    /// Equal conditions admit the same units, wherever they are written.
    public static func == (lhs: StageCondition, rhs: StageCondition) -> Bool {
        lhs.variable == rhs.variable && lhs.values == rhs.values && lhs.negated == rhs.negated
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(variable)
        hasher.combine(values)
    }

    /// Whether the stage runs when the variable holds `value`.
    public func admits(_ value: String?) -> Bool {
        let member = value.map(values.contains) ?? false
        return negated ? !member : member
    }
}

/// Few-shot examples: `count` lines drawn per unit, deterministically, from a JSON Lines file of objects.
public struct FewShotDeclaration: Sendable, Hashable {
    /// The examples file (one JSON object per line).
    public var file: URL
    /// Examples drawn per unit.
    public var count: Int
    /// Where it is declared.
    public var location: DeclarationLocation

    /// Creates a declaration.
    public init(file: URL, count: Int, location: DeclarationLocation) {
        self.file = file
        self.count = count
        self.location = location
    }

    /// Equal declarations draw from the same file, wherever they are written.
    public static func == (lhs: FewShotDeclaration, rhs: FewShotDeclaration) -> Bool {
        lhs.file == rhs.file && lhs.count == rhs.count
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(file) }
}

/// One LLM stage: its prompt, answer schema, draws, inputs, rules and concurrency.
public struct StageDeclaration: Sendable, Hashable {
    /// The stage's name, as the work queue stores it.
    public var name: String
    /// The Mustache template.
    public var template: URL
    /// The answer's JSON schema.
    public var schema: URL
    /// Sampling for this stage's requests (the pipeline's `sampling:` with this stage's overrides).
    public var sampling: PipelineConfiguration.Sampling
    /// Units worked on at once.
    public var concurrency: Int
    /// Variables drawn per unit, if any.
    public var draw: DrawDeclaration?
    /// When the stage runs, if not always.
    public var condition: StageCondition?
    /// Few-shot examples, if any.
    public var fewShot: FewShotDeclaration?
    /// Template names and where their values come from, in file order.
    public var inputs: [(name: String, source: InputSource, location: DeclarationLocation)]
    /// The rules an answer must pass, in order.
    public var rules: [RuleDeclaration]
    /// Where the stage is declared.
    public var location: DeclarationLocation
    /// When set, the stage is a judge: it runs per example after the example is made, and its criteria's ratings
    /// are stored as the example's judge scores.
    public var judge: JudgeDeclaration? = nil

    /// Creates a declaration.
    public init(
        name: String, template: URL, schema: URL, sampling: PipelineConfiguration.Sampling, concurrency: Int,
        draw: DrawDeclaration?, condition: StageCondition?, fewShot: FewShotDeclaration?,
        inputs: [(name: String, source: InputSource, location: DeclarationLocation)], rules: [RuleDeclaration],
        location: DeclarationLocation
    ) {
        self.name = name
        self.template = template
        self.schema = schema
        self.sampling = sampling
        self.concurrency = concurrency
        self.draw = draw
        self.condition = condition
        self.fewShot = fewShot
        self.inputs = inputs
        self.rules = rules
        self.location = location
    }

    /// The source of input `name`, if the stage declares it.
    public func source(of name: String) -> InputSource? { inputs.first { $0.name == name }?.source }

    public static func == (lhs: StageDeclaration, rhs: StageDeclaration) -> Bool {
        lhs.name == rhs.name && lhs.template == rhs.template && lhs.schema == rhs.schema && lhs.sampling == rhs.sampling
            && lhs.concurrency == rhs.concurrency && lhs.draw == rhs.draw && lhs.condition == rhs.condition
            && lhs.fewShot == rhs.fewShot && lhs.rules == rhs.rules && lhs.judge == rhs.judge
            && lhs.inputs.map { "\($0.name)=\($0.source)" } == rhs.inputs.map { "\($0.name)=\($0.source)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(template)
        hasher.combine(rules)
        hasher.combine(inputs.map { "\($0.name)=\($0.source)" })
    }
}

/// A judge stage's criteria: answer fields `{score, reason}` (the schema says their ranges), each stored as a
/// judge score of the example under its name.
public struct JudgeDeclaration: Sendable, Hashable {
    /// The criteria, as answer fields (`overall` among them when the judge gives an overall rating).
    public var criteria: [String]

    /// Creates a declaration.
    public init(criteria: [String]) {
        self.criteria = criteria
    }
}

/// What the last stage's unit produces: one training example, its sides taken from sources.
public struct ExampleDeclaration: Sendable, Hashable {
    /// The task family recorded on every example (`retrieval`, `bitext`, `sts`, `classification`, …).
    public var task: String
    /// The anchor (query) side; the first source that has a value is used.
    public var anchor: [InputSource]
    /// The positive side; `passage` means the passage itself (stored by reference, not copied).
    public var positive: [InputSource]
    /// Generated negatives (an answer field holding a string or a list of strings), if any.
    public var negatives: InputSource?
    /// A label, if the task has one.
    public var label: InputSource?
    /// A score, if the task has one.
    public var score: InputSource?
    /// The score's range, mapped to [0, 1] when stored (for example 1…5 for STS levels).
    public var scoreRange: ClosedRange<Double>?
    /// The instruction the anchor side is embedded with (nil: none).
    public var anchorInstruction: String?
    /// The instruction the positive side is embedded with (nil: none; symmetric tasks give both).
    public var positiveInstruction: String?
    /// The anchor's language (a language variable or `passage.language_code`).
    public var anchorLanguage: InputSource
    /// The positive's language (default: the passage's for a passage positive, else the anchor's).
    public var positiveLanguage: InputSource?
    /// The anchor's requested length in words, when the task asks for one.
    public var requestedLength: InputSource?
    /// Further values kept with the example for the report, by name.
    public var metadata: [(name: String, source: InputSource)]
    /// Where the block is declared.
    public var location: DeclarationLocation

    /// Creates a declaration.
    public init(
        task: String, anchor: [InputSource], positive: [InputSource], negatives: InputSource? = nil,
        label: InputSource? = nil, score: InputSource? = nil, scoreRange: ClosedRange<Double>? = nil,
        anchorInstruction: String?, positiveInstruction: String? = nil, anchorLanguage: InputSource,
        positiveLanguage: InputSource? = nil, requestedLength: InputSource? = nil, metadata: [(name: String, source: InputSource)] = [],
        location: DeclarationLocation
    ) {
        self.task = task
        self.anchor = anchor
        self.positive = positive
        self.negatives = negatives
        self.label = label
        self.score = score
        self.scoreRange = scoreRange
        self.anchorInstruction = anchorInstruction
        self.positiveInstruction = positiveInstruction
        self.anchorLanguage = anchorLanguage
        self.positiveLanguage = positiveLanguage
        self.requestedLength = requestedLength
        self.metadata = metadata
        self.location = location
    }

    /// Every source the block reads.
    public var sources: [InputSource] {
        anchor + positive + [negatives, label, score, anchorLanguage, positiveLanguage, requestedLength].compactMap { $0 } + metadata.map(\.source)
    }

    public static func == (lhs: ExampleDeclaration, rhs: ExampleDeclaration) -> Bool {
        lhs.task == rhs.task && lhs.anchor == rhs.anchor && lhs.positive == rhs.positive && lhs.negatives == rhs.negatives
            && lhs.label == rhs.label && lhs.score == rhs.score && lhs.scoreRange == rhs.scoreRange
            && lhs.anchorInstruction == rhs.anchorInstruction && lhs.positiveInstruction == rhs.positiveInstruction
            && lhs.anchorLanguage == rhs.anchorLanguage && lhs.positiveLanguage == rhs.positiveLanguage
            && lhs.requestedLength == rhs.requestedLength
            && lhs.metadata.map { "\($0.name)=\($0.source)" } == rhs.metadata.map { "\($0.name)=\($0.source)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(task)
        hasher.combine(anchor)
        hasher.combine(positive)
    }
}
