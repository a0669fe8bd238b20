import Foundation
import PairsmithTestSupport
import Testing

/// A task declared only in YAML, templates and schemas (no Swift): two stages, a list, drawn variables, a skip
/// condition, few-shot examples and an example with a label and instructions on both sides, run by the real binary
/// against the test endpoint, killed with SIGKILL and resumed.
@Suite("a two-stage pipeline declared only in its file", .serialized)
struct ToyPipelineTests {
    static let pipeline = """
        name: toy
        task: topic_sentences
        endpoints:
          - url: http://127.0.0.1:9/v1
            model: test-model
            concurrency: 8
        sampling: { temperature: 0.5, top_p: 0.9, max_tokens: 64 }
        personas:
          match: false
        embedding:
          model: test-embedding
          batch_size: 8
        samples_per_passage: 2
        lists:
          topics:
            - { name: transport, description: "ferries, trains, bicycles and roads" }
            - { name: food, description: "bread, tea, coffee and farming" }
            - { name: nature, description: "tides, glaciers, rivers and bees" }
        stages:
          - name: classify
            template: classify.mustache
            schema: classify.schema.json
            concurrency: 3
            draw:
              variables:
                - { name: mode, choice: { write: 3, skip: 1 } }
            inputs:
              passage: passage
              topics: lists.topics
            rules:
              - { rule: one_of, field: topic, among: lists.topics, match: case_insensitive, reason: unknown_topic }
          - name: write
            template: write.mustache
            schema: write.schema.json
            concurrency: 3
            when: { variable: mode, equals: write }
            few_shot: { file: shots.jsonl, count: 2 }
            draw:
              seed: write-plan
              variables:
                - { name: tone, choice: { plain: 2, playful: 1 } }
                - name: words
                  integer: [{ min: 4, max: 9, weight: 1 }]
            inputs:
              passage: passage
              topic: classify.topic
              topic_description: classify.topic.description
              tone: vars.tone
              words: vars.words
              shots: few_shot
            rules:
              - { rule: not_empty, field: sentence }
              - { rule: not_placeholder, field: sentence }
              - { rule: not_equal, field: sentence, other: passage }
        example:
          anchor: [write.sentence, classify.topic]
          positive: passage
          label: classify.topic
          anchor_instruction: "Given a sentence about a topic, retrieve the passage it comes from"
          positive_instruction: "Represent this passage for topic retrieval"
          metadata: { mode: vars.mode, tone: vars.tone, topic: classify.topic }
        retries: { answer_attempts: 4, transport_attempts: 8, initial_backoff_seconds: 0.01, max_backoff_seconds: 0.05 }
        selection:
          similarity_threshold: 0.0
          negatives: { count: 0 }

        """

    static let files: [String: String] = [
        "classify.mustache": """
        {{% CONTENT_TYPE: TEXT}}
        Which topic fits this passage best?
        {{#topics}}
        - {{name}}: {{description}}
        {{/topics}}
        Passage: {{passage}}
        Reply with {"topic": "<one topic name>"}.
        """,
        "classify.schema.json": """
        {"type": "object", "properties": {"topic": {"type": "string", "enum": [], "x-pairsmith-enum": "topics"}},
         "required": ["topic"], "additionalProperties": false}
        """,
        "write.mustache": """
        {{% CONTENT_TYPE: TEXT}}
        Write one {{tone}} sentence of about {{words}} words about {{topic}} ({{topic_description}}) that this passage answers.
        {{#shots}}
        <Example{{number}}>{{sentence}}</Example{{number}}>
        {{/shots}}
        Passage: {{passage}}
        """,
        "write.schema.json": """
        {"type": "object", "properties": {"sentence": {"type": "string", "minLength": 1}}, "required": ["sentence"],
         "additionalProperties": false}
        """,
        "shots.jsonl": """
        {"sentence": "The night ferry needs two pilots."}
        {"sentence": "Sourdough rises slowly in a cold kitchen."}
        {"sentence": "Glaciers in the Alps lose ice every summer."}

        """,
    ]

