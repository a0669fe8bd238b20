import Foundation
import PairsmithConfiguration
import PairsmithStore

/// Renders a ``RunReport`` as one self-contained HTML page: inline CSS and SVG, a few lines of inline script to sort
/// tables, nothing loaded from anywhere. Every figure of the funnel, the language matrix and the cosine histogram
/// carries `data-figure="NAME"` and `data-value="NUMBER"`, so a script can check the page against the database.
public enum HTMLReport {
    /// The page.
    public static func render(_ report: RunReport, generatedAt: Date = Date()) -> String {
        var page = Page()
        let figures = report.figures
        page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.raw("<title>pairsmith report: \(escape(figures.run))</title><style>\(css)</style></head><body><main>")
        page.raw("<h1>pairsmith report <span class=\"run\">\(escape(figures.run))</span></h1>")
        let stamp = ISO8601DateFormatter().string(from: generatedAt)
        page.raw(
            "<p class=\"meta\">task \(escape(report.task)) · pipeline \(escape(report.pipelinePath)) · stages "
                + "\(escape(figures.stages.joined(separator: " → "))) · generated \(stamp)</p>")
        page.raw(nav)
        funnel(&page, figures)
        distributions(&page, figures)
        personas(&page, figures.personas)
        similarity(&page, figures)
        quality(&page, figures.quality, languages: report.languages)
        cost(&page, report)
        samples(&page, figures.samples)
        page.raw("</main><script>\(script)</script></body></html>\n")
        return page.text
    }

    // MARK: - Sections

    private static func funnel(_ page: inout Page, _ figures: ReportFigures) {
        let funnel = figures.funnel
        page.raw("<section id=\"funnel\"><h2>Funnel</h2>")
        var bars: [(String, Int, String)] = [("passages", funnel.passages, "funnel.passages")]
        for stage in funnel.stages {
            bars.append(("\(stage.stage): units", stage.units, "funnel.stage.\(stage.stage).units"))
            bars.append(("\(stage.stage): answers", stage.answers, "funnel.stage.\(stage.stage).answers"))
        }
        for task in funnel.tasks {
            bars.append(("\(task.task): examples", task.examples, "funnel.task.\(task.task).examples"))
            bars.append(("\(task.task): duplicates", task.duplicates, "funnel.task.\(task.task).duplicates"))
            bars.append(("\(task.task): SFT", task.sft, "funnel.task.\(task.task).sft"))
        }
        page.raw(barChart(bars.map { ($0.0, Double($0.1), String($0.1)) }))
        page.figure("funnel.passages", funnel.passages, hidden: true)
        page.raw("<div class=\"grid\"><div class=\"scroll\"><h3>Stages</h3><table class=\"sortable\"><thead><tr><th>stage</th><th>units</th>")
        page.raw("<th>done</th><th>failed</th><th>open</th><th>answers</th><th>skipped</th></tr></thead><tbody>")
        for stage in funnel.stages {
            let key = "funnel.stage.\(stage.stage)"
            page.raw("<tr><td>\(escape(stage.stage))</td>")
            page.cell("\(key).units", stage.units)
            page.cell("\(key).done", stage.done)
            page.cell("\(key).failed", stage.failed)
            page.cell("\(key).open", stage.open)
            page.cell("\(key).answers", stage.answers)
            page.cell("\(key).skipped", stage.skipped)
            page.raw("</tr>")
        }
        page.raw("</tbody></table></div><div class=\"scroll\"><h3>Rejected answers</h3>")
        if funnel.rejects.isEmpty {
            page.raw("<p class=\"none\">no answer was rejected</p>")
        } else {
            page.raw("<table class=\"sortable\"><thead><tr><th>stage</th><th>reason</th><th>answers</th></tr></thead><tbody>")
            for reject in funnel.rejects {
                page.raw("<tr><td>\(escape(reject.source))</td><td>\(escape(reject.reason))</td>")
                page.cell("funnel.rejects.\(reject.source).\(reject.reason)", reject.count)
                page.raw("</tr>")
            }
            page.raw("</tbody></table>")
        }
        page.raw("</div><div class=\"scroll\"><h3>Examples per task</h3><table><thead><tr><th>task</th><th>examples</th><th>duplicates</th>")
        page.raw("<th>SFT</th></tr></thead><tbody>")
        for task in funnel.tasks {
            page.raw("<tr><td>\(escape(task.task))</td>")
            page.cell("funnel.task.\(task.task).examples", task.examples)
            page.cell("funnel.task.\(task.task).duplicates", task.duplicates)
            page.cell("funnel.task.\(task.task).sft", task.sft)
            page.raw("</tr>")
        }
        page.raw("</tbody></table></div></div></section>")
    }

