import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithText

/// One declared stage with its files read and checked: the template parsed, every name it uses an input, the schema
/// valid, the rules ready (those the file declares, then those the schema's own value constraints imply).
public struct CompiledStage: Sendable {
    /// The declaration.
    public let declaration: StageDeclaration
    /// The stage's position (0 = first).
    public let index: Int
    /// The prompt template.
    public let template: PromptTemplate
    /// The answer schema.
    public let schema: AnswerSchema
    /// The answer's top-level fields, from the schema.
    public let fields: [JSONSchemaProperty]
    /// The rules, in the order they judge.
    public let rules: [AnswerRule]
    /// The variables' drawer, when the stage draws any.
    public let drawer: VariableDrawer?
    /// The few-shot pool, when the stage has one.
    public let fewShotPool: [[String: JSONValue]]

    /// The stage's name.
    public var name: String { declaration.name }
}

/// A pipeline's stages compiled: everything checked that can be checked before the first request.
public struct CompiledPipeline: Sendable {
    /// The pipeline file.
    public let configuration: PipelineConfiguration
    /// The stages, in order.
    public let stages: [CompiledStage]

    /// Reads and checks every stage's template, schema and few-shot file.
    /// - Throws: a ``ConfigurationError`` naming the pipeline file, line and key, and what would be valid.
    public init(configuration: PipelineConfiguration) throws(ConfigurationError) {
        self.configuration = configuration
        let allLists = configuration.lists.keys.sorted().compactMap { configuration.lists[$0] }
        var compiled: [CompiledStage] = []
        for (index, declaration) in configuration.stages.enumerated() {
            compiled.append(try Self.compile(declaration, index: index, configuration: configuration, allLists: allLists))
        }
        stages = compiled
    }

    /// True when a stage or the example reads `passage.sentence` (only then is the passage split into sentences).
    public var readsSentences: Bool {
        stages.contains { $0.declaration.inputs.contains { $0.source == .passageSentence } }
            || stages.contains { stage in
                stage.declaration.rules.contains { rule in
                    switch rule.kind {
                    case .notCopy(let source, _, _), .notEqual(let source), .lengthRatio(let source, _, _, _),
                        .noUntranslatedSpan(let source, _), .language(let source):
                        source == .passageSentence
                    default: false
                    }
                }
            }
            || configuration.example.sources.contains(.passageSentence)
    }

    /// The stage named `name`.
    public func stage(named name: String) -> CompiledStage? { stages.first { $0.name == name } }

    private static func compile(
        _ declaration: StageDeclaration, index: Int, configuration: PipelineConfiguration, allLists: [[ListItem]]
    ) throws(ConfigurationError) -> CompiledStage {
        let at = declaration.location
        func problem(_ field: String, _ message: String) -> ConfigurationError {
            ConfigurationError(file: at.file, line: at.line, field: "\(at.field).\(field)", message: message)
        }
        let templateText: String
        let template: PromptTemplate
        let schema: AnswerSchema
        do {
            templateText = try String(contentsOf: declaration.template, encoding: .utf8)
            template = try PromptTemplate(text: templateText, file: declaration.template)
            schema = try AnswerSchema(file: declaration.schema)
        } catch let failure as PromptError {
            throw problem("template", failure.description)
        } catch {
            throw ConfigurationError(file: at.file, line: at.line, field: at.field, message: "\(error)")
        }
        let fields = JSONSchemaProperties.of(schema.value)

        // Every name the template reads is an input, or a field of the items of a list section it sits in.
        let references: TemplateReferences
        do {
            references = try TemplateReferences(text: templateText)
        } catch {
            throw problem("template", "\(declaration.template.path) \(error)")
        }
        let inputs = Dictionary(declaration.inputs.map { ($0.name, $0.source) }, uniquingKeysWith: { first, _ in first })
        let fewShotPool = try loadFewShot(declaration.fewShot)
        let fewShotKeys = Set(fewShotPool.flatMap(\.keys) + ["number"])
        func itemFields(_ source: InputSource) -> Set<String> {
            switch source {
            case .personas: ["number", "text"]
            case .list: ["name", "description"]
            case .fewShot: fewShotKeys
            case .field: ["text"]
            default: []
            }
        }
        for reference in references.references {
            let head = String(reference.name.split(separator: ".").first ?? "")
            if reference.name == "." || inputs[head] != nil { continue }
            let enclosing = reference.sections.compactMap { inputs[$0] }
            if enclosing.contains(where: { itemFields($0).contains(head) }) { continue }
            let names = declaration.inputs.map(\.name).joined(separator: ", ")
            throw problem(
                "inputs",
                "\(declaration.template.lastPathComponent) line \(reference.line) uses {{\(reference.name)}}, which is not an input of "
                    + "stage \"\(declaration.name)\" (its inputs: \(names)); add `\(head): SOURCE` under inputs")
        }
        for name in schema.enumNames.sorted() where !(inputs[name]?.isList ?? false) {
            throw problem(
                "schema",
                "\(declaration.schema.lastPathComponent) fills an enum from \"\(name)\" (x-pairsmith-enum), which is not a list "
                    + "input of this stage; add `\(name): personas` or `\(name): lists.NAME` under inputs")
        }

        let echo = PromptEchoVocabulary(lists: allLists, fields: fields.map(\.name))
        var rules = declaration.rules.map { AnswerRule($0, echo: echo) }
        rules += implicitRules(fields: fields, declared: declaration.rules, inputs: inputs, at: at)
            .map { AnswerRule($0, echo: echo) }
        let drawer = declaration.draw.map(VariableDrawer.init(declaration:))
        return CompiledStage(
            declaration: declaration, index: index, template: template, schema: schema, fields: fields, rules: rules,
            drawer: drawer, fewShotPool: fewShotPool)
    }

