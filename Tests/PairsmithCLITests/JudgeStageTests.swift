import Foundation
import PairsmithTestSupport
import Testing

/// The LLM judge stage of the shipped `pipelines/retrieval-judged.yaml`, run by the real binary against the test
/// endpoint: answers that break the judge's schema are rejected with their reason and asked again, every example a
/// finished judge unit rated holds one score per criterion equal to the stored answer (read by Python's sqlite3), the
/// judge saw the example it rates, a rerun asks nothing, and `pairsmith select --min-judge` keeps what an independent
/// Python selection (`scripts/reference/filters_reference.py`) keeps. Bad `judge:` declarations name their field.
@Suite("judge stage", .serialized)
struct JudgeStageTests {
    static let judged = TaskFamilyPipelineTests.Case(
        file: "retrieval-judged.yaml", run: "retrieval-judged", task: "retrieval", formats: [], reasons: [])
    static let criteria = ["relevance", "factual_accuracy", "context_support", "clarity", "overall"]

    /// Every judge answer and judge score of the database, read with Python's sqlite3.
    static func judgeFacts(_ database: URL) throws -> [String: Any] {
        let script = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            out = {"answers": {}, "scores": {}, "rejects": {}, "examples": {}, "judge_units": {}}
            for doc, sample, fields in c.execute(
                    "SELECT document_id, sample, fields FROM stage_outputs WHERE stage = 'judge'"):
                out["answers"][f"{doc}/{sample}"] = json.loads(fields)
            for pair, doc, sample, anchor in c.execute("SELECT id, document_id, sample, anchor FROM examples"):
                out["examples"][f"{doc}/{sample}"] = {"id": pair, "anchor": anchor}
            for pair, judge, criterion, score, reason in c.execute(
                    "SELECT pair_id, judge, criterion, score, reason FROM judge_scores"):
                out["scores"].setdefault(str(pair), {})[criterion] = [judge, score, reason]
            for reason, n in c.execute("SELECT reason, COUNT(*) FROM rejects WHERE source = 'judge' GROUP BY reason"):
                out["rejects"][reason] = n
            for state, n in c.execute("SELECT state, COUNT(*) FROM units WHERE stage = 'judge' GROUP BY state"):
                out["judge_units"][state] = n
            out["model"] = (c.execute("SELECT DISTINCT model FROM scores").fetchone() or [""])[0]
            sft = (c.execute("SELECT id FROM selections WHERE \\"set\\" = 'sft' ORDER BY id DESC LIMIT 1").fetchone() or [None])[0]
            out["sft"] = [r[0] for r in c.execute(
                "SELECT pair_id FROM selected_pairs WHERE selection_id = ? ORDER BY pair_id", (sft,))]
            print(json.dumps(out, sort_keys=True))
            """
        let data = try ProcessRunner.python(script, arguments: [database.path])
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("bad-schema judge answers are rejected and retried; each rating stored as the answer gave it; select --min-judge matches Python")
    func judgedRun() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-judge")
        defer { directory.remove() }
        let root = try TaskFamilyPipelineTests.workspace(directory, Self.judged, copies: 3)
        let database = directory.file("judged.sqlite")
        let behaviour = TestEndpointBehaviour(faultRates: [.wrongSchema: 0.25, .notJSON: 0.05])
        var judgePrompts: [String] = []
        var runLog = ""
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let arguments = try TaskFamilyPipelineTests.arguments(root, Self.judged, database: database, chatURL: endpoint.url)
            let first = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(first.status == 0, "\(first.stderr)")
            runLog = String(first.stderr.suffix(3_000))
            let requests = endpoint.counts().requests
            let again = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(endpoint.counts().requests == requests, "the rerun asked the endpoint again")
            judgePrompts = endpoint.recordedRequests().compactMap { request in
                guard let body = try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any],
                    let messages = body["messages"] as? [[String: Any]]
                else { return nil }
                let text = messages.compactMap { $0["content"] as? String }.joined(separator: "\n")
                return text.contains("strict judge of training data") ? text : nil
            }
        }
        let facts = try Self.judgeFacts(database)
        let answers = try #require(facts["answers"] as? [String: [String: Any]])
        let examples = try #require(facts["examples"] as? [String: [String: Any]])
        let scores = try #require(facts["scores"] as? [String: [String: [Any]]])
        let rejects = try #require(facts["rejects"] as? [String: Int])
        let units = try #require(facts["judge_units"] as? [String: Int])

        #expect(examples.count >= 8, "\(examples.count) examples; judge units \(units); run: \(runLog)")
        #expect((rejects["schema_violation"] ?? 0) > 0, "no judge answer was rejected for its schema: \(rejects)")
        #expect(units.keys.allSatisfy { $0 == "done" || $0 == "failed" }, "\(units)")
        #expect((units["done"] ?? 0) == answers.count && answers.count > 0, "\(units), \(answers.count) answers")
        #expect(Set(answers.keys).isSubset(of: Set(examples.keys)), "a judge answer without its example")
        // Every rated example holds one score per criterion, equal to the stored answer's {score, reason}.
        for (unit, answer) in answers {
            let example = try #require(examples[unit])
            let pairID = try #require(example["id"] as? Int)
            let stored = try #require(scores[String(pairID)], "example \(pairID) has no judge scores")
            #expect(Set(stored.keys) == Set(Self.criteria), "example \(pairID): \(stored.keys.sorted())")
            for criterion in Self.criteria {
                let given = try #require(answer[criterion] as? [String: Any], "\(unit): \(criterion) missing")
                let score = try #require(given["score"] as? Double)
                #expect((1...10).contains(score), "\(unit) \(criterion): \(score) is outside the schema's 1-10")
                #expect(stored[criterion]?[0] as? String == "judge")
                #expect(stored[criterion]?[1] as? Double == score, "\(unit) \(criterion)")
                #expect(stored[criterion]?[2] as? String == given["reason"] as? String, "\(unit) \(criterion) reason")
            }
            // The judge rated this example: its prompt held the example's query.
            let anchor = try #require(example["anchor"] as? String)
            #expect(judgePrompts.contains { $0.contains("Query:\n\(anchor)\n") }, "no judge prompt holds the query \(anchor)")
        }
        #expect(scores.count == answers.count, "judge scores for an example no finished judge unit rated")

        // Re-selection by judge ratings (and a percentile of one criterion) keeps what the Python reference keeps. A
        // flag replaces only the criterion it names: the pipeline's `min_judge: 7` (overall) still applies beside
        // relevance and clarity.
        let model = try #require(facts["model"] as? String)
        let selections: [([String], [String: Any])] = [
            (["--threshold=-1", "--min-judge", "6"], ["threshold": -1, "min_judge": ["overall": 6]]),
            (
                ["--threshold=-1", "--min-judge", "relevance=4", "--min-judge-percentile", "clarity=50"],
                ["threshold": -1, "min_judge": ["overall": 7, "relevance": 4], "min_judge_percentile": ["clarity": 50]]
            ),
        ]
        var sizes: [Int] = []
        for (flags, reference) in selections {
            let select = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["select", "--db", database.path] + flags)
            #expect(select.status == 0, "\(flags): \(select.stderr)")
            var json = reference
            json["sampling_rate"] = 1
            json["seed"] = 0
            let text = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
            let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/filters_reference.py")
            let expected = try ProcessRunner.run(
                try TestEnvironment.requirePython(), [script.path, "select", database.path, Self.judged.run, model, text])
            try #require(expected.status == 0, "\(expected.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: expected.stdout) as? [String: Any])
            let got = try #require(try Self.judgeFacts(database)["sft"] as? [Int])
            #expect(got == object["sft"] as? [Int], "\(flags)")
            sizes.append(got.count)
        }
        #expect(sizes.contains { $0 > 0 } && sizes.contains { $0 < examples.count }, "the judge bounds must keep some and drop some: \(sizes)")
        let status = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path])
        #expect(status.stdoutText.contains("judge:relevance") && status.stdoutText.contains("judge:clarity"), "\(status.stdoutText)")
    }

    @Test("a judge criterion that is not in the judge's schema, or a stage after the judge, is refused naming the file and field")
    func badDeclarations() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-judge-bad")
        defer { directory.remove() }
        let root = try TaskFamilyPipelineTests.workspace(directory, Self.judged)
        let file = root.appendingPathComponent("pipelines/retrieval-judged.yaml")
        let original = try String(contentsOf: file, encoding: .utf8)
        let cases: [(String, String, [String])] = [
            (
                "criteria: [relevance, factual_accuracy, context_support, clarity, overall]",
                "criteria: [relevance, helpfulness]", ["helpfulness", "judge.schema.json", "criteria"]
            ),
            ("criteria: [relevance, factual_accuracy, context_support, clarity, overall]", "criteria: []", ["at least one criterion"]),
            (
                "      passage_language: passage.language\n\n# The training example",
                "      passage_language: passage.language\n  - name: afterwards\n    template: ../prompts/retrieval/generate.mustache\n    schema: ../prompts/retrieval/generate.schema.json\n    inputs: {passage: passage}\n\n# The training example",
                ["afterwards", "judge", "last"]
            ),
        ]
        for (old, new, needles) in cases {
            #expect(original.contains(old), "pipelines/retrieval-judged.yaml changed: \(old)")
            try original.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
            let result = try ProcessRunner.run(
                TestEnvironment.pairsmithExecutable,
                [
                    "run", file.path, "--corpus", root.appendingPathComponent("corpus.jsonl").path, "--db", directory.file("bad.sqlite").path,
                    "--chat-url", "http://127.0.0.1:9/v1",
                ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("retrieval-judged.yaml") && result.stderr.contains("line"), "\(result.stderr)")
            for needle in needles { #expect(result.stderr.contains(needle), "\(needle) not in: \(result.stderr)") }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("bad.sqlite").path), "a refused file must not create a database")
    }
}
