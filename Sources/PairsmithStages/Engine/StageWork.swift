import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithJSON
import PairsmithStore
import PairsmithText

/// The work of one unit of any declared stage: gather its inputs (passage, personas, lists, drawn variables, the
/// answers of the stages before), render the prompt, get the answer, judge it against the schema and the rules, and
/// return the one write that records the outcome (done with its output — and, for the last stage, the example — a
/// rejected answer to retry, or a failure).
struct StageWork: Sendable {
    let store: PairsmithStore
    let run: String
    let pipeline: CompiledPipeline
    let answers: AnswerSource
    /// Persona texts by id.
    let personas: [Int64: String]
    /// Key draws and request seeds by the passage's key rather than its row id (``SeedScheme``).
    var seedsByDocumentKey = false

    private var configuration: PipelineConfiguration { pipeline.configuration }

    /// The write for `unit`, or nil when the task was cancelled (the unit stays `running` and is recovered on the
    /// next start).
    func perform(_ unit: UnitRecord) async throws -> StoreWrite? {
        guard let unitID = unit.id else { return nil }
        do {
            guard let stage = pipeline.stage(named: unit.stage) else {
                return .fail(
                    unitID: unitID, error: "no stage named \(unit.stage) in the pipeline file",
                    policy: FailurePolicy(maxAttempts: 1))
            }
            return try await perform(unit, unitID: unitID, stage: stage)
        } catch is CancellationError {
            return nil
        } catch let failure as TransportFailure {
            if Task.isCancelled { return nil }
            return .fail(
                unitID: unitID, error: "chat request failed: \(failure.error)", policy: FailurePolicy(maxAttempts: 1),
                llmCalls: [failure.call])
        } catch let error as UnitInputError {
            return .fail(unitID: unitID, error: error.description, policy: FailurePolicy(maxAttempts: 1))
        } catch let error as PromptError {
            return .fail(unitID: unitID, error: "prompt: \(error)", policy: FailurePolicy(maxAttempts: 1))
        } catch {
            if Task.isCancelled { return nil }
            throw error
        }
    }

    private func perform(_ unit: UnitRecord, unitID: Int64, stage: CompiledStage) async throws -> StoreWrite {
        let context = try await context(for: unit, stage: stage)
        var drawn: [String: DrawnValue] = [:]
        for variable in stage.declaration.draw?.variables ?? [] { drawn[variable.name] = context.variables[variable.name] }
        let variablesText = JSONValue.object(drawn.mapValues(\.json)).canonicalText

        if let condition = stage.declaration.condition, !condition.admits(context.variables[condition.variable]?.text) {
            let output = StageOutputRecord(
                run: run, stage: stage.name, documentID: unit.documentID, sample: unit.sample, fields: "{}",
                variables: variablesText, personaID: nil, skipped: true, requestHash: nil)
            return try await finish(unit, unitID: unitID, stage: stage, context: context, output: output, calls: [])
        }

        let prompt = try pipeline.render(stage, context: context)
        let outcome = try await answers.ask(
            request(prompt, stage: stage, unit: unit, passageKey: context.passageKey), unitKey: unit.key.description)
        let calls = outcome.call.map { [$0] } ?? []
        let value: JSONValue
        switch outcome.answer {
        case .unusable(let reason, let detail, let raw):
            return reject(unit, unitID: unitID, reason: reason, detail: detail, payload: raw, calls: calls)
        case .json(let answer):
            value = answer
        }
        switch pipeline.judge(value, stage: stage, schema: prompt.schemaValue, context: context) {
        case .failure(let violation):
            return reject(
                unit, unitID: unitID, reason: violation.reason, detail: violation.detail, payload: value.canonicalText,
                calls: calls)
        case .success(let checked):
            let output = StageOutputRecord(
                run: run, stage: stage.name, documentID: unit.documentID, sample: unit.sample,
                fields: JSONValue.object(checked.fields).canonicalText, variables: variablesText,
                personaID: checked.personaID, skipped: false, requestHash: outcome.requestHash)
            var next = context
            next.answers[stage.name] = checked.fields
            for (field, description) in checked.descriptions { next.descriptions["\(stage.name).\(field)"] = description }
            return try await finish(unit, unitID: unitID, stage: stage, context: next, output: output, calls: calls)
        }
    }

    // MARK: Completion

