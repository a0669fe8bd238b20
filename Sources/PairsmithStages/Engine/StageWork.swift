import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithJSON
import PairsmithStore

/// The work of one unit of the configure or generate stage: build the request, get the answer, judge it, and
/// return the one write that records the outcome (done with results, a rejected answer to retry, or a failure).
struct StageWork: Sendable {
    let store: PairsmithStore
    let run: String
    let configuration: PipelineConfiguration
    let prompts: RetrievalPrompts
    let rules: AnswerRules
    let planner: QueryPlanner
    let answers: AnswerSource
    /// Persona texts by id.
    let personas: [Int64: String]

    /// The write for `unit`, or nil when the task was cancelled (the unit stays `running` and is recovered on the
    /// next start).
    func perform(_ unit: UnitRecord) async throws -> StoreWrite? {
        guard let unitID = unit.id else { return nil }
        do {
            switch RetrievalStage(rawValue: unit.stage) {
            case .configure: return try await configure(unit, unitID: unitID)
            case .generate: return try await generate(unit, unitID: unitID)
            default: return .fail(unitID: unitID, error: "no worker for stage \(unit.stage)", policy: FailurePolicy(maxAttempts: 1))
            }
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

    // MARK: Configure

    private func configure(_ unit: UnitRecord, unitID: Int64) async throws -> StoreWrite {
        let document = try await document(unit)
        let candidates = try await store.candidates(run: run, documentID: unit.documentID).sorted { $0.rank < $1.rank }
        let characters = candidates.compactMap { personas[$0.personaID] }
        guard !characters.isEmpty else { throw UnitInputError.noCandidates(unit.key) }
        let prompt = try prompts.configure(passage: document.text, passageLanguage: document.lang, characters: characters)
        let outcome = try await answers.ask(request(prompt, unit: unit), unitKey: unit.key.description)
        let calls = outcome.call.map { [$0] } ?? []
        switch outcome.answer {
        case .unusable(let reason, let detail, let raw):
            return reject(unit, unitID: unitID, reason: reason, detail: detail, payload: raw, calls: calls)
        case .json(let value):
            guard let fields = value.strings(exactly: ["character", "question_type", "difficulty"]),
                let character = fields["character"], let type = fields["question_type"], let level = fields["difficulty"]
            else {
                return reject(
                    unit, unitID: unitID, reason: "schema_violation",
                    detail: "the answer is not {character, question_type, difficulty} as strings",
                    payload: value.canonicalText, calls: calls)
            }
            switch rules.check(character: character, questionType: type, difficulty: level, candidates: characters) {
            case .failure(let rejection):
                return reject(
                    unit, unitID: unitID, reason: rejection.reason, detail: rejection.description,
                    payload: value.canonicalText, calls: calls)
            case .success(let checked):
                let output = StageOutputRecord(
                    run: run, stage: unit.stage, documentID: unit.documentID, sample: unit.sample,
                    fields: Self.configureFields(
                        character: checked.character, questionType: checked.questionType.rawValue,
                        difficulty: checked.difficulty.rawValue
                    ).canonicalText,
                    variables: "{}",
                    personaID: candidates[checked.candidateIndex].personaID, requestHash: outcome.requestHash)
                let next = RetrievalStage.generate.key(run: run, documentID: unit.documentID, sample: unit.sample)
                return .complete(unitID: unitID, outputs: UnitOutputs(stageOutputs: [output], llmCalls: calls, enqueue: [next]))
            }
        }
    }

    // MARK: Generate

    private func generate(_ unit: UnitRecord, unitID: Int64) async throws -> StoreWrite {
        let document = try await document(unit)
        let outputs = try await store.stageOutputs(run: run, documentID: unit.documentID, sample: unit.sample)
        guard let stored = outputs.first(where: { $0.stage == RetrievalStage.configure.rawValue }),
            let config = try? JSONValue.parse(stored.fields),
            let character = config["character"]?.stringValue,
            let type = config["question_type"]?.stringValue.flatMap(QuestionType.init(rawValue:)),
            let level = config["difficulty"]?.stringValue.flatMap(Difficulty.init(rawValue:))
        else { throw UnitInputError.noConfiguration(unit.key) }
        let plan = planner.plan(
            key: RetrievalStage.planKey(run: run, documentID: unit.documentID, sample: unit.sample),
            passageLanguage: document.lang)
        let prompt = try prompts.generate(
            character: character, passage: document.text, passageLanguage: document.lang, questionType: type,
            difficulty: level, lengthWords: plan.lengthWords, queryLanguage: plan.language)
        let outcome = try await answers.ask(request(prompt, unit: unit), unitKey: unit.key.description)
        let calls = outcome.call.map { [$0] } ?? []
        switch outcome.answer {
        case .unusable(let reason, let detail, let raw):
            return reject(unit, unitID: unitID, reason: reason, detail: detail, payload: raw, calls: calls)
        case .json(let value):
            guard let query = value.strings(exactly: ["query"])?["query"] else {
                return reject(
                    unit, unitID: unitID, reason: "schema_violation", detail: "the answer is not {query} as a string",
                    payload: value.canonicalText, calls: calls)
            }
            switch rules.check(query: query, plan: plan, passage: document.text) {
            case .failure(let rejection):
                return reject(
                    unit, unitID: unitID, reason: rejection.reason, detail: rejection.description,
                    payload: value.canonicalText, calls: calls)
            case .success(let checked):
                let output = StageOutputRecord(
                    run: run, stage: unit.stage, documentID: unit.documentID, sample: unit.sample,
                    fields: JSONValue.object([("query", .string(checked))]).canonicalText,
                    variables: JSONValue.object([
                        ("length", .integer(plan.lengthWords)), ("query_language", .string(plan.language)),
                    ]).canonicalText,
                    requestHash: outcome.requestHash)
                let example = ExampleRecord(
                    run: run, documentID: unit.documentID, sample: unit.sample, task: "retrieval", anchor: checked,
                    anchorInstruction: configuration.embedding.queryInstruction, anchorLanguage: plan.language,
                    positiveLanguage: document.lang, lengthWords: plan.lengthWords,
                    metadata: Self.configureFields(character: character, questionType: type.rawValue, difficulty: level.rawValue)
                        .canonicalText,
                    requestHash: outcome.requestHash)
                await answers.counters.pairMade()
                return .complete(unitID: unitID, outputs: UnitOutputs(stageOutputs: [output], examples: [example], llmCalls: calls))
            }
        }
    }

    // MARK: Helpers

    /// The configure stage's answer fields after the rules, as stored (and as the example's metadata).
    private static func configureFields(character: String, questionType: String, difficulty: String) -> JSONValue {
        .object([
            ("character", .string(character)), ("difficulty", .string(difficulty)), ("question_type", .string(questionType)),
        ])
    }

    private func document(_ unit: UnitRecord) async throws -> DocumentRecord {
        guard let document = try await store.document(id: unit.documentID) else { throw UnitInputError.noDocument(unit.key) }
        return document
    }

    /// The chat request of a prompt, seeded by the unit key and its attempt (a retry after a rejection asks anew).
    private func request(_ prompt: RenderedPrompt, unit: UnitRecord) -> ChatRequest {
        ChatRequest(
            messages: [.user(prompt.text)], temperature: configuration.sampling.temperature,
            topP: configuration.sampling.topP, maxTokens: configuration.sampling.maxTokens,
            seed: QueryPlanner.requestSeed(key: unit.key.description, attempt: unit.attempts),
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
    case noConfiguration(UnitKey)

    var description: String {
        switch self {
        case .noDocument(let key): "unit \(key): its document is not in the store"
        case .noCandidates(let key): "unit \(key): the passage has no persona candidates"
        case .noConfiguration(let key): "unit \(key): no configuration is stored for it"
        }
    }
}