    private static func distributions(_ page: inout Page, _ figures: ReportFigures) {
        page.raw("<section id=\"distributions\"><h2>Requested and achieved</h2><div class=\"grid\">")
        for distribution in figures.distributions {
            let title = "\(distribution.stage) · \(distribution.kind == "variable" ? "requested" : "answered") \(distribution.name)"
            page.raw("<div><h3>\(escape(title))</h3>")
            let shown = distribution.values.prefix(15)
            page.raw(barChart(shown.map { ($0.value, Double($0.count), String($0.count)) }))
            if distribution.values.count > shown.count {
                page.raw("<p class=\"none\">and \(distribution.values.count - shown.count) more values</p>")
            }
            page.raw("</div>")
        }
        if !figures.lengths.isEmpty {
            page.raw("<div><h3>Query length: requested vs. written (words)</h3><table class=\"sortable\"><thead><tr>")
            page.raw("<th>requested</th><th>examples</th><th>mean written</th><th>min</th><th>max</th></tr></thead><tbody>")
            for row in figures.lengths {
                page.raw(
                    "<tr><td>\(row.requested)</td><td>\(row.count)</td><td>\(fixed(row.meanWords, 1))</td><td>\(row.minWords)</td>"
                        + "<td>\(row.maxWords)</td></tr>")
            }
            page.raw("</tbody></table></div>")
        }
        languageMatrix(&page, figures)
        page.raw("<div><h3>Label or level</h3>")
        if figures.labels.isEmpty {
            page.raw("<p class=\"none\">no example of this run carries a label or a score</p>")
        } else {
            page.raw("<table class=\"sortable\"><thead><tr><th>task</th><th>kind</th><th>value</th><th>examples</th></tr></thead><tbody>")
            for label in figures.labels {
                page.raw(
                    "<tr><td>\(escape(label.task))</td><td>\(label.kind)</td><td>\(escape(label.value))</td><td>\(label.count)</td></tr>")
            }
            page.raw("</tbody></table>")
        }
        page.raw("</div></div></section>")
    }

    private static func languageMatrix(_ page: inout Page, _ figures: ReportFigures) {
        let passages = Array(Set(figures.languages.map(\.passage))).sorted()
        let anchors = Array(Set(figures.languages.map(\.anchor))).sorted()
        let total = figures.languages.map(\.count).reduce(0, +)
        let peak = max(1, figures.languages.map(\.count).max() ?? 1)
        page.raw("<div class=\"wide\"><h3>Languages: passage × query</h3>")
        page.raw("<p>examples ")
        page.figure("lang.total", total)
        page.raw(", cross-lingual share ")
        page.figure("lang.cross_share", figures.crossLingualShare * 100, text: fixed(figures.crossLingualShare * 100, 1) + "%")
        page.raw("</p>")
        guard !passages.isEmpty else {
            page.raw("<p class=\"none\">no examples yet</p></div>")
            return
        }
        page.raw("<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>passage ↓ / query →</th>")
        for anchor in anchors { page.raw("<th>\(escape(anchor))</th>") }
        page.raw("</tr></thead><tbody>")
        for passage in passages {
            page.raw("<tr><th>\(escape(passage))</th>")
            for anchor in anchors {
                let count = figures.languages.first { $0.passage == passage && $0.anchor == anchor }?.count ?? 0
                let alpha = count == 0 ? 0 : 0.12 + 0.6 * Double(count) / Double(peak)
                page.raw(
                    "<td style=\"background:rgba(37,99,235,\(fixed(alpha, 2)))\" data-figure=\"lang.\(escape(passage)).\(escape(anchor))\" data-value=\"\(count)\">\(count)</td>"
                )
            }
            page.raw("</tr>")
        }
        page.raw("</tbody></table></div></div>")
    }