    /// Completes the unit: its output, then the next stage's unit, or — after the last stage — the example.
    private func finish(
        _ unit: UnitRecord, unitID: Int64, stage: CompiledStage, context: UnitContext, output: StageOutputRecord,
        calls: [LLMCallRecord]
    ) async throws -> StoreWrite {
        let hasNext = stage.index + 1 < pipeline.stages.count
        let next =
            hasNext
            ? [UnitKey(run: run, stage: pipeline.stages[stage.index + 1].name, documentID: unit.documentID, sample: unit.sample)]
            : []
        if let judge = stage.declaration.judge {
            // A judge rates the example the stages before it made: its criteria become the example's judge scores.
            var outputs = UnitOutputs(stageOutputs: [output], llmCalls: calls, enqueue: next)
            outputs.judgements = Self.judgements(
                context.answers[stage.name] ?? JSONObject(), judge: judge, stage: stage.name, run: run, unit: unit)
            return .complete(unitID: unitID, outputs: outputs)
        }
        if hasNext, pipeline.stages[stage.index + 1].declaration.judge == nil {
            return .complete(unitID: unitID, outputs: UnitOutputs(stageOutputs: [output], llmCalls: calls, enqueue: next))
        }
        switch ExampleBuilder(declaration: configuration.example).build(
            run: run, documentID: unit.documentID, sample: unit.sample, passageLanguage: context.passageLanguage,
            context: context,
            requestHash: output.requestHash)
        {
        case .success(let example):
            await answers.counters.pairMade()
            return .complete(
                unitID: unitID, outputs: UnitOutputs(stageOutputs: [output], examples: [example], llmCalls: calls, enqueue: next))
        case .failure(let missing):
            let record = RejectRecord(
                run: run, source: unit.stage, location: "\(unit.key)", reason: "example_incomplete", detail: missing.description,
                payload: nil)
            return .complete(unitID: unitID, outputs: UnitOutputs(stageOutputs: [output], rejects: [record], llmCalls: calls))
        }
    }

    /// The ratings of a judge's answer: each criterion's `{score, reason}` (or a bare number, with no reason).
    static func judgements(
        _ fields: JSONObject, judge: JudgeDeclaration, stage: String, run: String, unit: UnitRecord
    ) -> [JudgementRecord] {
        judge.criteria.compactMap { criterion in
            let value = fields[criterion]
            guard let score = value?["score"]?.doubleValue ?? value?.doubleValue else { return nil }
            return JudgementRecord(
                run: run, documentID: unit.documentID, sample: unit.sample, judge: stage, criterion: criterion, score: score,
                reason: value?["reason"]?.stringValue ?? "")
        }
    }

    // MARK: Inputs

    /// The unit's context: its passage, candidates, the variables and answers of the stages up to this one.
    func context(for unit: UnitRecord, stage: CompiledStage) async throws -> UnitContext {
        let document = try await document(unit)
        var candidates: [PersonaCandidate] = []
        if configuration.personas.match {
            candidates = try await store.candidates(run: run, documentID: unit.documentID).sorted { $0.rank < $1.rank }
                .compactMap { record in personas[record.personaID].map { PersonaCandidate(personaID: record.personaID, text: $0) } }
            let usesPersonas = stage.declaration.inputs.contains { $0.source == .personas }
            if usesPersonas && candidates.isEmpty { throw UnitInputError.noCandidates(unit.key) }
        }
        var context = UnitContext(
            passage: document.text, passageLanguage: document.lang, passageKey: document.key, candidates: candidates,
            lists: configuration.lists)
        let stored = try await store.stageOutputs(run: run, documentID: unit.documentID, sample: unit.sample)
        let planKey =
            seedsByDocumentKey
            ? VariableDrawer.planKey(run: run, documentKey: document.key, sample: unit.sample)
            : VariableDrawer.planKey(run: run, documentID: unit.documentID, sample: unit.sample)
        if pipeline.readsSentences {
            // `samples_share_sentence`: every sample of a passage reads the sentence sample 0 draws (STS levels
            // of one anchor).
            let sentenceKey =
                !configuration.samplesShareSentence
                ? planKey
                : seedsByDocumentKey
                    ? VariableDrawer.planKey(run: run, documentKey: document.key, sample: 0)
                    : VariableDrawer.planKey(run: run, documentID: unit.documentID, sample: 0)
            context.sentence = UnitContext.drawSentence(from: document.text, key: sentenceKey)
        }
        for earlier in pipeline.stages.prefix(stage.index + 1) {
            for variable in earlier.declaration.draw?.variables ?? [] {
                if case .choice(_, let list?) = variable.kind { context.variableLists[variable.name] = list }
            }
            let output = stored.first { $0.stage == earlier.name }
            if earlier.index < stage.index {
                guard let output else { throw UnitInputError.noEarlierOutput(unit.key, stage: earlier.name) }
                // What the earlier stage was given is what it stored (a v3 database stores what its planner drew).
                if let variables = try? JSONValue.parse(output.variables).objectValue {
                    for (name, value) in variables { if let drawn = DrawnValue(json: value) { context.variables[name] = drawn } }
                }
                if !output.skipped, let fields = try? JSONValue.parse(output.fields).objectValue {
                    context.answers[earlier.name] = fields
                    for rule in earlier.declaration.rules {
                        guard case .oneOf(.list(let name)?, _, _) = rule.kind,
                            let value = fields[rule.field]?.stringValue,
                            let item = configuration.lists[name]?.first(where: { $0.name == value })
                        else { continue }
                        context.descriptions["\(earlier.name).\(rule.field)"] = item.description
                    }
                }
            }
            if let drawer = earlier.drawer {
                for (name, value) in drawer.draw(planKey: planKey, passageLanguage: document.lang)
                where context.variables[name] == nil {
                    context.variables[name] = value
                }
            }
        }
        if let fewShot = stage.declaration.fewShot, !stage.fewShotPool.isEmpty {
            context.fewShot = Self.drawFewShot(
                pool: stage.fewShotPool, count: fewShot.count, key: "few-shot|\(stage.name)|\(planKey)")
        }
        return context
    }

