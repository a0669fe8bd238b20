import Foundation
import PairsmithConfiguration
import PairsmithStages
import PairsmithStore
import PairsmithTokenizer

/// What a run of a pipeline over a corpus would ask and cost, worked out without asking anything (`pairsmith plan`):
/// requests per stage, prompt tokens counted with the real tokenizer on the rendered prompts of a sample of passages
/// (wrapped in the chat template a Qwen3 server applies), completion tokens from `max_tokens` and — when a database of
/// earlier runs is given — from what the stages' answers really took, cost at the pipeline's price table, and the
/// wall time at a given throughput.
public struct RunPlan: Sendable, Codable, Hashable {
    /// One stage's estimate.
    public struct Stage: Sendable, Codable, Hashable {
        /// The stage.
        public var name: String
        /// Units expected (passages × samples, less the share the stage's `when` skipped in the sample).
        public var units: Int
        /// Requests per unit: 1, or what earlier runs of this pipeline in the database needed (rejected answers are
        /// asked again).
        public var requestsPerUnit: Double
        /// Requests expected.
        public var requests: Int
        /// Mean prompt tokens per request over the sample.
        public var promptTokensPerRequest: Double
        /// Prompt tokens expected.
        public var promptTokens: Int
        /// The stage's `max_tokens` (the most a request can cost).
        public var maxTokens: Int
        /// Mean completion tokens per answered request in earlier runs, when the database has any.
        public var pastCompletionTokensPerRequest: Double?
        /// Completion tokens expected: past mean × requests, else `max_tokens` × requests.
        public var completionTokens: Int
        /// Cost at the price table (nil: no price).
        public var cost: Double?
    }

    /// Passages the run would take (corpus records, after `--limit`).
    public var passages: Int
    /// Passages whose prompts were rendered and counted.
    public var sampled: Int
    /// The per-stage estimates, in pipeline order.
    public var stages: [Stage]
    /// The currency of the costs.
    public var currency: String?
    /// Completion tokens per second the wall-time estimate assumes.
    public var throughput: Double
    /// Notes on what the estimate assumes.
    public var notes: [String]

    /// Requests over all stages.
    public var requests: Int { stages.map(\.requests).reduce(0, +) }
    /// Prompt tokens over all stages.
    public var promptTokens: Int { stages.map(\.promptTokens).reduce(0, +) }
    /// Completion tokens over all stages.
    public var completionTokens: Int { stages.map(\.completionTokens).reduce(0, +) }
    /// Cost over the priced stages (nil when none is priced).
    public var cost: Double? {
        let priced = stages.compactMap(\.cost)
        return priced.isEmpty ? nil : priced.reduce(0, +)
    }
    /// Seconds at `throughput` completion tokens per second.
    public var wallSeconds: Double { throughput > 0 ? Double(completionTokens) / throughput : 0 }

