import Foundation
import GRDB

extension PairsmithStore {
    /// The runs stored, oldest first.
    public func runNames() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT id FROM runs ORDER BY created_at, id") }
    }

    /// What the chat calls of each stage of `run` took so far, for `pairsmith plan`: settled units, calls recorded,
    /// calls answered with a token count, and their completion tokens.
    public func pastCallFigures(run: String) async throws -> [String: PastCallFigures] {
        try await read { db in
            var result: [String: PastCallFigures] = [:]
            let units = try Row.fetchAll(
                db, sql: "SELECT stage, COUNT(*) AS n FROM units WHERE run = ? AND state IN ('done', 'failed') GROUP BY stage",
                arguments: [run])
            for row in units {
                let stage: String = row["stage"]
                let prefix = "\(run)/\(stage)/"
                let calls = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) AS n, COALESCE(SUM(status = 'ok' AND completion_tokens > 0), 0) AS answered,
                               COALESCE(SUM(CASE WHEN status = 'ok' THEN completion_tokens ELSE 0 END), 0) AS completion
                        FROM llm_calls WHERE substr(unit_key, 1, ?) = ?
                        """, arguments: [prefix.count, prefix])
                result[stage] = PastCallFigures(
                    units: row["n"], requests: calls?["n"] ?? 0, answered: calls?["answered"] ?? 0,
                    completionTokens: calls?["completion"] ?? 0)
            }
            return result.filter { $0.value.requests > 0 }
        }
    }

    /// The figures of `run` for the report and the status, read in one transaction. `stages` is the declared
    /// stage order (stages found in the store but not declared follow); `samples` rows of each sample table are
    /// drawn with `seed`.
    public func reportFigures(
        run: String, stages declared: [String], samples: Int = 12, seed: UInt64 = 1
    ) async throws
        -> ReportFigures
    {
        try await read { db in try ReportQueries(db: db, run: run).figures(declared: declared, samples: samples, seed: seed) }
    }
}

/// What one stage's chat calls took in earlier runs.
public struct PastCallFigures: Sendable, Hashable {
    /// Units done or failed.
    public var units: Int
    /// Calls recorded.
    public var requests: Int
    /// Calls answered with a completion token count.
    public var answered: Int
    /// Their completion tokens.
    public var completionTokens: Int
}

/// The SQL behind ``ReportFigures``, over one read transaction.
private struct ReportQueries {
    let db: Database
    let run: String

    func figures(declared: [String], samples: Int, seed: UInt64) throws -> ReportFigures {
        let found = try String.fetchAll(db, sql: "SELECT DISTINCT stage FROM units WHERE run = ? ORDER BY stage", arguments: [run])
        let stages = declared + found.filter { !declared.contains($0) }
        let funnel = try self.funnel(stages: stages)
        let languages = try Row.fetchAll(
            db,
            sql: """
                SELECT positive_language AS p, anchor_language AS a, COUNT(*) AS n FROM examples WHERE run = ?
                GROUP BY positive_language, anchor_language ORDER BY positive_language, anchor_language
                """, arguments: [run]
        ).map { ReportFigures.LanguageCell(passage: $0["p"], anchor: $0["a"], count: $0["n"]) }
        let total = languages.map(\.count).reduce(0, +)
        let cross = languages.filter { $0.passage != $0.anchor }.map(\.count).reduce(0, +)
        return ReportFigures(
            run: run, stages: stages, funnel: funnel, languages: languages,
            crossLingualShare: total > 0 ? Double(cross) / Double(total) : 0, distributions: try distributions(stages: stages),
            lengths: try lengths(lastStage: stages.last), labels: try labels(), personas: try personas(),
            similarity: try similarity(), quality: try quality(lastStage: stages.last), calls: try calls(),
            answersReused: try answersReused(), throughput: try throughput(), samples: try drawSamples(count: samples, seed: seed),
            selections: try selections())
    }

    private func funnel(stages: [String]) throws -> ReportFigures.Funnel {
        let passages = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT document_id) FROM units WHERE run = ?", arguments: [run]) ?? 0
        var stageRows: [ReportFigures.StageFunnel] = []
        for stage in stages {
            let units = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS n, COALESCE(SUM(state = 'done'), 0) AS done, COALESCE(SUM(state = 'failed'), 0) AS failed
                    FROM units WHERE run = ? AND stage = ?
                    """, arguments: [run, stage])
            let outputs = try Row.fetchOne(
                db,
                sql:
                    "SELECT COALESCE(SUM(skipped = 0), 0) AS answers, COALESCE(SUM(skipped != 0), 0) AS skipped FROM stage_outputs WHERE run = ? AND stage = ?",
                arguments: [run, stage])
            let n: Int = units?["n"] ?? 0, done: Int = units?["done"] ?? 0, failed: Int = units?["failed"] ?? 0
            stageRows.append(
                .init(
                    stage: stage, units: n, done: done, failed: failed, open: n - done - failed, answers: outputs?["answers"] ?? 0,
                    skipped: outputs?["skipped"] ?? 0))
        }
        let rejects = try Row.fetchAll(
            db, sql: "SELECT source, reason, COUNT(*) AS n FROM rejects WHERE run = ? GROUP BY source, reason ORDER BY source, n DESC, reason",
            arguments: [run]
        ).map { ReportFigures.Reject(source: $0["source"], reason: $0["reason"], count: $0["n"]) }
        let sftID = try latestSelectionID(set: "sft")
        let tasks = try Row.fetchAll(
            db,
            sql: """
                SELECT e.task AS task, COUNT(*) AS n,
                       COUNT(d.pair_id) AS dup,
                       COUNT(s.pair_id) AS sft
                FROM examples e
                LEFT JOIN duplicates d ON d.pair_id = e.id
                LEFT JOIN selected_pairs s ON s.pair_id = e.id AND s.selection_id = ?
                WHERE e.run = ? GROUP BY e.task ORDER BY e.task
                """, arguments: [sftID ?? -1, run]
        ).map { ReportFigures.TaskFunnel(task: $0["task"], examples: $0["n"], duplicates: $0["dup"], sft: $0["sft"]) }
        return .init(passages: passages, stages: stageRows, rejects: rejects, tasks: tasks)
    }

    private func latestSelectionID(set: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: #"SELECT MAX(id) FROM selections WHERE run = ? AND "set" = ?"#, arguments: [run, set])
    }

    private func distributions(stages: [String]) throws -> [ReportFigures.Distribution] {
        var result: [ReportFigures.Distribution] = []
        for stage in stages {
            for (kind, column) in [("variable", "variables"), ("field", "fields")] {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT j.key AS name, CAST(j.value AS TEXT) AS value, COUNT(*) AS n
                        FROM stage_outputs o, json_each(o.\(column)) j
                        WHERE o.run = ? AND o.stage = ? AND o.skipped = 0 AND j.type IN ('text', 'integer', 'real', 'true', 'false')
                        GROUP BY j.key, CAST(j.value AS TEXT) ORDER BY j.key, n DESC, value
                        """, arguments: [run, stage])
                var byName: [String: [ReportFigures.ValueCount]] = [:]
                for row in rows {
                    let name: String = row["name"]
                    byName[name, default: []].append(.init(value: row["value"] ?? "", count: row["n"]))
                }
                for name in byName.keys.sorted() {
                    let values = byName[name] ?? []
                    // Free text (queries, sentences) is not a distribution: keep fields with few distinct values,
                    // most of them repeated.
                    let total = values.map(\.count).reduce(0, +)
                    guard kind == "variable" || (values.count <= 24 && (values.count <= 5 || values.count * 2 <= total)) else { continue }
                    result.append(.init(stage: stage, kind: kind, name: name, values: values))
                }
            }
        }
        return result
    }

    private func lengths(lastStage: String?) throws -> [ReportFigures.LengthRow] {
        guard let lastStage else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT CAST(json_extract(o.variables, '$.length') AS INTEGER) AS requested, COUNT(*) AS n,
                       AVG(e.length_words) AS mean, MIN(e.length_words) AS lo, MAX(e.length_words) AS hi
                FROM examples e JOIN stage_outputs o
                  ON o.run = e.run AND o.stage = ? AND o.document_id = e.document_id AND o.sample = e.sample
                WHERE e.run = ? AND json_type(o.variables, '$.length') = 'integer'
                GROUP BY requested ORDER BY requested
                """, arguments: [lastStage, run]
        ).map { .init(requested: $0["requested"], count: $0["n"], meanWords: $0["mean"], minWords: $0["lo"], maxWords: $0["hi"]) }
    }

    private func labels() throws -> [ReportFigures.LabelCount] {
        let labels = try Row.fetchAll(
            db,
            sql:
                "SELECT task, label, COUNT(*) AS n FROM examples WHERE run = ? AND label IS NOT NULL GROUP BY task, label ORDER BY task, n DESC, label",
            arguments: [run]
        ).map { ReportFigures.LabelCount(task: $0["task"], kind: "label", value: $0["label"], count: $0["n"]) }
        let scores = try Row.fetchAll(
            db,
            sql: "SELECT task, score, COUNT(*) AS n FROM examples WHERE run = ? AND score IS NOT NULL GROUP BY task, score ORDER BY task, score",
            arguments: [run]
        ).map { row -> ReportFigures.LabelCount in
            let score: Double = row["score"]
            return .init(task: row["task"], kind: "score", value: Self.number(score), count: row["n"])
        }
        return labels + scores
    }

    private func personas() throws -> ReportFigures.PersonaUse {
        let library = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM personas") ?? 0
        let candidates = try Row.fetchOne(
            db,
            sql: "SELECT COUNT(*) AS n, COUNT(DISTINCT document_id) AS docs, COUNT(DISTINCT persona_id) AS personas FROM candidates WHERE run = ?",
            arguments: [run])
        let chosen = try Row.fetchAll(
            db,
            sql: """
                SELECT p.text AS text, COUNT(*) AS n FROM stage_outputs o JOIN personas p ON p.id = o.persona_id
                WHERE o.run = ? AND o.persona_id IS NOT NULL GROUP BY o.persona_id ORDER BY n DESC, p.text
                """, arguments: [run]
        ).map { ReportFigures.ValueCount(value: $0["text"], count: $0["n"]) }
        let choices = chosen.map(\.count).reduce(0, +)
        var evenness = 0.0
        if chosen.count > 1 {
            let entropy = chosen.map { Double($0.count) / Double(choices) }.map { -$0 * log($0) }.reduce(0, +)
            evenness = entropy / log(Double(chosen.count))
        }
        return .init(
            library: library, passagesMatched: candidates?["docs"] ?? 0, candidates: candidates?["n"] ?? 0,
            personasOffered: candidates?["personas"] ?? 0, choices: choices, personasChosen: chosen.count,
            coverage: library > 0 ? Double(chosen.count) / Double(library) : 0, evenness: evenness, top: Array(chosen.prefix(10)))
    }

    /// The model the report shows scores of: the newest SFT selection's, else the one with most scores in the run.
    private func scoreModel() throws -> String? {
        if let model = try String.fetchOne(
            db, sql: #"SELECT model FROM selections WHERE run = ? AND "set" = 'sft' ORDER BY id DESC LIMIT 1"#, arguments: [run])
        {
            return model
        }
        return try String.fetchOne(
            db,
            sql:
                "SELECT s.model FROM scores s JOIN examples e ON e.id = s.pair_id WHERE e.run = ? GROUP BY s.model ORDER BY COUNT(*) DESC, s.model LIMIT 1",
            arguments: [run])
    }

    private func similarity() throws -> ReportFigures.Similarity {
        let model = try scoreModel()
        let sftID = try latestSelectionID(set: "sft") ?? -1
        let low = try Double.fetchOne(db, sql: "SELECT low FROM selections WHERE id = ?", arguments: [sftID])
        let high = try Double.fetchOne(db, sql: "SELECT high FROM selections WHERE id = ?", arguments: [sftID])
        var histogram = [Int](repeating: 0, count: 40)
        let cosines = try Double.fetchAll(
            db, sql: "SELECT s.cosine FROM scores s JOIN examples e ON e.id = s.pair_id WHERE e.run = ? AND s.model = ?",
            arguments: [run, model ?? ""])
        for cosine in cosines { histogram[Self.bin(cosine, offset: 1, perUnit: 20, count: 40)] += 1 }
        func acceptance(_ group: String, join: String = "") throws -> [ReportFigures.Acceptance] {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(group) AS g, COUNT(*) AS scored, COUNT(sp.pair_id) AS accepted
                    FROM examples e JOIN scores s ON s.pair_id = e.id AND s.model = ? \(join)
                    LEFT JOIN selected_pairs sp ON sp.pair_id = e.id AND sp.selection_id = ?
                    WHERE e.run = ? GROUP BY g ORDER BY g
                    """, arguments: [model ?? "", sftID, run]
            ).map { .init(group: $0["g"] ?? "—", scored: $0["scored"], accepted: $0["accepted"]) }
        }
        let byType = try acceptance(
            "json_extract(o.fields, '$.question_type')",
            join: """
                JOIN stage_outputs o ON o.run = e.run AND o.document_id = e.document_id AND o.sample = e.sample
                  AND json_type(o.fields, '$.question_type') = 'text'
                """)
        let searches = try Row.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) AS n, COALESCE(SUM(found < requested), 0) AS short FROM negative_searches ns
                JOIN examples e ON e.id = ns.pair_id WHERE e.run = ?
                """, arguments: [run])
        let gaps = try Row.fetchAll(
            db,
            sql: """
                SELECT n.score AS negative, s.cosine AS positive FROM negatives n JOIN examples e ON e.id = n.pair_id
                JOIN scores s ON s.pair_id = n.pair_id AND s.model = ? WHERE e.run = ?
                """, arguments: [model ?? "", run])
        var gapHistogram = [Int](repeating: 0, count: 15)
        var negativeSum = 0.0, positiveSum = 0.0
        for row in gaps {
            let negative: Double = row["negative"], positive: Double = row["positive"]
            negativeSum += negative
            positiveSum += positive
            gapHistogram[Self.bin(negative - positive, offset: 1, perUnit: 10, count: 15)] += 1
        }
        return .init(
            model: model, scored: cosines.count, histogram: histogram, low: low, high: high,
            acceptanceByLanguage: try acceptance("e.anchor_language"), acceptanceByTask: try acceptance("e.task"),
            acceptanceByType: byType, negativeSearches: searches?["n"] ?? 0, shortSearches: searches?["short"] ?? 0,
            negatives: gaps.count, negativeGapHistogram: gapHistogram,
            meanNegativeScore: gaps.isEmpty ? 0 : negativeSum / Double(gaps.count),
            meanPositiveScore: gaps.isEmpty ? 0 : positiveSum / Double(gaps.count))
    }

    /// `floor((value + offset) * perUnit)`, clamped to `0..<count`.
    static func bin(_ value: Double, offset: Double, perUnit: Double, count: Int) -> Int {
        let raw = ((value + offset) * perUnit).rounded(.down)
        guard raw.isFinite else { return 0 }
        return min(count - 1, max(0, Int(raw)))
    }

    private func quality(lastStage: String?) throws -> ReportFigures.Quality {
        let rows = try Row.fetchAll(
            db,
            sql:
                "SELECT e.anchor AS anchor, COALESCE(e.positive, d.text) AS positive FROM examples e JOIN documents d ON d.id = e.document_id WHERE e.run = ?",
            arguments: [run])
        var unigrams: [String: Int] = [:], bigrams: [String: Int] = [:]
        var unigramTotal = 0, bigramTotal = 0, overlapSum = 0.0
        for row in rows {
            let words = Self.words(row["anchor"] ?? "")
            unigramTotal += words.count
            for word in words { unigrams[word, default: 0] += 1 }
            if words.count > 1 {
                for index in 1..<words.count { bigrams[words[index - 1] + " " + words[index], default: 0] += 1 }
                bigramTotal += words.count - 1
            }
            let distinct = Set(words)
            if !distinct.isEmpty {
                let passage = Set(Self.words(row["positive"] ?? ""))
                overlapSum += Double(distinct.intersection(passage).count) / Double(distinct.count)
            }
        }
        let examples = rows.count
        let duplicates = try Row.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(d.kind = 'near'), 0) AS near, COALESCE(SUM(d.kind = 'exact'), 0) AS exact
                FROM duplicates d JOIN examples e ON e.id = d.pair_id WHERE e.run = ?
                """, arguments: [run])
        func rejects(_ condition: String, stage: String? = nil) throws -> Int {
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM rejects WHERE run = ? AND (\(condition))" + (stage == nil ? "" : " AND source = ?"),
                arguments: stage == nil ? [run] : [run, stage]) ?? 0
        }
        let languageRejects = try rejects("reason LIKE '%language%'")
        let lastAnswers =
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM stage_outputs WHERE run = ? AND stage = ? AND skipped = 0", arguments: [run, lastStage ?? ""]) ?? 0
        let judged = lastAnswers + (try rejects("1", stage: lastStage ?? ""))
        let near: Int = duplicates?["near"] ?? 0, exact: Int = duplicates?["exact"] ?? 0
        return .init(
            anchors: examples, distinct1: unigramTotal > 0 ? Double(unigrams.count) / Double(unigramTotal) : 0,
            distinct2: bigramTotal > 0 ? Double(bigrams.count) / Double(bigramTotal) : 0,
            passageOverlap: examples > 0 ? overlapSum / Double(examples) : 0,
            nearDuplicateRate: examples > 0 ? Double(near) / Double(examples) : 0,
            exactDuplicateRate: examples > 0 ? Double(exact) / Double(examples) : 0, languageRejects: languageRejects, judged: judged,
            languageCompliance: judged > 0 ? 1 - Double(languageRejects) / Double(judged) : 1,
            placeholderOrEchoRejects: try rejects("reason LIKE '%placeholder%' OR reason LIKE '%echo%'"),
            copyRejects: try rejects("reason LIKE '%copies%' OR reason LIKE '%copy%'"))
    }

    /// Lower-cased runs of letters and digits.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    private var callFilter: String { "unit_key LIKE ? ESCAPE '\\'" }
    private var callPattern: String {
        run.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "/%"
    }

    private func calls() throws -> [ReportFigures.CallGroup] {
        let rows = try Row.fetchAll(
            db,
            sql:
                "SELECT unit_key, endpoint, model, status, prompt_tokens, completion_tokens, latency_ms FROM llm_calls WHERE \(callFilter) ORDER BY id",
            arguments: [callPattern])
        struct Key: Hashable { var stage, endpoint, model: String }
        var groups: [Key: (ReportFigures.CallGroup, [Double])] = [:]
        var order: [Key] = []
        for row in rows {
            let unitKey: String = row["unit_key"] ?? ""
            let parts = unitKey.split(separator: "/", omittingEmptySubsequences: false)
            let stage = parts.count > 1 ? String(parts[1]) : "?"
            let key = Key(stage: stage, endpoint: row["endpoint"], model: row["model"])
            if groups[key] == nil {
                order.append(key)
                groups[key] = (
                    .init(
                        stage: key.stage, endpoint: key.endpoint, model: key.model, requests: 0, ok: 0, promptTokens: 0,
                        completionTokens: 0, latencyP50: 0, latencyP90: 0, latencyP99: 0), []
                )
            }
            let ok = (row["status"] as String?) == "ok"
            groups[key]?.0.requests += 1
            groups[key]?.0.promptTokens += row["prompt_tokens"] as Int
            groups[key]?.0.completionTokens += row["completion_tokens"] as Int
            if ok {
                groups[key]?.0.ok += 1
                groups[key]?.1.append(row["latency_ms"])
            }
        }
        return order.compactMap { key in
            guard let entry = groups[key] else { return nil }
            var group = entry.0
            let latencies = entry.1.sorted()
            group.latencyP50 = Self.nearestRank(latencies, 50)
            group.latencyP90 = Self.nearestRank(latencies, 90)
            group.latencyP99 = Self.nearestRank(latencies, 99)
            return group
        }.sorted { ($0.stage, $0.endpoint, $0.model) < ($1.stage, $1.endpoint, $1.model) }
    }

    private func answersReused() throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM stage_outputs o JOIN llm_calls c ON c.request_hash = o.request_hash
                WHERE o.run = ? AND o.skipped = 0
                  AND COALESCE(c.unit_key, '') != o.run || '/' || o.stage || '/' || o.document_id || '/' || o.sample
                """, arguments: [run]) ?? 0
    }

    /// The nearest-rank percentile of sorted values (0 when there are none).
    static func nearestRank(_ sorted: [Double], _ percent: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    private func throughput() throws -> [ReportFigures.ThroughputBucket] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT created_at, completion_tokens FROM llm_calls WHERE \(callFilter) ORDER BY created_at", arguments: [callPattern])
        guard let first: Date = rows.first?["created_at"] else { return [] }
        var buckets: [Int: ReportFigures.ThroughputBucket] = [:]
        for row in rows {
            let at: Date = row["created_at"]
            let minute = Int(at.timeIntervalSince(first) / 60)
            buckets[minute, default: .init(minute: minute, calls: 0, completionTokens: 0)].calls += 1
            buckets[minute]?.completionTokens += row["completion_tokens"] as Int
        }
        let last = buckets.keys.max() ?? 0
        return (0...last).map { buckets[$0] ?? .init(minute: $0, calls: 0, completionTokens: 0) }
    }

    private func drawSamples(count: Int, seed: UInt64) throws -> ReportFigures.Samples {
        let sftID = try latestSelectionID(set: "sft")
        let model = try scoreModel() ?? ""
        var accepted = try Int64.fetchAll(
            db, sql: "SELECT pair_id FROM selected_pairs WHERE selection_id = ? ORDER BY pair_id", arguments: [sftID ?? -1])
        if accepted.isEmpty {
            accepted = try Int64.fetchAll(db, sql: "SELECT id FROM examples WHERE run = ? ORDER BY id", arguments: [run])
        }
        var random = SplitMix64(seed: seed)
        let chosen = Array(random.shuffled(accepted).prefix(count)).sorted()
        var examples: [ReportFigures.ExampleSample] = []
        for id in chosen {
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT e.id, e.task, e.anchor, COALESCE(e.positive, d.text) AS positive, e.label, e.score, e.anchor_language,
                               s.cosine FROM examples e JOIN documents d ON d.id = e.document_id
                        LEFT JOIN scores s ON s.pair_id = e.id AND s.model = ? WHERE e.id = ?
                        """, arguments: [model, id])
            else { continue }
            let score: Double? = row["score"]
            examples.append(
                .init(
                    id: row["id"], task: row["task"], anchor: row["anchor"], positive: Self.excerpt(row["positive"] ?? ""),
                    label: row["label"] ?? score.map(Self.number), cosine: row["cosine"], language: row["anchor_language"]))
        }
        let rejectIDs = try Int64.fetchAll(
            db, sql: "SELECT id FROM rejects WHERE run = ? AND source NOT IN ('corpus', 'personas') ORDER BY id", arguments: [run])
        var rejected: [ReportFigures.RejectSample] = []
        for id in Array(random.shuffled(rejectIDs).prefix(count)).sorted() {
            guard let row = try Row.fetchOne(db, sql: "SELECT source, location, reason, detail, payload FROM rejects WHERE id = ?", arguments: [id])
            else { continue }
            // location: "run/stage/document/sample attempt n"
            let location: String = row["location"] ?? ""
            let parts = location.split(separator: " ").first?.split(separator: "/") ?? []
            var passage = ""
            if parts.count >= 3, let documentID = Int64(parts[parts.count - 2]) {
                passage = try String.fetchOne(db, sql: "SELECT text FROM documents WHERE id = ?", arguments: [documentID]) ?? ""
            }
            rejected.append(
                .init(
                    stage: row["source"], reason: row["reason"], detail: row["detail"], answer: Self.excerpt(row["payload"] ?? ""),
                    passage: Self.excerpt(passage)))
        }
        return .init(seed: seed, accepted: examples, rejected: rejected)
    }

    private func selections() throws -> [ReportFigures.SelectionFigure] {
        try Row.fetchAll(
            db,
            sql:
                #"SELECT "set", records, low, high, parameters FROM selections WHERE id IN (SELECT MAX(id) FROM selections WHERE run = ? GROUP BY "set") ORDER BY "set""#,
            arguments: [run]
        ).map { .init(set: $0["set"], records: $0["records"], low: $0["low"], high: $0["high"], parameters: $0["parameters"]) }
    }

    /// `text` cut to 300 characters.
    static func excerpt(_ text: String) -> String { text.count <= 300 ? text : String(text.prefix(299)) + "…" }

    /// A score as short text (`3`, `0.5`).
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// A small seeded generator (SplitMix64) for the report's sample draws.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A Fisher–Yates shuffle of `items`.
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var items = items
        guard items.count > 1 else { return items }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            let other = Int(next() % UInt64(index + 1))
            items.swapAt(index, other)
        }
        return items
    }
}

/// Everything a run stored, for `pairsmith run --preview` to print: chat calls, rejects, stage outputs, examples.
public struct RunTranscript: Sendable {
    /// The run's chat calls, oldest first.
    public var calls: [LLMCallRecord]
    /// Its rejected answers, oldest first.
    public var rejects: [RejectRecord]
    /// Its stage outputs, oldest first.
    public var outputs: [StageOutputRecord]
    /// Its examples with their passage text and newest cosine, oldest first.
    public var examples: [(example: ExampleRecord, passage: String, cosine: Double?)]
}

extension PairsmithStore {
    /// Every call, reject, stage output and example of `run` (meant for the small throw-away store of a preview).
    public func transcript(run: String) async throws -> RunTranscript {
        try await read { db in
            let prefix = "\(run)/"
            let calls = try LLMCallRecord.fetchAll(
                db, sql: "SELECT * FROM llm_calls WHERE substr(unit_key, 1, ?) = ? ORDER BY id", arguments: [prefix.count, prefix])
            let rejects = try RejectRecord.fetchAll(db, sql: "SELECT * FROM rejects WHERE run = ? ORDER BY id", arguments: [run])
            let outputs = try StageOutputRecord.fetchAll(db, sql: "SELECT * FROM stage_outputs WHERE run = ? ORDER BY id", arguments: [run])
            var examples: [(ExampleRecord, String, Double?)] = []
            for example in try ExampleRecord.fetchAll(db, sql: "SELECT * FROM examples WHERE run = ? ORDER BY id", arguments: [run]) {
                let passage = try String.fetchOne(db, sql: "SELECT text FROM documents WHERE id = ?", arguments: [example.documentID]) ?? ""
                let cosine = try Double.fetchOne(
                    db, sql: "SELECT cosine FROM scores WHERE pair_id = ? ORDER BY created_at DESC LIMIT 1", arguments: [example.id])
                examples.append((example, example.positive ?? passage, cosine))
            }
            return RunTranscript(calls: calls, rejects: rejects, outputs: outputs, examples: examples)
        }
    }
}