    /// The rules the schema's value constraints imply for fields no declared rule already covers: `enum` → `one_of`
    /// (exact), `minLength`/`maxLength` → a character `length`, `minimum`/`maximum` → `range`. The schema is sent to
    /// the server for constrained decoding, but pairsmith judges every answer itself, so each constraint holds.
    static func implicitRules(
        fields: [JSONSchemaProperty], declared: [RuleDeclaration], inputs: [String: InputSource], at: DeclarationLocation
    ) -> [RuleDeclaration] {
        var rules: [RuleDeclaration] = []
        for field in fields {
            let own = declared.filter { $0.field == field.name }
            let location = DeclarationLocation(file: at.file, line: at.line, field: "\(at.field).schema.\(field.name)")
            if let values = field.enumValues?.compactMap(\.stringValue), !values.isEmpty, field.runtimeEnum == nil,
                !own.contains(where: { $0.name == "one_of" })
            {
                rules.append(
                    RuleDeclaration(
                        name: "one_of", field: field.name, kind: .oneOf(among: nil, values: values, matching: .exact),
                        reason: "\(field.name)_not_allowed", location: location))
            }
            if let name = field.runtimeEnum, let source = inputs[name], !own.contains(where: { $0.name == "one_of" }) {
                rules.append(
                    RuleDeclaration(
                        name: "one_of", field: field.name, kind: .oneOf(among: source, values: [], matching: .exact),
                        reason: "\(field.name)_not_allowed", location: location))
            }
            let coversLength = own.contains { ["length", "not_empty"].contains($0.name) }
            if !coversLength, field.minLength != nil || field.maxLength != nil {
                if field.minLength == 1 && field.maxLength == nil {
                    rules.append(
                        RuleDeclaration(
                            name: "not_empty", field: field.name, kind: .notEmpty, reason: "\(field.name)_empty",
                            location: location))
                } else {
                    rules.append(
                        RuleDeclaration(
                            name: "length", field: field.name,
                            kind: .length(unit: .characters, target: nil, ratio: nil, min: field.minLength, max: field.maxLength),
                            reason: "\(field.name)_too_short", reasonLong: "\(field.name)_too_long", location: location))
                }
            }
            if field.minimum != nil || field.maximum != nil, !own.contains(where: { $0.name == "range" }) {
                rules.append(
                    RuleDeclaration(
                        name: "range", field: field.name, kind: .range(min: field.minimum, max: field.maximum),
                        reason: "\(field.name)_out_of_range", location: location))
            }
        }
        return rules
    }

    /// The few-shot examples file: one JSON object per line (blank lines skipped).
    static func loadFewShot(_ declaration: FewShotDeclaration?) throws(ConfigurationError) -> [[String: JSONValue]] {
        guard let declaration else { return [] }
        let at = declaration.location
        let text: String
        do {
            text = try String(contentsOf: declaration.file, encoding: .utf8)
        } catch {
            throw at.error("cannot read \(declaration.file.path): \(error.localizedDescription)")
        }
        var pool: [[String: JSONValue]] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let value = try? JSONValue.parse(String(trimmed)), let object = value.objectValue else {
                throw at.error("\(declaration.file.path):\(number + 1): each line must be one JSON object, such as {\"query\": \"…\"}")
            }
            pool.append(object.dictionary)
        }
        guard pool.count >= declaration.count else {
            throw at.error("\(declaration.file.path) holds \(pool.count) examples; count asks for \(declaration.count) per unit")
        }
        return pool
    }
}