    /// The Qwen3 chat template as a server applies it to one user message with thinking off
    /// (`apply_chat_template(..., add_generation_prompt=True, enable_thinking=False)`).
    public static func chatTemplate(user: String) -> String {
        "<|im_start|>user\n\(user)<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    }

    /// Works out the plan.
    /// - Parameters:
    ///   - corpus: the corpus JSONL (`{"id", "text", "lang"?}` lines).
    ///   - limit: at most this many passages, as `run --limit`.
    ///   - sample: passages whose prompts are rendered (spread evenly over the corpus).
    ///   - personas: the persona library (nil: the pipeline's).
    ///   - tokenizer: the Qwen3 `tokenizer.json`.
    ///   - store: a database with earlier runs of this pipeline, for requests per unit and completion tokens.
    ///   - throughput: completion tokens per second of the endpoint(s).
    public static func make(
        configuration: PipelineConfiguration, corpus: URL, limit: Int?, sample: Int, personas: URL?, tokenizer: URL,
        store: PairsmithStore?, throughput: Double
    ) async throws -> RunPlan {
        let pipeline = try CompiledPipeline(configuration: configuration)
        let records = try readCorpus(corpus, limit: limit)
        let counter = try Tokenizer(contentsOf: tokenizer)
        var library: [String] = []
        if configuration.personas.match {
            library = try readPersonas(personas ?? configuration.personas.library)
        }
        var notes: [String] = []
        if configuration.chunking != nil {
            notes.append("chunking is on: records longer than chunking.max_tokens become several passages; counted here as one each")
        }
        if configuration.personas.match {
            notes.append(
                "persona candidates are not matched (no embedding model is run): each sampled passage is shown "
                    + "\(configuration.personas.candidates) library personas spread over the library")
        }
        let step = max(1, records.count / max(1, sample))
        let chosen = Array(stride(from: 0, to: records.count, by: step).prefix(max(1, sample)))
        let sampler = PromptSampler(pipeline: pipeline)
        var tokens: [String: [Int]] = [:]
        for (position, index) in chosen.enumerated() {
            let record = records[index]
            var candidates: [String] = []
            if !library.isEmpty {
                let spread = max(1, library.count / max(1, configuration.personas.candidates))
                candidates = (0..<min(configuration.personas.candidates, library.count)).map {
                    library[($0 * spread + position) % library.count]
                }
            }
            for sampleIndex in 0..<configuration.samplesPerPassage {
                for prompt in try sampler.prompts(
                    run: configuration.name, documentID: Int64(index + 1), sample: sampleIndex, passage: record.text,
                    language: record.lang, key: record.id, candidates: candidates)
                {
                    tokens[prompt.stage, default: []].append(
                        counter.encode(chatTemplate(user: prompt.text), addSpecialTokens: false).count)
                }
            }
        }
        var past: [String: PastCallFigures] = [:]
        if let store { past = try await store.pastCallFigures(run: configuration.name) }
        let sampledUnits = chosen.count * configuration.samplesPerPassage
        let units = records.count * configuration.samplesPerPassage
        let model = configuration.endpoints.first?.model ?? ""
        var stages: [Stage] = []
        for stage in pipeline.stages {
            let counts = tokens[stage.name] ?? []
            let share = sampledUnits > 0 ? Double(counts.count) / Double(sampledUnits) : 1
            let stageUnits = Int((Double(units) * share).rounded())
            let history = past[stage.name]
            var perUnit = 1.0
            var pastCompletion: Double? = nil
            if let history, history.units > 0 { perUnit = Double(history.requests) / Double(history.units) }
            if let history, history.answered > 0 { pastCompletion = Double(history.completionTokens) / Double(history.answered) }
            let requests = Int((Double(stageUnits) * perUnit).rounded())
            let total = counts.reduce(0, +)
            let mean: Double = counts.isEmpty ? 0 : Double(total) / Double(counts.count)
            let maxTokens = stage.declaration.sampling.maxTokens
            let perRequest: Double = pastCompletion ?? Double(maxTokens)
            let completion = Int((perRequest * Double(requests)).rounded())
            let prompt = Int((mean * Double(requests)).rounded())
            stages.append(
                Stage(
                    name: stage.name, units: stageUnits, requestsPerUnit: perUnit, requests: requests, promptTokensPerRequest: mean,
                    promptTokens: prompt, maxTokens: maxTokens, pastCompletionTokensPerRequest: pastCompletion,
                    completionTokens: completion,
                    cost: configuration.pricing?.cost(model: model, prompt: prompt, completion: completion)))
        }
        if past.isEmpty {
            notes.append("no earlier run in the database: one request per unit, and max_tokens completion tokens per request (an upper bound)")
        }
        return RunPlan(
            passages: records.count, sampled: chosen.count, stages: stages, currency: configuration.pricing?.currency,
            throughput: throughput, notes: notes)
    }

    /// The plan as aligned text.
    public var text: String {
        var lines = ["plan: \(passages) passages (\(sampled) sampled for prompt tokens)"]
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        lines.append(
            "stage".padding(toLength: 12, withPad: " ", startingAt: 0) + pad("units", 8) + pad("req/unit", 10) + pad("requests", 10)
                + pad("prompt/req", 12) + pad("prompt tok", 12) + pad("compl tok", 12) + pad("cost", 12))
        for stage in stages {
            lines.append(
                stage.name.padding(toLength: 12, withPad: " ", startingAt: 0) + pad(String(stage.units), 8)
                    + pad(String(format: "%.2f", stage.requestsPerUnit), 10) + pad(String(stage.requests), 10)
                    + pad(String(format: "%.1f", stage.promptTokensPerRequest), 12) + pad(String(stage.promptTokens), 12)
                    + pad(String(stage.completionTokens), 12) + pad(stage.cost.map { String(format: "%.4f", $0) } ?? "-", 12))
        }
        var total = "total: \(requests) requests, \(promptTokens) prompt + \(completionTokens) completion tokens"
        if let cost { total += String(format: ", %.4f %@", cost, currency ?? "") }
        if throughput > 0 { total += String(format: ", about %.0f s at %.0f completion tokens/s", wallSeconds, throughput) }
        lines.append(total)
        lines += notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }

    struct CorpusRecord {
        var id: String
        var text: String
        var lang: String
    }

    /// The corpus records (id, text, lang; `und` without one), at most `limit`.
    static func readCorpus(_ url: URL, limit: Int?) throws -> [CorpusRecord] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RunPlanError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        var records: [CorpusRecord] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let limit, records.count >= limit { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any],
                let body = object["text"] as? String
            else {
                throw RunPlanError.badLine(path: url.path, line: number + 1)
            }
            let id = (object["id"] as? String) ?? (object["id"] as? Int).map(String.init) ?? "line-\(number + 1)"
            records.append(CorpusRecord(id: id, text: body, lang: (object["lang"] as? String) ?? "und"))
        }
        return records
    }

    /// The persona texts of a library file (`{"persona": …}` lines).
    static func readPersonas(_ url: URL) throws -> [String] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RunPlanError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return text.split(separator: "\n").compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["persona"] as? String
        }
    }
}

/// A plan that cannot be made.
public enum RunPlanError: Error, CustomStringConvertible, Sendable {
    /// A file cannot be read.
    case unreadable(path: String, reason: String)
    /// A corpus line is not a JSON object with a `text`.
    case badLine(path: String, line: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .badLine(let path, let line):
            "\(path):\(line): not a corpus record; each line must be a JSON object such as {\"id\": \"a\", \"text\": \"…\", \"lang\": \"en\"}"
        }
    }
}
