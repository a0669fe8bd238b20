import Foundation
import PairsmithConfiguration
import PairsmithJSON

/// The prompts a passage's unit would be sent, stage by stage, without asking anything: for `pairsmith plan`.
///
/// Each stage's context is built as the run builds it (the passage, persona candidates, lists, the variables drawn
/// with the run's seeds, the few-shot draw) and its template rendered. A later stage reads the answers of the stages
/// before; with no answer to read, each field is filled with a stand-in of the shape the stage's schema asks for:
/// the first persona candidate or list item a `one_of` rule allows, the schema's first enum value, a few-shot
/// example's value of the same name, else a word. Those fields are a few tokens of each prompt; the template, the
/// passage and the candidates — the bulk — are the real ones.
public struct PromptSampler: Sendable {
    /// The compiled pipeline.
    public let pipeline: CompiledPipeline

    /// Creates a sampler.
    public init(pipeline: CompiledPipeline) {
        self.pipeline = pipeline
    }

    /// One stage's prompt for a unit.
    public struct Prompt: Sendable, Hashable {
        /// The stage.
        public var stage: String
        /// The user message.
        public var text: String
        /// The stage's `max_tokens`.
        public var maxTokens: Int
    }

    /// The prompts of unit (`documentID`, `sample`) of `run` for the passage, in stage order (a stage its `when`
    /// skips has none); `candidates` are the persona texts the unit would be offered, best first.
    public func prompts(
        run: String, documentID: Int64, sample: Int, passage: String, language: String, key: String, candidates: [String]
    ) throws -> [Prompt] {
        let configuration = pipeline.configuration
        var context = UnitContext(
            passage: passage, passageLanguage: language, passageKey: key,
            candidates: candidates.enumerated().map { PersonaCandidate(personaID: Int64($0.offset + 1), text: $0.element) },
            lists: configuration.lists)
        let planKey = VariableDrawer.planKey(run: run, documentID: documentID, sample: sample)
        if pipeline.readsSentences { context.sentence = UnitContext.drawSentence(from: passage, key: planKey) }
        var result: [Prompt] = []
        for stage in pipeline.stages {
            for variable in stage.declaration.draw?.variables ?? [] {
                if case .choice(_, let list?) = variable.kind { context.variableLists[variable.name] = list }
            }
            if let drawer = stage.drawer {
                for (name, value) in drawer.draw(planKey: planKey, passageLanguage: language) where context.variables[name] == nil {
                    context.variables[name] = value
                }
            }
            if let condition = stage.declaration.condition, !condition.admits(context.variables[condition.variable]?.text) {
                continue
            }
            context.fewShot = []
            if let fewShot = stage.declaration.fewShot, !stage.fewShotPool.isEmpty {
                context.fewShot = StageWork.drawFewShot(
                    pool: stage.fewShotPool, count: fewShot.count, key: "few-shot|\(stage.name)|\(planKey)")
            }
            let prompt = try pipeline.render(stage, context: context)
            result.append(Prompt(stage: stage.name, text: prompt.text, maxTokens: stage.declaration.sampling.maxTokens))
            context.answers[stage.name] = standIn(for: stage, context: context)
            for rule in stage.declaration.rules {
                guard case .oneOf(.list(let name)?, _, _) = rule.kind, let value = context.answers[stage.name]?[rule.field]?.stringValue,
                    let item = configuration.lists[name]?.first(where: { $0.name == value })
                else { continue }
                context.descriptions["\(stage.name).\(rule.field)"] = item.description
            }
        }
        return result
    }

    /// An answer of the shape `stage`'s schema and rules ask for.
    private func standIn(for stage: CompiledStage, context: UnitContext) -> JSONObject {
        var fields = JSONObject()
        for field in stage.fields {
            var value: JSONValue = .string("answer")
            let allowed = stage.declaration.rules.first { rule in
                if case .oneOf = rule.kind { return rule.field == field.name }
                return false
            }
            if let allowed, case .oneOf(let among, let values, _) = allowed.kind {
                if let among, case .list(_, let options)? = context.value(of: among), let first = options.first {
                    value = .string(first)
                } else if let first = values.first {
                    value = .string(first)
                }
            } else if let first = field.enumValues?.first {
                value = first
            } else if let example = stage.fewShotPool.first?[field.name] {
                value = example
            } else if field.type == "integer" {
                value = .integer(Int(field.minimum ?? 1))
            } else if field.type == "number" {
                value = .number(field.minimum ?? 1)
            } else if field.type == "boolean" {
                value = .bool(true)
            } else if field.type == "array" {
                value = .array([.string("answer")])
            }
            fields[field.name] = value
        }
        return fields
    }
}