    /// `count` distinct examples of `pool`, drawn by a seeded partial shuffle (the same unit always sees the same).
    static func drawFewShot(pool: [[String: JSONValue]], count: Int, key: String) -> [[String: JSONValue]] {
        var random = Xoshiro256StarStar(key: key)
        var indices = Array(pool.indices)
        let wanted = min(count, indices.count)
        for position in 0..<wanted {
            let pick = random.uniform(position...(indices.count - 1))
            indices.swapAt(position, pick)
        }
        return indices.prefix(wanted).map { pool[$0] }
    }

    // MARK: Helpers

    private func document(_ unit: UnitRecord) async throws -> DocumentRecord {
        guard let document = try await store.document(id: unit.documentID) else { throw UnitInputError.noDocument(unit.key) }
        return document
    }

    /// The chat request of a prompt, seeded by the unit key and its attempt (a retry after a rejection asks anew).
    private func request(_ prompt: RenderedPrompt, stage: CompiledStage, unit: UnitRecord, passageKey: String) -> ChatRequest {
        let sampling = stage.declaration.sampling
        let seedKey =
            seedsByDocumentKey
            ? VariableDrawer.unitSeedKey(run: run, stage: unit.stage, documentKey: passageKey, sample: unit.sample)
            : unit.key.description
        return ChatRequest(
            messages: [.user(prompt.text)], temperature: sampling.temperature, topP: sampling.topP,
            maxTokens: sampling.maxTokens, seed: VariableDrawer.requestSeed(key: seedKey, attempt: unit.attempts),
            schema: JSONSchema(prompt.schemaValue), schemaName: prompt.schemaName)
    }

    /// A rejected answer: kept with its reason; the unit is asked again (new seed) until its attempts run out.
    private func reject(
        _ unit: UnitRecord, unitID: Int64, reason: String, detail: String, payload: String?, calls: [LLMCallRecord]
    ) -> StoreWrite {
        let record = RejectRecord(
            run: run, source: unit.stage, location: "\(unit.key) attempt \(unit.attempts + 1)", reason: reason,
            detail: detail, payload: payload.map { String($0.prefix(4_096)) })
        return .fail(
            unitID: unitID, error: "answer rejected (\(reason)): \(detail)",
            policy: FailurePolicy(maxAttempts: max(1, configuration.retries.answerAttempts)), rejects: [record],
            llmCalls: calls)
    }
}

/// A unit whose inputs are missing from the store (a database edited by hand, or a bug).
enum UnitInputError: Error, CustomStringConvertible {
    case noDocument(UnitKey)
    case noCandidates(UnitKey)
    case noEarlierOutput(UnitKey, stage: String)

    var description: String {
        switch self {
        case .noDocument(let key): "unit \(key): its document is not in the store"
        case .noCandidates(let key): "unit \(key): the passage has no persona candidates"
        case .noEarlierOutput(let key, let stage): "unit \(key): the \(stage) stage's output for it is not stored"
        }
    }
}
