import Foundation
import PairsmithConfiguration
import PairsmithStore

/// One run's report: the store's figures plus what the stored pipeline says about prices and stage order. The
/// HTML page, `status --json` and the text status are all made from this one value.
public struct RunReport: Codable, Sendable, Hashable {
    /// The figures read from the store.
    public var figures: ReportFigures
    /// The pipeline file the run was started with.
    public var pipelinePath: String
    /// The run's task family.
    public var task: String
    /// The price table of the stored pipeline, if it has one.
    public var pricing: PriceTable?
    /// Cost per call group (same order as `figures.calls`); nil entries have no price.
    public var costs: [Double?]
    /// The languages detected in the generated texts against those requested (nil: not measured).
    public var languages: LanguageCheck?

    /// The sum of the priced groups' costs (nil when none is priced).
    public var totalCost: Double? {
        let priced = costs.compactMap { $0 }
        return priced.isEmpty ? nil : priced.reduce(0, +)
    }

    /// Prompt tokens over all groups.
    public var promptTokens: Int { figures.calls.map(\.promptTokens).reduce(0, +) }
    /// Completion tokens over all groups.
    public var completionTokens: Int { figures.calls.map(\.completionTokens).reduce(0, +) }

    /// Reads the report of `run` (nil: the newest run) from `store`.
    /// - Throws: ``RunReportError/noRun`` when the database holds no such run.
    public static func load(store: PairsmithStore, run: String? = nil, samples: Int = 12, seed: UInt64 = 1) async throws -> RunReport {
        let names = try await store.runNames()
        guard let name = run ?? names.last else { throw RunReportError.noRun(path: store.path, run: nil, known: names) }
        guard let record = try await store.run(name) else { throw RunReportError.noRun(path: store.path, run: name, known: names) }
        let stored = StoredPipeline(text: record.configuration, file: record.pipelinePath)
        let figures = try await store.reportFigures(run: name, stages: stored.stageNames, samples: samples, seed: seed)
        let pricing = PriceTable.stored(in: record.configuration, file: record.pipelinePath)
        let costs = figures.calls.map { group in
            pricing?.cost(model: group.model, prompt: group.promptTokens, completion: group.completionTokens)
        }
        let languages = try await LanguageCheck.measure(store: store, run: name)
        return RunReport(
            figures: figures, pipelinePath: record.pipelinePath, task: stored.task, pricing: pricing, costs: costs, languages: languages)
    }

    /// The headline lines the text status shows under its tables.
    public var headline: [String] {
        let funnel = figures.funnel
        var parts = ["passages \(funnel.passages)"]
        for stage in funnel.stages { parts.append("\(stage.stage) \(stage.answers)/\(stage.units) answered") }
        let rejects = funnel.rejects.map(\.count).reduce(0, +)
        parts.append("rejects \(rejects)")
        for task in funnel.tasks { parts.append("\(task.task): \(task.examples) examples, \(task.duplicates) duplicates, \(task.sft) SFT") }
        var lines = ["report \(figures.run): " + parts.joined(separator: ", ")]
        var quality = String(
            format: "quality: distinct-1 %.3f, distinct-2 %.3f, passage word overlap %.3f, cross-lingual %.1f%%",
            figures.quality.distinct1, figures.quality.distinct2, figures.quality.passageOverlap, figures.crossLingualShare * 100)
        if figures.similarity.scored > 0 {
            let accepted = figures.funnel.tasks.map(\.sft).reduce(0, +)
            quality += String(format: ", SFT %d of %d scored", accepted, figures.similarity.scored)
        }
        if let languages, languages.texts > languages.undetermined {
            quality += String(format: ", language detected as requested %.1f%%", languages.compliance * 100)
        }
        lines.append(quality)
        if let total = totalCost, let pricing {
            lines.append(
                String(format: "spend: %.4f %@ for %d prompt + %d completion tokens", total, pricing.currency, promptTokens, completionTokens))
        }
        return lines
    }
}

/// A report that cannot be made.
public enum RunReportError: Error, CustomStringConvertible, Sendable {
    /// The database has no run (of that name).
    case noRun(path: String, run: String?, known: [String])

    public var description: String {
        switch self {
        case .noRun(let path, nil, _): "\(path) holds no run yet; start one with `pairsmith run PIPELINE --corpus FILE --db \(path)`"
        case .noRun(let path, let run?, let known):
            "\(path) holds no run named \(run); give one of: \(known.isEmpty ? "(none)" : known.joined(separator: ", ")) with --run NAME"
        }
    }
}