    private static func personas(_ page: inout Page, _ personas: ReportFigures.PersonaUse) {
        page.raw("<section id=\"personas\"><h2>Persona use</h2>")
        guard personas.candidates > 0 || personas.choices > 0 else {
            page.raw("<p class=\"none\">this run matched no personas</p></section>")
            return
        }
        page.raw("<div class=\"grid\"><div><table><tbody>")
        let rows: [(String, String)] = [
            ("library", String(personas.library)), ("passages matched", String(personas.passagesMatched)),
            ("candidate rows", String(personas.candidates)), ("personas offered", String(personas.personasOffered)),
            ("choices", String(personas.choices)), ("personas chosen", String(personas.personasChosen)),
            ("coverage of the library", fixed(personas.coverage * 100, 1) + "%"), ("evenness (normalised entropy)", fixed(personas.evenness, 3)),
        ]
        for (name, value) in rows { page.raw("<tr><th>\(name)</th><td>\(value)</td></tr>") }
        page.raw("</tbody></table></div><div><h3>Most chosen</h3>")
        page.raw(barChart(personas.top.map { ($0.value, Double($0.count), String($0.count)) }))
        page.raw("</div></div></section>")
    }

    private static func similarity(_ page: inout Page, _ figures: ReportFigures) {
        let similarity = figures.similarity
        page.raw("<section id=\"similarity\"><h2>Similarity</h2>")
        page.raw("<p>scores of ")
        page.raw(similarity.model.map { "<code>\(escape($0))</code>" } ?? "no model")
        page.raw(": ")
        page.figure("cos.scored", similarity.scored)
        page.raw(" scored pairs")
        if let low = similarity.low {
            page.raw(", SFT threshold cosine &gt; ")
            page.figure("cos.threshold", low, text: fixed(low, 4))
            if let high = similarity.high { page.raw(" and ≤ \(fixed(high, 4))") }
        }
        page.raw("</p>")
        page.raw(histogram(similarity))
        page.raw("<div class=\"grid\">")
        for (title, rows) in [
            ("SFT acceptance by query language", similarity.acceptanceByLanguage), ("… by task", similarity.acceptanceByTask),
            ("… by question type", similarity.acceptanceByType),
        ] where !rows.isEmpty {
            page.raw(
                "<div><h3>\(title)</h3><table class=\"sortable\"><thead><tr><th>group</th><th>scored</th><th>SFT</th><th>share</th></tr></thead><tbody>"
            )
            for row in rows {
                let share = row.scored > 0 ? Double(row.accepted) / Double(row.scored) * 100 : 0
                page.raw("<tr><td>\(escape(row.group))</td><td>\(row.scored)</td><td>\(row.accepted)</td><td>\(fixed(share, 1))%</td></tr>")
            }
            page.raw("</tbody></table></div>")
        }
        page.raw("<div><h3>Hard negatives</h3><table><tbody>")
        page.raw("<tr><th>searches</th><td>\(similarity.negativeSearches)</td></tr>")
        page.raw("<tr><th>short searches (fewer found than asked)</th><td>\(similarity.shortSearches)</td></tr>")
        page.raw("<tr><th>negatives</th><td>\(similarity.negatives)</td></tr>")
        page.raw("<tr><th>mean negative score</th><td>\(fixed(similarity.meanNegativeScore, 4))</td></tr>")
        page.raw("<tr><th>mean positive cosine (same pairs)</th><td>\(fixed(similarity.meanPositiveScore, 4))</td></tr>")
        page.raw("</tbody></table>")
        if similarity.negatives > 0 {
            page.raw("<h3>negative score − positive cosine</h3>")
            let labels = (0..<15).map { fixed(-1 + Double($0) / 10, 1) }
            page.raw(barChart(zip(labels, similarity.negativeGapHistogram).map { ($0, Double($1), String($1)) }))
        }
        page.raw("</div></div>")
        if !figures.selections.isEmpty {
            page.raw("<h3>Selections (newest per set) and their criteria</h3><table><thead><tr><th>set</th><th>records</th>")
            page.raw("<th>low</th><th>high</th><th>parameters</th></tr></thead><tbody>")
            for selection in figures.selections {
                page.raw(
                    "<tr><td>\(selection.set)</td><td>\(selection.records)</td><td>\(selection.low.map { fixed($0, 4) } ?? "—")</td>"
                        + "<td>\(selection.high.map { fixed($0, 4) } ?? "—")</td><td><code class=\"params\">\(escape(selection.parameters))</code></td></tr>"
                )
            }
            page.raw("</tbody></table>")
            criteriaApplied(&page, figures.selections)
        }
        page.raw("</section>")
    }

