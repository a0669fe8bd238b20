import Foundation
import PairsmithConfiguration
import PairsmithJSON

extension CompiledPipeline {
    /// The stage's prompt for `context`: the template rendered with the declared inputs, the schema with its run-time
    /// enums filled from list inputs.
    public func render(_ stage: CompiledStage, context: UnitContext) throws -> RenderedPrompt {
        var values: [String: Any] = [:]
        var enums: [String: [String]] = [:]
        for input in stage.declaration.inputs {
            let value = context.value(of: input.source)
            if input.source.isList { values[input.name] = value?.mustache ?? [Any]() } else { values[input.name] = value?.mustache ?? "" }
            if case .list(_, let allowed)? = value { enums[input.name] = allowed }
        }
        return RenderedPrompt(
            text: stage.template.render(values), schemaValue: try stage.schema.instantiatedValue(enums: enums),
            schemaName: stage.schema.name)
    }

    /// An answer that passed: its fields as stored, the persona it names and the descriptions of matched items.
    public struct CheckedAnswer: Sendable, Hashable {
        /// The answer's fields as stored (strings trimmed, `one_of` values as allowed).
        public var fields: JSONObject
        /// The persona a `one_of`-personas rule resolved.
        public var personaID: Int64?
        /// The descriptions of the list items `one_of` rules matched, by field.
        public var descriptions: [String: String] = [:]
    }

    /// The schema's structure first (types, required fields, no others), then the rules in order on trimmed strings.
    public func judge(
        _ value: JSONValue, stage: CompiledStage, schema: JSONValue, context: UnitContext
    ) -> Result<CheckedAnswer, RuleViolation> {
        let problems = JSONSchemaCheck.violations(of: value, against: schema, structuralOnly: true)
        guard problems.isEmpty, var fields = value.objectValue else {
            let shape = stage.fields.map { "\($0.name)" }.joined(separator: ", ")
            let detail = problems.first.map { "\($0)" } ?? "the answer is not a JSON object"
            return .failure(RuleViolation(reason: "schema_violation", detail: "the answer is not {\(shape)} as the schema says: \(detail)"))
        }
        for (key, member) in fields {
            if case .string(let text) = member { fields[key] = .string(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        var checked = CheckedAnswer(fields: fields, personaID: nil)
        for rule in stage.rules {
            guard let member = checked.fields[rule.declaration.field] else { continue }  // an optional field left out
            switch rule.check(member, context: context) {
            case .failure(let violation):
                return .failure(violation)
            case .success(let pass):
                checked.fields[rule.declaration.field] = pass.value
                if let persona = pass.personaID { checked.personaID = persona }
                if let description = pass.description { checked.descriptions[rule.declaration.field] = description }
            }
        }
        return .success(checked)
    }

}

/// A rendered request for one stage: the user message and the answer schema it must meet.
public struct RenderedPrompt: Sendable, Hashable {
    /// The user message.
    public var text: String
    /// The answer's JSON schema with run-time enums filled.
    public var schemaValue: JSONValue
    /// The schema's name for `response_format`.
    public var schemaName: String

    /// The answer's JSON schema as canonical JSON text.
    public var schema: String { schemaValue.canonicalText }
}