    /// A folder with the pipeline, its templates and schemas, and a corpus of `passages` passages.
    static func workspace(_ directory: TemporaryDirectory, passages: Int) throws -> URL {
        let root = directory.url.appendingPathComponent("toy")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try pipeline.write(to: root.appendingPathComponent("toy.yaml"), atomically: true, encoding: .utf8)
        for (name, text) in files { try text.write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let topics = ["ferry timetables", "bread baking", "ocean tides", "bicycle repair", "tea farming", "glacier retreat"]
        let corpus = (0..<passages).map { index in
            "{\"id\": \"doc-\(index)\", \"lang\": \"en\", \"text\": \"Passage \(index) is about \(topics[index % topics.count]): "
                + "what people do, which tools they use, and why the seasons change the work.\"}"
        }
        try (corpus.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        return root
    }

    static func arguments(_ root: URL, database: URL, endpoint: TestEndpoint) throws -> [String] {
        [
            "run", root.appendingPathComponent("toy.yaml").path, "--corpus", root.appendingPathComponent("corpus.jsonl").path,
            "--db", database.path, "--chat-url", endpoint.url, "--chat-model", "test-model",
            "--embedding-model", try EmbeddingFixture.model.get().path, "--concurrency", "2",
        ]
    }

    /// The examples and stage outputs, read with Python's sqlite3 (not the code under test), keyed by passage/sample.
    static func examples(_ database: URL) throws -> [String: [String: String]] {
        let script = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            out = {}
            for key, sample, task, anchor, positive, label, ai, pi, meta in c.execute(
                    "SELECT d.key, e.sample, e.task, e.anchor, e.positive, e.label, e.anchor_instruction, "
                    "e.positive_instruction, e.metadata FROM examples e JOIN documents d ON d.id = e.document_id"):
                k = f"{key}/{sample}"
                assert k not in out, "duplicate example " + k
                out[k] = {"task": task, "anchor": anchor, "positive": positive or "", "label": label or "",
                          "anchor_instruction": ai or "", "positive_instruction": pi or "", "metadata": meta or ""}
            for key, sample, stage, fields, variables, skipped in c.execute(
                    "SELECT d.key, o.sample, o.stage, o.fields, o.variables, o.skipped FROM stage_outputs o "
                    "JOIN documents d ON d.id = o.document_id"):
                k = f"{key}/{sample}"
                out.setdefault(k, {})[stage] = json.dumps([json.loads(fields), json.loads(variables), skipped], sort_keys=True)
            print(json.dumps(out, sort_keys=True))
            """
        return try JSONDecoder().decode([String: [String: String]].self, from: ProcessRunner.python(script, arguments: [database.path]))
    }

    @Test("runs end to end: every unit an example with its label, both instructions and metadata; a rerun asks nothing")
    func endToEnd() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-toy")
        defer { directory.remove() }
        let root = try Self.workspace(directory, passages: 6)
        let database = directory.file("toy.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: [.serverError: 0.1, .wrongSchema: 0.1])) { endpoint in
            let first = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.arguments(root, database: database, endpoint: endpoint))
            #expect(first.status == 0, "\(first.stderr)")
            let prompts = endpoint.recordedRequests().compactMap { request -> String? in
                guard let body = try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any],
                    let messages = body["messages"] as? [[String: Any]]
                else { return nil }
                return messages.last?["content"] as? String
            }
            let writes = prompts.filter { $0.hasPrefix("Write one") }
            #expect(!writes.isEmpty && writes.allSatisfy { $0.contains("<Example1>") && $0.contains("<Example2>") && !$0.contains("<Example3>") })
            #expect(writes.allSatisfy { $0.contains("(ferries, trains") || $0.contains("(bread, tea") || $0.contains("(tides, glaciers") })
            #expect(prompts.filter { $0.hasPrefix("Which topic") }.allSatisfy { $0.contains("- nature: tides, glaciers, rivers and bees") })
            let requests = endpoint.counts().requests
            let second = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.arguments(root, database: database, endpoint: endpoint))
            #expect(second.status == 0, "\(second.stderr)")
            #expect(endpoint.counts().requests == requests, "the rerun asked again")
        }
        let rows = try Self.examples(database)
        #expect(rows.count == 12, "6 passages × 2 samples")
        var skipped = 0
        for (key, row) in rows {
            #expect(row["task"] == "topic_sentences", "\(key)")
            #expect(["transport", "food", "nature"].contains(row["label"] ?? ""), "\(key): \(row)")
            #expect(row["positive"] == "", "the passage is the positive, stored by reference")
            #expect(row["anchor_instruction"] == "Given a sentence about a topic, retrieve the passage it comes from")
            #expect(row["positive_instruction"] == "Represent this passage for topic retrieval")
            let metadata = try JSONSerialization.jsonObject(with: Data((row["metadata"] ?? "{}").utf8)) as? [String: Any]
            let mode = metadata?["mode"] as? String
            #expect(mode == "write" || mode == "skip")
            #expect(row["classify"] != nil && row["write"] != nil, "\(key): both stages stored an output")
            if mode == "skip" {
                skipped += 1
                #expect(row["anchor"] == row["label"], "a skipped write stage falls back to the topic as the anchor")
                #expect(row["write"]?.hasSuffix(", 1]") == true, "\(key): the write stage is recorded as skipped")
            } else {
                #expect(row["anchor"] != row["label"] && !(row["anchor"] ?? "").isEmpty)
                #expect(["plain", "playful"].contains(metadata?["tone"] as? String ?? ""))
            }
        }
        #expect(skipped > 0 && skipped < 12, "the draw skips about a quarter of the write units (\(skipped) of 12)")
        let status = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path])
        #expect(status.stdoutText.contains("classify") && status.stdoutText.contains("write"), "\(status.stdoutText)")
        let classify = try #require(status.stdoutText.range(of: "classify")), write = try #require(status.stdoutText.range(of: "write "))
        #expect(classify.lowerBound < write.lowerBound, "status lists the stages in pipeline order")
    }

    @Test("kill -9 at random moments, then the same command: exactly the examples of an uninterrupted run")
    func killAndResume() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-toy-kill")
        defer { directory.remove() }
        let root = try Self.workspace(directory, passages: 12)
        let reference = directory.file("reference.sqlite"), killed = directory.file("killed.sqlite")
        let behaviour = TestEndpointBehaviour(latency: .milliseconds(60), faultRates: [.serverError: 0.05, .dropConnection: 0.03])
        let clock = ContinuousClock()
        let started = clock.now
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.arguments(root, database: reference, endpoint: endpoint))
            #expect(result.status == 0, "\(result.stderr)")
        }
        let elapsed = clock.now - started
        let runMilliseconds = max(400, Int(elapsed.components.seconds) * 1_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000))
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let arguments = try Self.arguments(root, database: killed, endpoint: endpoint)
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<3 {
                let delay = Int.random(in: runMilliseconds / 5...runMilliseconds * 4 / 5, using: &generator)
                try await RunCommandTests.runAndKill(arguments, afterMilliseconds: delay)
            }
            let final = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(final.status == 0, "\(final.stderr)")
        }
        let expected = try Self.examples(reference)
        #expect(expected.count == 24)
        #expect(try Self.examples(killed) == expected)
    }

    @Test("a template that names a missing input stops the run before any request or database write, naming file:line")
    func brokenBeforeAnyRequest() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-toy-broken")
        defer { directory.remove() }
        let root = try Self.workspace(directory, passages: 2)
        let file = root.appendingPathComponent("toy.yaml")
        let yaml = try String(contentsOf: file, encoding: .utf8)
        try yaml.replacingOccurrences(of: "      topic_description: classify.topic.description\n", with: "")
            .write(to: file, atomically: true, encoding: .utf8)
        let database = directory.file("broken.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.arguments(root, database: database, endpoint: endpoint))
            #expect(result.status != 0)
            #expect(result.stderr.contains("\(file.path):"), "\(result.stderr)")
            #expect(result.stderr.contains("stages[1].inputs") && result.stderr.contains("{{topic_description}}"), "\(result.stderr)")
            #expect(endpoint.counts().requests == 0)
        }
        #expect(!FileManager.default.fileExists(atPath: database.path), "no database is created for a pipeline that cannot run")
    }
}