    /// The newest SFT selection's criteria, in the order they apply, with how many examples each removed.
    private static func criteriaApplied(_ page: inout Page, _ selections: [ReportFigures.SelectionFigure]) {
        guard let sft = selections.last(where: { $0.set == "sft" }),
            let object = (try? JSONSerialization.jsonObject(with: Data(sft.parameters.utf8))) as? [String: Any],
            let criteria = object["criteria_applied"] as? [[String: Any]], !criteria.isEmpty
        else { return }
        page.raw("<h3>SFT criteria, in the order they apply</h3><table id=\"criteria\"><thead><tr><th>criterion</th><th>bound</th>")
        page.raw("<th>from</th><th>failed</th><th>missing the score</th><th>removed (first failed)</th></tr></thead><tbody>")
        for criterion in criteria {
            let bound = (criterion["bound"] as? Double).map { "\(criterion["comparison"] as? String ?? "") \(fixed($0, 4))" } ?? "—"
            page.raw(
                "<tr><td>\(escape(criterion["criterion"] as? String ?? ""))</td><td>\(escape(bound))</td>"
                    + "<td>\(escape(criterion["source"] as? String ?? ""))</td><td>\(criterion["failed"] as? Int ?? 0)</td>"
                    + "<td>\(criterion["missing"] as? Int ?? 0)</td><td>\(criterion["removed"] as? Int ?? 0)</td></tr>")
        }
        page.raw("</tbody></table>")
    }

    private static func quality(_ page: inout Page, _ quality: ReportFigures.Quality, languages: LanguageCheck?) {
        page.raw("<section id=\"quality\"><h2>Quality</h2><table><tbody>")
        let rows: [(String, String)] = [
            ("anchors", String(quality.anchors)), ("distinct-1 (unique words / words)", fixed(quality.distinct1, 3)),
            ("distinct-2 (unique word pairs / word pairs)", fixed(quality.distinct2, 3)),
            ("query–passage word overlap (leakage)", fixed(quality.passageOverlap, 3)),
            ("near-duplicate rate", fixed(quality.nearDuplicateRate * 100, 1) + "%"),
            ("exact-duplicate rate", fixed(quality.exactDuplicateRate * 100, 1) + "%"),
            (
                "language compliance (1 − language rejects / answers judged)",
                fixed(quality.languageCompliance * 100, 1) + "% (\(quality.languageRejects) of \(quality.judged))"
            ),
            ("placeholder or prompt-echo rejects", String(quality.placeholderOrEchoRejects)),
            ("copy-of-passage rejects", String(quality.copyRejects)),
        ]
        for (name, value) in rows { page.raw("<tr><th>\(name)</th><td>\(value)</td></tr>") }
        if let languages, languages.texts > 0 {
            page.raw(
                "<tr><th>language compliance (detected = requested, of generated texts the detector decided)</th><td>"
                    + fixed(languages.compliance * 100, 1)
                    + "% (\(languages.matched) of \(languages.texts - languages.undetermined); \(languages.undetermined) undetermined)</td></tr>")
        }
        page.raw("</tbody></table>")
        if let languages, !languages.rows.isEmpty {
            let scope =
                languages.sampled < languages.examples
                ? "an evenly spaced sample of \(languages.sampled) of \(languages.examples) examples" : "all \(languages.examples) examples"
            page.raw("<h3>Detected vs. requested language <span class=\"meta\">(\(scope))</span></h3>")
            page.raw(
                "<table id=\"language-check\" class=\"sortable\"><thead><tr><th>requested</th><th>texts</th><th>detected as requested</th>"
                    + "<th>undetermined</th><th>detected instead</th></tr></thead><tbody>")
            for row in languages.rows {
                page.raw(
                    "<tr><td>\(escape(row.requested))</td><td>\(row.texts)</td><td>\(row.matched)</td><td>\(row.undetermined)</td>"
                        + "<td>\(escape(row.detectedInstead.joined(separator: ", ")))</td></tr>")
            }
            page.raw("</tbody></table>")
        }
        page.raw("</section>")
    }

