import Foundation
import PairsmithJSON
import PairsmithText
import Yams

extension PipelineConfiguration {
    /// Names a stage may not take: they are the first word of the other sources.
    static let reservedStageNames: Set<String> = ["passage", "personas", "lists", "vars", "few_shot", "match", "score"]

    /// A path from a pipeline file: relative paths resolve against the file's folder, absolute ones stay as written.
    static func resolve(_ path: String, folder: URL) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return folder.appendingPathComponent(expanded).standardizedFileURL
    }

    /// A file the pipeline names, which must exist.
    static func existingFile(_ node: ConfigNode, folder: URL) throws -> URL {
        let url = resolve(try node.string(), folder: folder)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw node.error(
                "the file \(url.path) does not exist (relative paths resolve against \(folder.standardizedFileURL.path))")
        }
        return url
    }

    // MARK: Lists

    static func parseLists(_ node: ConfigNode?, folder: URL) throws -> [String: [ListItem]] {
        guard let node else { return [:] }
        let fields = try node.mapping(allowed: node.keys)
        var lists: [String: [ListItem]] = [:]
        for name in node.keys {
            guard var listNode = fields.optional(name) else { continue }
            try checkName(name, node: listNode, what: "a list name")
            if listNode.isMapping { listNode = try TaxonomyFile.items(of: listNode, folder: folder) }
            let items = try listNode.sequence().map { item -> ListItem in
                if item.isMapping {
                    let entry = try item.mapping(allowed: ["name", "description"])
                    return ListItem(
                        name: try entry.required("name").string(),
                        description: try entry.optional("description")?.string() ?? "")
                }
                return ListItem(name: try item.string(), description: "")
            }
            guard !items.isEmpty else { throw listNode.error("must list at least one item {name, description}") }
            var seen = Set<String>()
            for (index, item) in items.enumerated() where !seen.insert(item.name).inserted {
                throw try listNode.sequence()[index].error("repeats the name \"\(item.name)\"; names in a list must be unique")
            }
            lists[name] = items
        }
        return lists
    }

    // MARK: Stages

    /// What the stages parsed so far make available to the next one.
    struct Scope {
        var lists: [String: [ListItem]]
        var personas: Bool
        var variables: [String: VariableDeclaration] = [:]
        var stages: [String] = []
        /// Answer fields per stage, from its schema.
        var fields: [String: Set<String>] = [:]
        /// Fields whose `one_of` rule matched them to a list (so `STAGE.FIELD.description` exists).
        var describedFields: Set<String> = []
    }

    static func parseStages(
        _ node: ConfigNode, folder: URL, sampling: Sampling, scope: inout Scope
    ) throws -> [StageDeclaration] {
        let items = try node.sequence()
        guard !items.isEmpty else { throw node.error("must list at least one stage {name, template, schema, …}") }
        var stages: [StageDeclaration] = []
        for item in items {
            let fields = try item.mapping(allowed: [
                "name", "template", "schema", "sampling", "concurrency", "draw", "when", "unless", "few_shot", "inputs",
                "rules", "judge",
            ])
            let nameNode = try fields.required("name")
            let name = try nameNode.string()
            try checkName(name, node: nameNode, what: "a stage name")
            guard !reservedStageNames.contains(name) else {
                throw nameNode.error(
                    "\"\(name)\" is reserved (it begins other sources); choose another name, such as \"\(name)_stage\"")
            }
            guard !scope.stages.contains(name) else { throw nameNode.error("a stage named \"\(name)\" is declared already") }

            let template = try existingFile(try fields.required("template"), folder: folder)
            let schemaNode = try fields.required("schema")
            let schemaFile = try existingFile(schemaNode, folder: folder)
            let schemaFields = try schemaProperties(schemaFile, node: schemaNode)

            var stageSampling = sampling
            if let samplingNode = fields.optional("sampling") {
                let overrides = try samplingNode.mapping(allowed: ["temperature", "top_p", "max_tokens"])
                if let value = overrides.optional("temperature") { stageSampling.temperature = try value.number(in: 0...2) }
                if let value = overrides.optional("top_p") { stageSampling.topP = try value.number(in: 0.000_001...1) }
                if let value = overrides.optional("max_tokens") { stageSampling.maxTokens = try value.integer(in: 1...131_072) }
            }

            let draw = try fields.optional("draw").map { try parseDraw($0, stage: name, scope: &scope) }
            let condition = try parseCondition(when: fields.optional("when"), unless: fields.optional("unless"), scope: scope)
            let fewShot = try fields.optional("few_shot").map { node -> FewShotDeclaration in
                let entry = try node.mapping(allowed: ["file", "count"])
                return FewShotDeclaration(
                    file: try existingFile(try entry.required("file"), folder: folder),
                    count: try entry.optional("count")?.integer(in: 1...20) ?? 3, location: node.location)
            }

            var inputs: [(name: String, source: InputSource, location: DeclarationLocation)] = []
            if let inputsNode = fields.optional("inputs") {
                let mapping = try inputsNode.mapping(allowed: inputsNode.keys)
                for key in inputsNode.keys {
                    guard let sourceNode = mapping.optional(key) else { continue }
                    try checkName(key, node: sourceNode, what: "an input name")
                    let source = try parseSource(sourceNode, scope: scope, fewShot: fewShot != nil)
                    inputs.append((key, source, sourceNode.location))
                }
            }

            var rules: [RuleDeclaration] = []
            if let rulesNode = fields.optional("rules") {
                for ruleNode in try rulesNode.sequence() {
                    let rule = try parseRule(ruleNode, schemaFields: schemaFields, scope: scope, schemaFile: schemaFile)
                    rules.append(rule)
                }
            }
            for rule in rules {
                if case .oneOf(let among?, _, _) = rule.kind, case .list = among { scope.describedFields.insert("\(name).\(rule.field)") }
            }
            let concurrency = try fields.optional("concurrency")?.integer(in: 1...4_096) ?? 32
            var declaration = StageDeclaration(
                name: name, template: template, schema: schemaFile, sampling: stageSampling, concurrency: concurrency,
                draw: draw, condition: condition, fewShot: fewShot, inputs: inputs, rules: rules,
                location: item.location)
            if let judgeNode = fields.optional("judge") {
                declaration.judge = try parseJudge(judgeNode, schemaFields: schemaFields, schemaFile: schemaFile)
            } else if let judge = stages.last(where: { $0.judge != nil }) {
                throw nameNode.error(
                    "stage \"\(name)\" comes after the judge stage \"\(judge.name)\"; judge stages rate the finished example, so they come last")
            }
            if declaration.judge != nil, stages.allSatisfy({ $0.judge != nil }) {
                throw nameNode.error("a judge stage needs a stage before it that makes the example")
            }
            stages.append(declaration)
            scope.stages.append(name)
            scope.fields[name] = Set(schemaFields.map(\.name))
        }
        return stages
    }

    /// A stage's `judge: {criteria: [NAME, …]}`: every criterion must be a property of the stage's schema.
    static func parseJudge(_ node: ConfigNode, schemaFields: [JSONSchemaProperty], schemaFile: URL) throws -> JudgeDeclaration {
        let fields = try node.mapping(allowed: ["criteria"])
        let criteriaNode = try fields.required("criteria")
        let items = try criteriaNode.sequence()
        guard !items.isEmpty else { throw criteriaNode.error("must list at least one criterion (an answer field)") }
        let properties = Set(schemaFields.map(\.name))
        var criteria: [String] = []
        for item in items {
            let name = try item.string()
            guard properties.contains(name) else {
                throw item.error(
                    "\"\(name)\" is not a property of \(schemaFile.lastPathComponent); its properties: \(properties.sorted().joined(separator: ", "))"
                )
            }
            guard !criteria.contains(name) else { throw item.error("\"\(name)\" is listed twice") }
            criteria.append(name)
        }
        return JudgeDeclaration(criteria: criteria)
    }

    /// The top-level properties of a stage's schema file, which must be a valid JSON Schema object.
    static func schemaProperties(_ file: URL, node: ConfigNode) throws -> [JSONSchemaProperty] {
        let value: JSONValue
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
            value = try JSONValue.parse(text, duplicateKeys: .reject)
        } catch {
            throw node.error("\(file.path) is not valid JSON: \(error)")
        }
        do {
            try JSONSchemaCheck.validateSchema(value)
        } catch {
            let at = JSONPointer.line(of: error.pointer, in: text).map { "\(file.path):\($0)" } ?? file.path
            throw node.error("\(at) is not a valid JSON Schema: \(error)")
        }
        let properties = JSONSchemaProperties.of(value)
        guard !properties.isEmpty else {
            throw node.error("\(file.path) must describe a JSON object with `properties` (the answer's fields)")
        }
        return properties
    }

    static func parseDraw(_ node: ConfigNode, stage: String, scope: inout Scope) throws -> DrawDeclaration {
        let fields = try node.mapping(allowed: ["seed", "variables"])
        let seed = try fields.optional("seed")?.string() ?? "\(stage)-variables"
        var variables: [VariableDeclaration] = []
        for item in try fields.required("variables").sequence() {
            let entry = try item.mapping(allowed: ["name", "integer", "number", "choice", "language"])
            let nameNode = try entry.required("name")
            let name = try nameNode.string()
            try checkName(name, node: nameNode, what: "a variable name")
            guard scope.variables[name] == nil else {
                throw nameNode.error("the variable \"\(name)\" is drawn already (by an earlier stage or above); names are unique")
            }
            let kinds = ["integer", "number", "choice", "language"].filter { entry.optional($0) != nil }
            guard kinds.count == 1, let kindName = kinds.first, let kindNode = entry.optional(kindName) else {
                throw item.error("give exactly one of integer, number, choice, language")
            }
            let kind: VariableDeclaration.Kind
            switch kindName {
            case "integer":
                kind = .integer(buckets: try parseBuckets(kindNode))
            case "number":
                let range = try kindNode.mapping(allowed: ["min", "max"])
                let low = try range.required("min").number(in: -1e12...1e12)
                let highNode = try range.required("max")
                let high = try highNode.number(in: -1e12...1e12)
                guard high >= low else { throw highNode.error("must be at least min (\(low)), found \(high)") }
                kind = .number(min: low, max: high)
            case "choice":
                kind = try parseChoice(kindNode, scope: scope)
            default:
                let language = try kindNode.mapping(allowed: ["cross_lingual_share", "targets", "fallback"])
                let share = try language.optional("cross_lingual_share")?.number(in: 0...1) ?? 1
                let targets = try parseLanguageWeights(language.optional("targets"))
                if share > 0 && targets.isEmpty {
                    throw kindNode.error("targets must list languages and weights (for example en: 1.0) when cross_lingual_share is above 0")
                }
                let fallback =
                    try language.optional("fallback").map { node -> String in
                        let code = try node.string()
                        guard Languages.names[code] != nil else { throw node.error("is not a known language code (ISO 639-1), found \"\(code)\"") }
                        return code
                    } ?? "en"
                kind = .language(crossLingualShare: share, targets: targets, fallback: fallback)
            }
            let variable = VariableDeclaration(name: name, kind: kind, location: item.location)
            scope.variables[name] = variable
            variables.append(variable)
        }
        return DrawDeclaration(seed: seed, variables: variables)
    }

    static func parseBuckets(_ node: ConfigNode) throws -> [IntegerBucket] {
        let buckets = try node.sequence().map { item in
            let bucket = try item.mapping(allowed: ["min", "max", "weight"])
            let minimum = try bucket.required("min").integer(in: -1_000_000...1_000_000)
            let maxNode = try bucket.required("max")
            let maximum = try maxNode.integer(in: -1_000_000...1_000_000)
            guard maximum >= minimum else { throw maxNode.error("must be at least min (\(minimum)), found \(maximum)") }
            let weight = try positiveWeight(bucket.optional("weight"))
            return IntegerBucket(min: minimum, max: maximum, weight: weight)
        }
        guard !buckets.isEmpty else { throw node.error("must list at least one bucket {min, max, weight}") }
        return buckets
    }

    static func positiveWeight(_ node: ConfigNode?) throws -> Double {
        guard let node else { return 1 }
        let weight = try node.number(in: 0...Double.greatestFiniteMagnitude, describing: "greater than 0")
        guard weight > 0 else { throw node.error("must be greater than 0, found 0") }
        return weight
    }

    static func parseChoice(_ node: ConfigNode, scope: Scope) throws -> VariableDeclaration.Kind {
        if node.isSequence {  // [a, b, c]: equal weights
            let values = try node.sequence().map { WeightedValue(value: try $0.string(), weight: 1) }
            guard !values.isEmpty else { throw node.error("must list at least one value") }
            return .choice(values: values, list: nil)
        }
        let keys = node.keys
        if keys.contains("list") {
            let fields = try node.mapping(allowed: ["list", "weights"])
            let listNode = try fields.required("list")
            let listName = try listNode.string()
            guard let items = scope.lists[listName] else {
                throw listNode.error("no list named \"\(listName)\"; declared lists: \(scope.lists.keys.sorted().joined(separator: ", "))")
            }
            var weights: [String: Double] = [:]
            if let weightsNode = fields.optional("weights") {
                let mapping = try weightsNode.mapping(allowed: items.map(\.name))
                for key in weightsNode.keys { weights[key] = try positiveWeight(mapping.optional(key)) }
            }
            let values = items.map { WeightedValue(value: $0.name, weight: weights[$0.name] ?? (weights.isEmpty ? 1 : 0)) }
                .filter { $0.weight > 0 }
            return .choice(values: values, list: listName)
        }
        let mapping = try node.mapping(allowed: keys)
        let values = try keys.map { WeightedValue(value: $0, weight: try positiveWeight(mapping.optional($0))) }
        guard !values.isEmpty else { throw node.error("must map at least one value to its weight") }
        return .choice(values: values, list: nil)
    }

    static func parseLanguageWeights(_ node: ConfigNode?) throws -> [WeightedValue] {
        guard let node else { return [] }
        let mapping = try node.mapping(allowed: Languages.names.keys.sorted())
        var targets: [WeightedValue] = []
        for code in node.keys.sorted() {  // sorted by code: the order the planner always drew in
            targets.append(WeightedValue(value: code, weight: try positiveWeight(mapping.optional(code))))
        }
        return targets
    }

    static func parseCondition(when: ConfigNode?, unless: ConfigNode?, scope: Scope) throws -> StageCondition? {
        if when != nil && unless != nil, let unless { throw unless.error("give `when` or `unless`, not both") }
        guard let node = when ?? unless else { return nil }
        let fields = try node.mapping(allowed: ["variable", "equals", "in"])
        let variableNode = try fields.required("variable")
        let variable = try variableNode.string()
        guard scope.variables[variable] != nil else {
            throw variableNode.error(
                "no stage draws a variable \"\(variable)\" before this one; drawn so far: \(scope.variables.keys.sorted().joined(separator: ", "))")
        }
        var values: [String] = []
        if let equals = fields.optional("equals") { values.append(try equals.string()) }
        if let list = fields.optional("in") { values += try list.sequence().map { try $0.string() } }
        guard !values.isEmpty else { throw node.error("give `equals: VALUE` or `in: [VALUES]`") }
        return StageCondition(variable: variable, values: values, negated: unless != nil, location: node.location)
    }

    // MARK: Sources

    /// Parses a source reference; every name it uses must be declared before it (a list, a variable drawn by this or an
    /// earlier stage, an earlier stage and a field its schema defines).
    static func parseSource(_ node: ConfigNode, scope: Scope, fewShot: Bool = false) throws -> InputSource {
        if node.isMapping {
            let fields = try node.mapping(allowed: ["text"])
            return .literal(try fields.required("text").node.scalar?.string ?? "")
        }
        let text = try node.string()
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let valid =
            "passage, passage.language, passage.language_code, passage.key, passage.sentence, personas, few_shot, lists.NAME, vars.NAME "
            + "(.name, .cross_lingual, .description), STAGE.FIELD (.description, .entry), or {text: \"…\"}"
        switch parts.first {
        case "passage":
            switch parts.dropFirst().joined(separator: ".") {
            case "": return .passage
            case "language": return .passageLanguageName
            case "language_code": return .passageLanguageCode
            case "key": return .passageKey
            case "sentence": return .passageSentence
            default: throw node.error("unknown source \"\(text)\"; valid: \(valid)")
            }
        case "personas" where parts.count == 1:
            guard scope.personas else { throw node.error("personas are off for this pipeline (personas.match: false)") }
            return .personas
        case "few_shot" where parts.count == 1:
            guard fewShot else { throw node.error("few_shot needs the stage's `few_shot: {file, count}`") }
            return .fewShot
        case "lists" where parts.count == 2:
            guard scope.lists[parts[1]] != nil else {
                throw node.error("no list named \"\(parts[1])\"; declared lists: \(scope.lists.keys.sorted().joined(separator: ", "))")
            }
            return .list(parts[1])
        case "vars" where parts.count >= 2 && parts.count <= 3:
            let name = parts[1]
            guard let variable = scope.variables[name] else {
                throw node.error(
                    "no stage draws a variable \"\(name)\" by this point; drawn so far: \(scope.variables.keys.sorted().joined(separator: ", "))")
            }
            guard parts.count == 3 else { return .variable(name) }
            switch (parts[2], variable.kind) {
            case ("name", .language): return .variableLanguageName(name)
            case ("cross_lingual", .language): return .variableCrossLingual(name)
            case ("description", .choice(_, let list?)) where scope.lists[list] != nil: return .variableDescription(name)
            case ("entry", .choice(_, let list?)) where scope.lists[list] != nil: return .variableEntry(name)
            default:
                throw node.error(
                    "vars.\(name).\(parts[2]) does not exist; a language variable has .name and .cross_lingual, a choice from a list has .description and .entry"
                )
            }
        case let stage? where scope.stages.contains(stage) && (parts.count == 2 || parts.count == 3):
            let field = parts[1]
            guard scope.fields[stage]?.contains(field) == true else {
                throw node.error(
                    "the stage \"\(stage)\" has no answer field \"\(field)\"; its schema defines: \((scope.fields[stage] ?? []).sorted().joined(separator: ", "))"
                )
            }
            if parts.count == 2 { return .field(stage: stage, field: field) }
            guard ["description", "entry"].contains(parts[2]), scope.describedFields.contains("\(stage).\(field)") else {
                throw node.error(
                    "\(stage).\(field).\(parts[2]) does not exist; .description and .entry need a one_of rule matching the field to a list")
            }
            return parts[2] == "entry" ? .fieldEntry(stage: stage, field: field) : .fieldDescription(stage: stage, field: field)
        default:
            throw node.error("unknown source \"\(text)\" (an earlier stage's name, or one of: \(valid))")
        }
    }

    // MARK: Rules

    static func parseRule(
        _ node: ConfigNode, schemaFields: [JSONSchemaProperty], scope: Scope, schemaFile: URL
    ) throws -> RuleDeclaration {
        let keys = node.keys
        let fields = try node.mapping(allowed: keys)
        let ruleNode = try fields.required("rule")
        let name = try ruleNode.string()
        guard RuleDeclaration.names.contains(name) else {
            throw ruleNode.error("unknown rule \"\(name)\"; the rules are \(RuleDeclaration.names.joined(separator: ", "))")
        }
        let allowedByRule: [String: [String]] = [
            "one_of": ["among", "values", "match"],
            "not_empty": [],
            "length": ["unit", "target", "ratio", "min", "max", "reason_long"],
            "language": ["expected"],
            "not_copy": ["of", "max_overlap", "min_words"],
            "not_placeholder": [],
            "not_prompt_echo": [],
            "not_equal": ["other"],
            "range": ["min", "max"],
            "does_not_mention": ["among"],
            "length_ratio": ["of", "ratio", "min_units"],
            "no_untranslated_span": ["of", "max_words"],
        ]
        let allowed = ["rule", "field", "reason"] + (allowedByRule[name] ?? [])
        let checked = try node.mapping(allowed: allowed)
        let fieldNode = try checked.required("field")
        let field = try fieldNode.string()
        guard let property = schemaFields.first(where: { $0.name == field }) else {
            throw fieldNode.error(
                "\(schemaFile.lastPathComponent) defines no field \"\(field)\"; its fields: \(schemaFields.map(\.name).joined(separator: ", "))")
        }
        let kind: RuleDeclaration.Kind
        var defaultReason = "\(field)_invalid"
        var reasonLong: String?
        switch name {
        case "one_of":
            let among = try checked.optional("among").map { try parseSource($0, scope: scope) }
            if let among, !among.isList, let amongNode = checked.optional("among") {
                throw amongNode.error("must name a list of values (personas, lists.NAME), found \(among)")
            }
            let values = try checked.optional("values")?.sequence().map { try $0.string() } ?? []
            guard among != nil || !values.isEmpty else { throw node.error("one_of needs `among: SOURCE` or `values: [...]`") }
            var matching = RuleDeclaration.Matching.exact
            if let matchNode = checked.optional("match") {
                let text = try matchNode.string()
                guard let parsed = RuleDeclaration.Matching(rawValue: text) else {
                    throw matchNode.error(
                        "must be one of \(RuleDeclaration.Matching.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(text)\"")
                }
                matching = parsed
            }
            kind = .oneOf(among: among, values: values, matching: matching)
            defaultReason = "\(field)_not_allowed"
        case "not_empty":
            kind = .notEmpty
            defaultReason = "\(field)_empty"
        case "length":
            let unitText = try checked.optional("unit")?.string() ?? "words"
            guard let unit = RuleDeclaration.LengthUnit(rawValue: unitText) else {
                throw (checked.optional("unit") ?? node).error("unit must be words or characters, found \"\(unitText)\"")
            }
            var target: String?
            if let targetNode = checked.optional("target") {
                let variable = try targetNode.string().replacingOccurrences(of: "vars.", with: "")
                guard let declared = scope.variables[variable], case .integer = declared.kind else {
                    throw targetNode.error("must name an integer variable drawn by this or an earlier stage, found \"\(variable)\"")
                }
                target = variable
            }
            var ratio: ClosedRange<Double>?
            if let ratioNode = checked.optional("ratio") {
                let bounds = try ratioNode.sequence()
                guard bounds.count == 2 else { throw ratioNode.error("must be [low, high], for example [0.5, 2.0]") }
                let low = try bounds[0].number(in: 0...1_000), high = try bounds[1].number(in: 0...1_000)
                guard high >= low else { throw ratioNode.error("high must be at least low, found [\(low), \(high)]") }
                ratio = low...high
            }
            if ratio != nil && target == nil { throw node.error("ratio needs target: the variable the length is asked for") }
            if target != nil && ratio == nil { ratio = 0.5...2.0 }
            let minimum = try checked.optional("min")?.integer(in: 0...1_000_000)
            let maximum = try checked.optional("max")?.integer(in: 0...1_000_000)
            guard target != nil || minimum != nil || maximum != nil else {
                throw node.error("length needs target (with ratio), min or max")
            }
            kind = .length(unit: unit, target: target, ratio: ratio, min: minimum, max: maximum)
            defaultReason = "\(field)_too_short"
            reasonLong = try checked.optional("reason_long")?.string() ?? "\(field)_too_long"
        case "language":
            let expected = try parseSource(try checked.required("expected"), scope: scope)
            kind = .language(expected: expected)
            defaultReason = "\(field)_wrong_language"
        case "not_copy":
            kind = .notCopy(
                of: try checked.optional("of").map { try parseSource($0, scope: scope) } ?? .passage,
                maxOverlap: try checked.optional("max_overlap")?.number(in: 0...1) ?? 0.8,
                minWords: try checked.optional("min_words")?.integer(in: 1...1_000) ?? 4)
            defaultReason = "\(field)_copies_passage"
        case "not_placeholder":
            kind = .notPlaceholder
            defaultReason = "\(field)_placeholder"
        case "not_prompt_echo":
            kind = .notPromptEcho
            defaultReason = "\(field)_echoes_prompt"
        case "not_equal":
            let other = try parseSource(try checked.required("other"), scope: scope)
            kind = .notEqual(other: other)
            defaultReason = "\(field)_equals_\(other.description.replacingOccurrences(of: ".", with: "_"))"
        case "range":
            let low = try checked.optional("min")?.number(in: -1e12...1e12)
            let high = try checked.optional("max")?.number(in: -1e12...1e12)
            guard low != nil || high != nil else { throw node.error("range needs min, max or both") }
            if let low, let high, high < low { throw node.error("max (\(high)) must be at least min (\(low))") }
            guard property.type == nil || ["number", "integer"].contains(property.type ?? "") else {
                throw fieldNode.error("range judges numbers; the schema's \"\(field)\" is \(property.type ?? "untyped")")
            }
            kind = .range(min: low, max: high)
            defaultReason = "\(field)_out_of_range"
        case "length_ratio":
            var ratio = 0.5...2.0
            if let ratioNode = checked.optional("ratio") {
                let bounds = try ratioNode.sequence()
                guard bounds.count == 2 else { throw ratioNode.error("must be [low, high], for example [0.5, 2.0]") }
                let low = try bounds[0].number(in: 0...1_000), high = try bounds[1].number(in: 0...1_000)
                guard high >= low, low > 0 else { throw ratioNode.error("must be [low, high] with 0 < low <= high, found [\(low), \(high)]") }
                ratio = low...high
            }
            kind = .lengthRatio(
                of: try parseSource(try checked.required("of"), scope: scope), min: ratio.lowerBound, max: ratio.upperBound,
                minUnits: try checked.optional("min_units")?.integer(in: 0...100_000) ?? 12)
            defaultReason = "\(field)_length_ratio"
        case "no_untranslated_span":
            kind = .noUntranslatedSpan(
                of: try parseSource(try checked.required("of"), scope: scope),
                maxWords: try checked.optional("max_words")?.integer(in: 1...1_000) ?? 4)
            defaultReason = "\(field)_untranslated_span"
        default:  // does_not_mention
            let amongNode = try checked.required("among")
            let among = try parseSource(amongNode, scope: scope)
            guard among.isList else { throw amongNode.error("must name a list (lists.NAME or personas), found \(among)") }
            kind = .doesNotMention(among: among)
            defaultReason = "\(field)_mentions_label"
        }
        let reason = try checked.optional("reason")?.string() ?? defaultReason
        return RuleDeclaration(name: name, field: field, kind: kind, reason: reason, reasonLong: reasonLong, location: node.location)
    }

    // MARK: Example

    static func parseExample(_ node: ConfigNode, task: String, scope: Scope) throws -> ExampleDeclaration {
        let fields = try node.mapping(allowed: [
            "anchor", "positive", "negatives", "label", "score", "score_range", "anchor_instruction",
            "positive_instruction", "anchor_language", "positive_language", "requested_length", "metadata",
        ])
        func sources(_ key: String) throws -> [InputSource] {
            let sourceNode = try fields.required(key)
            if sourceNode.isSequence { return try sourceNode.sequence().map { try parseSource($0, scope: scope) } }
            return [try parseSource(sourceNode, scope: scope)]
        }
        let anchor = try sources("anchor"), positive = try sources("positive")
        var scoreRange: ClosedRange<Double>?
        if let rangeNode = fields.optional("score_range") {
            let bounds = try rangeNode.sequence()
            guard bounds.count == 2 else { throw rangeNode.error("must be [low, high], for example [1, 5]") }
            let low = try bounds[0].number(in: -1e12...1e12), high = try bounds[1].number(in: -1e12...1e12)
            guard high > low else { throw rangeNode.error("high must be above low, found [\(low), \(high)]") }
            scoreRange = low...high
        }
        func instruction(_ key: String) throws -> String? {
            guard let instructionNode = fields.optional(key), !instructionNode.isNull else { return nil }
            return try instructionNode.string()
        }
        var metadata: [(name: String, source: InputSource)] = []
        if let metadataNode = fields.optional("metadata") {
            let mapping = try metadataNode.mapping(allowed: metadataNode.keys)
            for key in metadataNode.keys {
                guard let sourceNode = mapping.optional(key) else { continue }
                metadata.append((key, try parseSource(sourceNode, scope: scope)))
            }
        }
        let anchorLanguage = try fields.optional("anchor_language").map { try parseSource($0, scope: scope) } ?? .passageLanguageCode
        return ExampleDeclaration(
            task: task, anchor: anchor, positive: positive,
            negatives: try fields.optional("negatives").map { try parseSource($0, scope: scope) },
            label: try fields.optional("label").map { try parseSource($0, scope: scope) },
            score: try fields.optional("score").map { try parseSource($0, scope: scope) }, scoreRange: scoreRange,
            anchorInstruction: try instruction("anchor_instruction"),
            positiveInstruction: try instruction("positive_instruction"), anchorLanguage: anchorLanguage,
            positiveLanguage: try fields.optional("positive_language").map { try parseSource($0, scope: scope) },
            requestedLength: try fields.optional("requested_length").map { try parseSource($0, scope: scope) },
            metadata: metadata, location: node.location)
    }

    // MARK: Names

    static func checkName(_ name: String, node: ConfigNode, what: String) throws {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)),
            name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) })
        else {
            throw node.error("\(what) must be ASCII letters, digits and '_', starting with a letter, found \"\(name)\"")
        }
    }
}