    private static func cost(_ page: inout Page, _ report: RunReport) {
        let figures = report.figures
        page.raw("<section id=\"cost\"><h2>Cost and speed</h2>")
        let currency = report.pricing?.currency ?? ""
        page.raw("<table class=\"sortable\"><thead><tr><th>stage</th><th>endpoint</th><th>model</th><th>requests</th><th>ok</th>")
        page.raw(
            "<th>prompt tokens</th><th>completion tokens</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>cost \(escape(currency))</th></tr></thead><tbody>"
        )
        for (group, cost) in zip(figures.calls, report.costs) {
            page.raw(
                "<tr><td>\(escape(group.stage))</td><td>\(escape(group.endpoint))</td><td>\(escape(group.model))</td>"
                    + "<td>\(group.requests)</td><td>\(group.ok)</td><td>\(group.promptTokens)</td><td>\(group.completionTokens)</td>"
                    + "<td>\(fixed(group.latencyP50, 0))</td><td>\(fixed(group.latencyP90, 0))</td><td>\(fixed(group.latencyP99, 0))</td>"
                    + "<td>\(cost.map { fixed($0, 4) } ?? "—")</td></tr>")
        }
        page.raw("</tbody></table>")
        page.raw(
            "<p>\(report.promptTokens) prompt + \(report.completionTokens) completion tokens; "
                + (report.totalCost.map { "spend \(fixed($0, 4)) \(escape(currency)); " }
                    ?? "no <code>pricing:</code> in the pipeline file, so no spend; ")
                + "\(figures.answersReused) answers reused from the cache (asked before for another unit or run)</p>")
        if !figures.throughput.isEmpty {
            page.raw("<h3>Throughput: completion tokens per minute</h3>")
            page.raw(
                barChart(figures.throughput.map { ("min \($0.minute)", Double($0.completionTokens), "\($0.completionTokens) (\($0.calls) calls)") }))
        }
        page.raw("</section>")
    }

    private static func samples(_ page: inout Page, _ samples: ReportFigures.Samples) {
        page.raw("<section id=\"samples\"><h2>Samples <span class=\"meta\">(seed \(samples.seed))</span></h2>")
        page.raw("<h3>Accepted examples</h3>")
        if samples.accepted.isEmpty {
            page.raw("<p class=\"none\">no example was accepted</p>")
        } else {
            page.raw("<div class=\"scroll\"><table class=\"samples\"><thead><tr><th>id</th><th>task</th><th>lang</th><th>query / anchor</th>")
            page.raw("<th>passage / positive</th><th>label</th><th>cosine</th></tr></thead><tbody>")
            for example in samples.accepted {
                page.raw(
                    "<tr><td>\(example.id)</td><td>\(escape(example.task))</td><td>\(escape(example.language))</td>"
                        + "<td class=\"q\">\(escape(example.anchor))</td><td class=\"p\">\(escape(example.positive))</td>"
                        + "<td>\(escape(example.label ?? "—"))</td><td>\(example.cosine.map { fixed($0, 4) } ?? "—")</td></tr>")
            }
            page.raw("</tbody></table></div>")
        }
        page.raw("<h3>Rejected answers</h3>")
        if samples.rejected.isEmpty {
            page.raw("<p class=\"none\">no answer was rejected</p>")
        } else {
            page.raw("<div class=\"scroll\"><table class=\"samples\"><thead><tr><th>stage</th><th>reason</th><th>answer</th>")
            page.raw("<th>why</th><th>passage</th></tr></thead><tbody>")
            for reject in samples.rejected {
                page.raw(
                    "<tr><td>\(escape(reject.stage))</td><td>\(escape(reject.reason))</td><td class=\"q\">\(escape(reject.answer))</td>"
                        + "<td>\(escape(reject.detail))</td><td class=\"p\">\(escape(reject.passage))</td></tr>")
            }
            page.raw("</tbody></table></div>")
        }
        page.raw("</section>")
    }

    // MARK: - Charts

    /// Horizontal bars, one per row: label, bar scaled to the largest value, value text.
    static func barChart(_ entries: [(String, Double, String)]) -> String {
        guard !entries.isEmpty else { return "<p class=\"none\">nothing to show</p>" }
        let rows = entries.map { (label: $0.0, value: $0.1, text: $0.2) }
        let peak = max(1, rows.map(\.value).max() ?? 1)
        let rowHeight = 22, width = 460, labelWidth = 170, barRoom = 200
        var svg =
            "<svg class=\"bars\" viewBox=\"0 0 \(width) \(rows.count * rowHeight + 4)\" role=\"img\" preserveAspectRatio=\"xMinYMin meet\">"
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight + 2
            let length = Int((row.value / peak * Double(barRoom)).rounded())
            let label = row.label.count > 26 ? String(row.label.prefix(25)) + "…" : row.label
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\">\(escape(label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(max(length, row.value > 0 ? 2 : 0))\" height=\"\(rowHeight - 6)\" rx=\"2\"/>"
            svg += "<text x=\"\(labelWidth + max(length, 0) + 6)\" y=\"\(y + 15)\" class=\"v\">\(escape(row.text))</text>"
        }
        return svg + "</svg>"
    }

    /// The cosine histogram over the bins from the first to the last non-empty one, with the threshold drawn.
    static func histogram(_ similarity: ReportFigures.Similarity) -> String {
        let bins = similarity.histogram
        guard let first = bins.firstIndex(where: { $0 > 0 }), let last = bins.lastIndex(where: { $0 > 0 }) else {
            return "<p class=\"none\">no pair was scored yet</p>"
        }
        let from = max(0, min(first, similarity.low.map { Int((($0 + 1) * 20).rounded(.down)) } ?? first) - 1)
        let to = min(bins.count - 1, max(last, similarity.low.map { Int((($0 + 1) * 20).rounded(.down)) } ?? last) + 1)
        let shown = Array(from...to)
        let peak = max(1, bins.max() ?? 1)
        let width = 640, height = 220, left = 36, bottom = 30, top = 16
        let barWidth = Double(width - left - 8) / Double(shown.count)
        var svg = "<svg class=\"hist\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"cosine histogram\">"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 4)\" y2=\"\(height - bottom)\" class=\"axis\"/>"
        for (position, bin) in shown.enumerated() {
            let count = bins[bin]
            let x = Double(left) + Double(position) * barWidth
            let barHeight = Double(count) / Double(peak) * Double(height - bottom - top)
            let lowEdge = -1 + Double(bin) / 20
            svg += "<rect x=\"\(fixed(x + 1, 1))\" y=\"\(fixed(Double(height - bottom) - barHeight, 1))\" width=\"\(fixed(barWidth - 2, 1))\" "
            svg += "height=\"\(fixed(barHeight, 1))\" data-figure=\"cos.bin.\(bin)\" data-value=\"\(count)\">"
            svg += "<title>[\(fixed(lowEdge, 2)), \(fixed(lowEdge + 0.05, 2))): \(count)</title></rect>"
            if count > 0 {
                svg +=
                    "<text x=\"\(fixed(x + barWidth / 2, 1))\" y=\"\(fixed(Double(height - bottom) - barHeight - 3, 1))\" text-anchor=\"middle\" class=\"v\">\(count)</text>"
            }
            if position % max(1, shown.count / 8) == 0 {
                svg += "<text x=\"\(fixed(x, 1))\" y=\"\(height - bottom + 16)\" class=\"tick\">\(fixed(lowEdge, 2))</text>"
            }
        }
        if let low = similarity.low {
            let x = Double(left) + (((low + 1) * 20) - Double(from)) * barWidth
            svg += "<line x1=\"\(fixed(x, 1))\" y1=\"\(top - 6)\" x2=\"\(fixed(x, 1))\" y2=\"\(height - bottom)\" class=\"threshold\"/>"
            svg += "<text x=\"\(fixed(x + 4, 1))\" y=\"\(top + 4)\" class=\"threshold-label\">threshold \(fixed(low, 2))</text>"
        }
        return svg + "</svg>"
    }

    // MARK: - Text

    /// Text escaped for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `value` with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    /// The page being written.
    struct Page {
        var text = ""

        mutating func raw(_ html: String) { text += html }

        /// A table cell holding a marked integer figure.
        mutating func cell(_ name: String, _ value: Int) {
            text += "<td data-figure=\"\(HTMLReport.escape(name))\" data-value=\"\(value)\">\(value)</td>"
        }

        /// A marked integer figure inline (or hidden, for figures the chart above already shows).
        mutating func figure(_ name: String, _ value: Int, hidden: Bool = false) {
            text += "<span\(hidden ? " hidden" : "") data-figure=\"\(HTMLReport.escape(name))\" data-value=\"\(value)\">\(value)</span>"
        }

        /// A marked real figure inline, shown as `text`.
        mutating func figure(_ name: String, _ value: Double, text shown: String) {
            text += "<span data-figure=\"\(HTMLReport.escape(name))\" data-value=\"\(value)\">\(HTMLReport.escape(shown))</span>"
        }
    }

    private static let nav = """
        <nav><a href="#funnel">funnel</a> <a href="#distributions">requested vs. achieved</a> <a href="#personas">personas</a> \
        <a href="#similarity">similarity</a> <a href="#quality">quality</a> <a href="#cost">cost and speed</a> \
        <a href="#samples">samples</a></nav>
        """

    private static let css = """
        :root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bar:#2563eb;--bg:#fff}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:#f8fafc}
        main{max-width:1180px;margin:0 auto;padding:16px 20px 40px;background:var(--bg)}
        h1{font-size:24px;margin:8px 0 4px}h1 .run{color:var(--bar)}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
        h3{font-size:14px;margin:14px 0 6px;color:#374151}.meta{color:var(--muted);font-size:12px}.none{color:var(--muted);font-style:italic}
        nav{position:sticky;top:0;background:var(--bg);padding:6px 0;border-bottom:1px solid var(--line);z-index:1}nav a{margin-right:12px;color:var(--bar);text-decoration:none}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:8px 24px}.wide{grid-column:1/-1}
        table{border-collapse:collapse;margin:4px 0 10px;font-variant-numeric:tabular-nums}th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
        td[data-value]{text-align:right}thead th{background:#f1f5f9;cursor:default}table.sortable thead th{cursor:pointer}
        .scroll{overflow-x:auto}.matrix td{text-align:center;min-width:34px}
        .samples td.q{min-width:180px;font-weight:600}.samples td.p{min-width:260px;color:#374151;font-size:12px}
        code.params{font-size:11px;word-break:break-all}
        svg{width:100%;height:auto;display:block}svg.bars{max-width:520px}svg.hist{max-width:720px}svg text{font-size:12px;fill:var(--ink)}svg text.v,svg text.tick{fill:var(--muted);font-size:11px}
        svg rect{fill:var(--bar)}svg .axis{stroke:#9ca3af}svg .threshold{stroke:#dc2626;stroke-width:2;stroke-dasharray:5 3}svg .threshold-label{fill:#dc2626}
        @media (max-width:640px){main{padding:10px}.grid{grid-template-columns:1fr}}
        @media print{body{background:#fff}main{max-width:none;padding:0}nav{display:none}section{break-inside:avoid-page}thead th{background:#eee}}
        """

    private static let script = """
        document.querySelectorAll("table.sortable thead th").forEach(function(th,i){th.addEventListener("click",function(){\
        var b=th.closest("table").tBodies[0],r=Array.from(b.rows),d=th.dataset.dir==="a"?-1:1;th.dataset.dir=d===1?"a":"d";\
        r.sort(function(x,y){var p=x.cells[i].textContent,q=y.cells[i].textContent,m=parseFloat(p),n=parseFloat(q);\
        return (isNaN(m)||isNaN(n)?p.localeCompare(q):m-n)*d});r.forEach(function(e){b.appendChild(e)})})});
        """
}
