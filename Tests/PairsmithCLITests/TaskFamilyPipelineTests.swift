import Foundation
import PairsmithTestSupport
import Testing

/// The shipped bitext, STS and classification pipelines (both modes), each run by the real binary end to end
/// against the test endpoint (whose answers include wrong-language, copied and out-of-taxonomy ones), exported in
/// the formats their trainers read and checked by an independent Python reader against SQLite; each also killed
/// with SIGKILL and resumed.
@Suite("bitext, STS and classification pipelines", .serialized)
struct TaskFamilyPipelineTests {
    /// A multilingual corpus: eight passages in eight languages and four scripts, three sentences each.
    static let corpus: [(id: String, lang: String, text: String)] = [
        (
            "en-1", "en",
            "The ferry crosses the strait eight times a day in summer. Night crossings need two pilots on the bridge at all times. In winter the timetable is cut to four crossings because of the storms."
        ),
        (
            "de-1", "de",
            "Die Fähre überquert die Meerenge im Sommer achtmal am Tag. Für die Nachtfahrten braucht man immer zwei Lotsen auf der Brücke. Im Winter wird der Fahrplan wegen der Stürme auf vier Fahrten gekürzt."
        ),
        (
            "fr-1", "fr",
            "Le boulanger prépare la pâte chaque nuit avant trois heures du matin. Il laisse lever le pain lentement dans une cave fraîche. Les clients font la queue dès l'ouverture de la boutique."
        ),
        (
            "es-1", "es",
            "Los agricultores del valle recogen el té a mano durante la primavera. Las hojas más jóvenes se secan al sol en grandes bandejas. Después se venden en el mercado del pueblo cada sábado."
        ),
        ("zh-1", "zh", "这座城市的图书馆每天早上八点开门，晚上十点关门。学生们在考试前常常排队等候座位。图书馆还为老年人提供免费的电脑课程。"),
        ("ja-1", "ja", "この町の自転車屋は五十年前から同じ場所で営業しています。店主は古い自転車を丁寧に修理してくれます。週末には子どもたちに乗り方を教えています。"),
        (
            "ru-1", "ru",
            "Ледник в горах за последние двадцать лет отступил почти на километр. Учёные каждый год измеряют его толщину с помощью радаров. Жители долины боятся, что летом рекам не хватит воды."
        ),
        (
            "ar-1", "ar",
            "يعمل النحال في المزرعة منذ الصباح الباكر حتى غروب الشمس. يجمع العسل مرتين في السنة من خلايا كثيرة موزعة بين أشجار البرتقال والزيتون. ويبيع العسل للناس في سوق المدينة الكبير كل أسبوع مع الشمع والخبز."
        ),
    ]

    /// The shipped pipeline files this suite runs, their task, the formats exported and the reject reasons the
    /// endpoint's bad answers must produce.
    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var run: String
        var task: String
        var formats: [String]
        var reasons: [String]
        var taxonomy: String? = nil
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(
            file: "bitext.yaml", run: "bitext", task: "bitext", formats: ["flagembedding", "ms-swift"],
            reasons: ["translation_copies_source", "translation_wrong_language"]),
        Case(
            file: "sts.yaml", run: "sts", task: "sts", formats: ["sentence-transformers", "flagembedding", "ms-swift"],
            reasons: ["sentence_same_as_source", "sentence_wrong_language"]),
        Case(
            file: "classification.yaml", run: "classification-topics", task: "classification",
            formats: ["sentence-transformers", "flagembedding", "ms-swift"], reasons: [],
            taxonomy: "taxonomies/topics.yaml"),
        Case(
            file: "classification-write.yaml", run: "classification-topics-write", task: "classification",
            formats: ["sentence-transformers", "flagembedding", "ms-swift"], reasons: ["text_wrong_language", "text_names_label"],
            taxonomy: "taxonomies/topics.yaml"),
    ]

    /// A folder laid out like the repository (pipelines/, prompts/, a corpus and personas), the pipeline's
    /// back-off shortened and its chunking block dropped (the passages are short).
    static func workspace(_ directory: TemporaryDirectory, _ test: Case, copies: Int = 1) throws -> URL {
        let root = directory.url.appendingPathComponent("repo")
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("pipelines"), withIntermediateDirectories: true)
        let package = TestEnvironment.packageRoot
        try manager.copyItem(at: package.appendingPathComponent("prompts"), to: root.appendingPathComponent("prompts"))
        try manager.copyItem(
            at: package.appendingPathComponent("pipelines/taxonomies"), to: root.appendingPathComponent("pipelines/taxonomies"))
        var yaml = try String(contentsOf: package.appendingPathComponent("pipelines/\(test.file)"), encoding: .utf8)
        for (old, new) in [
            ("initial_backoff_seconds: 0.5", "initial_backoff_seconds: 0.01"), ("max_backoff_seconds: 30", "max_backoff_seconds: 0.05"),
            ("chunking:\n  max_tokens: 512\n  min_tokens: 64\n", ""), ("answer_attempts: 3", "answer_attempts: 5"),
        ] {
            guard yaml.contains(old) else { throw TestSupportError.missingPrerequisite("pipelines/\(test.file) without \(old)") }
            yaml = yaml.replacingOccurrences(of: old, with: new)
        }
        try yaml.write(to: root.appendingPathComponent("pipelines/\(test.file)"), atomically: true, encoding: .utf8)
        var lines: [String] = []
        for copy in 0..<copies {
            for passage in corpus {
                let text = copy == 0 ? passage.text : "\(passage.text) (\(copy))"
                let object: [String: String] = ["id": "\(passage.id)-\(copy)", "lang": passage.lang, "text": text]
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        let personas = [
            "a ferry captain in Bergen", "a baker in Lyon", "a tea farmer in Darjeeling", "a librarian in Nairobi",
            "a glaciologist in Zurich", "a bee keeper in Jordan", "a student in Osaka", "a sports reporter in Madrid",
        ]
        try (personas.map { "{\"persona\": \"\($0)\"}" }.joined(separator: "\n") + "\n")
            .write(to: root.appendingPathComponent("personas.jsonl"), atomically: true, encoding: .utf8)
        return root
    }

    static func arguments(_ root: URL, _ test: Case, database: URL, chatURL: String, chatModel: String = "test-model") throws -> [String] {
        [
            "run", root.appendingPathComponent("pipelines/\(test.file)").path, "--corpus", root.appendingPathComponent("corpus.jsonl").path,
            "--db", database.path, "--chat-url", chatURL, "--chat-model", chatModel,
            "--embedding-model", try EmbeddingFixture.model.get().path, "--personas", root.appendingPathComponent("personas.jsonl").path,
            "--concurrency", "2",
        ]
    }

    /// Every unit and example of the database, read with Python's sqlite3: units by state, rejects by reason,
    /// examples keyed by passage and sample.
    static func snapshot(_ database: URL) throws -> Snapshot {
        let script = """
            import json, sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            out = {"states": {}, "reasons": {}, "examples": {}, "ok_hashes": 0, "distinct_ok_hashes": 0}
            for state, n in c.execute("SELECT state, COUNT(*) FROM units GROUP BY state"):
                out["states"][state] = n
            for reason, n in c.execute("SELECT reason, COUNT(*) FROM rejects GROUP BY reason"):
                out["reasons"][reason] = n
            for key, sample, task, anchor, positive, label, score, ai, pi, al, pl in c.execute(
                    "SELECT d.key, e.sample, e.task, e.anchor, COALESCE(e.positive, ''), COALESCE(e.label, ''), e.score, "
                    "COALESCE(e.anchor_instruction, ''), COALESCE(e.positive_instruction, ''), e.anchor_language, "
                    "e.positive_language FROM examples e JOIN documents d ON d.id = e.document_id"):
                k = f"{key}/{sample}"
                assert k not in out["examples"], "duplicate example " + k
                out["examples"][k] = {"task": task, "anchor": anchor, "positive": positive, "label": label,
                                      "score": "" if score is None else repr(score), "anchor_instruction": ai,
                                      "positive_instruction": pi, "anchor_language": al, "positive_language": pl}
            out["ok_hashes"], out["distinct_ok_hashes"] = c.execute(
                "SELECT COUNT(*), COUNT(DISTINCT request_hash) FROM llm_calls WHERE status = 'ok'").fetchone()
            print(json.dumps(out, sort_keys=True))
            """
        return try JSONDecoder().decode(Snapshot.self, from: ProcessRunner.python(script, arguments: [database.path]))
    }

    struct Snapshot: Decodable, Equatable {
        var states: [String: Int]
        var reasons: [String: Int]
        var examples: [String: [String: String]]
        var ok_hashes: Int
        var distinct_ok_hashes: Int
    }

    /// Script checks of one example's content, independent of the rules: the positive of a bitext pair is in its
    /// target's script, the anchor a sentence of its passage.
    static func checkExample(_ key: String, _ row: [String: String], _ test: Case) {
        let passageID = String(key.split(separator: "/").first ?? "")
        let passage = corpus.first { passageID.hasPrefix($0.id) }?.text ?? ""
        switch test.task {
        case "bitext":
            #expect(passage.contains(row["anchor"] ?? "\u{0}"), "\(key): the anchor is a sentence of the passage")
            #expect(row["anchor_instruction"] == "Retrieve parallel sentences" && row["positive_instruction"] == "Retrieve parallel sentences")
            #expect(row["anchor_language"] != row["positive_language"], "\(key): a translation into another language")
            let script: [String: (Unicode.Scalar) -> Bool] = [
                "zh": { (0x4E00...0x9FFF).contains($0.value) }, "ja": { (0x3040...0x30FF).contains($0.value) },
                "ru": { (0x400...0x4FF).contains($0.value) }, "ar": { (0x600...0x6FF).contains($0.value) },
                "hi": { (0x900...0x97F).contains($0.value) }, "ko": { (0xAC00...0xD7AF).contains($0.value) },
            ]
            if let inScript = script[row["positive_language"] ?? ""] {
                #expect((row["positive"] ?? "").unicodeScalars.contains(where: inScript), "\(key): \(row)")
            }
        case "sts":
            #expect(passage.contains(row["anchor"] ?? "\u{0}"), "\(key): the anchor is a sentence of the passage")
            #expect(["0.0", "0.25", "0.5", "0.75", "1.0"].contains(row["score"] ?? ""), "\(key): the level as a score in [0, 1]")
            #expect(row["anchor_instruction"] == "Retrieve semantically similar text" && row["positive_instruction"] == row["anchor_instruction"])
        default:
            #expect(row["anchor_instruction"] == "Classify the topic of the given text" && row["positive_instruction"] == "")
            if row["label"] == "none" {
                #expect(row["positive"] == "none")
            } else {
                #expect((row["positive"] ?? "").hasPrefix((row["label"] ?? "?").replacingOccurrences(of: "_", with: " ") + ": "))
            }
        }
    }

    @Test("end to end: rejects recorded with their reasons, examples checked, status per task, exports checked against SQLite", arguments: cases)
    func endToEnd(test: Case) async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-family")
        defer { directory.remove() }
        let root = try Self.workspace(directory, test, copies: 2)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: [.serverError: 0.05, .wrongSchema: 0.05])) { endpoint in
            let first = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.arguments(root, test, database: database, chatURL: endpoint.url))
            #expect(first.status == 0, "\(first.stderr)")
            let requests = endpoint.counts().requests
            let second = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.arguments(root, test, database: database, chatURL: endpoint.url))
            #expect(second.status == 0, "\(second.stderr)")
            #expect(endpoint.counts().requests == requests, "the rerun asked again")
        }
        let snapshot = try Self.snapshot(database)
        #expect(snapshot.states.keys.allSatisfy { $0 == "done" || $0 == "failed" }, "\(snapshot.states)")
        #expect(snapshot.examples.count >= 8, "\(snapshot.examples.count) examples")
        for reason in test.reasons { #expect((snapshot.reasons[reason] ?? 0) > 0, "no \(reason) reject recorded: \(snapshot.reasons)") }
        #expect(snapshot.ok_hashes == snapshot.distinct_ok_hashes, "a request was answered twice")
        for (key, row) in snapshot.examples {
            #expect(row["task"] == test.task)
            Self.checkExample(key, row, test)
        }
        if test.file == "classification.yaml" {
            #expect(snapshot.examples.values.contains { $0["label"] == "none" }, "the endpoint answers none for some passages")
            // An out-of-taxonomy label is refused: by the schema's enum (the taxonomy's labels, sent for constrained
            // decoding and checked on every answer) or, where a server ignores the enum, by the one_of rule.
            let refused = try ProcessRunner.python(
                """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                print(c.execute("SELECT COUNT(*) FROM rejects WHERE reason = 'label_not_in_taxonomy' OR "
                                "(reason = 'schema_violation' AND detail LIKE '%miscellaneous%is not one of%')").fetchone()[0])
                """, arguments: [database.path])
            #expect(
                (Int(String(decoding: refused, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0,
                "no out-of-taxonomy label was refused")
        }
        let status = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path])
        #expect(status.status == 0)
        let text = status.stdoutText
        switch test.task {
        case "classification": #expect(text.contains("examples by label:"), "\(text)")
        case "sts": #expect(text.contains("examples by score:") && text.contains("examples with negatives from other examples"), "\(text)")
        default: #expect(text.contains("examples by language pair:") && text.contains("en→"), "\(text)")
        }
        if test.file == "classification.yaml" { #expect(text.contains("label none:"), "\(text)") }
        let statusJSON = try ProcessRunner.run(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path, "--json"])
        #expect(statusJSON.stdoutText.contains("\"taskFamilies\""))
        // The report's language check counts every generated text (Python: the sides not copied from the passage;
        // classification labels are taxonomy text), and the detector finds most in the language they asked for.
        let statusObject = try #require(try JSONSerialization.jsonObject(with: statusJSON.stdout) as? [String: Any])
        let languages = try #require(((statusObject["reports"] as? [String: Any])?[test.run] as? [String: Any])?["languages"] as? [String: Any])
        let rows = try #require(languages["rows"] as? [[String: Any]])
        let texts = rows.map { $0["texts"] as? Int ?? 0 }.reduce(0, +)
        let matched = rows.map { $0["matched"] as? Int ?? 0 }.reduce(0, +)
        let undetermined = rows.map { $0["undetermined"] as? Int ?? 0 }.reduce(0, +)
        let generated = try ProcessRunner.python(
            """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            n = 0
            for task, anchor, positive, text in c.execute(
                    "SELECT e.task, e.anchor, e.positive, d.text FROM examples e JOIN documents d ON d.id = e.document_id"):
                n += bool(anchor) and anchor not in text
                n += task != "classification" and bool(positive) and positive not in text
            print(n)
            """, arguments: [database.path])
        #expect(Int(String(decoding: generated, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) == texts, "\(languages)")
        if texts - undetermined > 0 {
            #expect(Double(matched) / Double(texts - undetermined) >= 0.8, "\(test.file): detected languages \(rows)")
        }

        let reader = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/task-families/check_task_export.py")
        for format in test.formats {
            for set in test.task == "sts" ? ["weak", "sft"] : ["weak"] {
                let out = directory.url.appendingPathComponent("export-\(format)-\(set)")
                let export = try ProcessRunner.run(
                    TestEnvironment.pairsmithExecutable,
                    ["export", "--db", database.path, "--out", out.path, "--format", format, "--set", set])
                // An SFT set may hold no pair, and STS FlagEmbedding rows need a high-level pair with a low-level sibling.
                let mayBeEmpty = set == "sft" || (test.task == "sts" && format == "flagembedding")
                if mayBeEmpty && export.status != 0 && (export.stderr.contains("holds no pairs") || export.stderr.contains("has a negative")) {
                    continue
                }
                #expect(export.status == 0, "\(format) \(set): \(export.stderr)")
                var arguments = [database.path, out.path, test.task, format, set]
                if let taxonomy = test.taxonomy { arguments.append(root.appendingPathComponent("pipelines/\(taxonomy)").path) }
                let checked = try ProcessRunner.run(try TestEnvironment.requirePython(), [reader.path] + arguments)
                #expect(checked.status == 0, "\(test.file) \(format) \(set): \(checked.stderr)")
            }
        }
    }

    @Test("kill -9 at random moments, then the same command: the examples of an uninterrupted run, nothing answered twice", arguments: cases)
    func killAndResume(test: Case) async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-family-kill")
        defer { directory.remove() }
        let root = try Self.workspace(directory, test, copies: 2)
        let reference = directory.file("reference.sqlite"), killed = directory.file("killed.sqlite")
        let behaviour = TestEndpointBehaviour(latency: .milliseconds(40), faultRates: [.serverError: 0.05, .dropConnection: 0.03])
        let clock = ContinuousClock()
        let started = clock.now
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.arguments(root, test, database: reference, chatURL: endpoint.url))
            #expect(result.status == 0, "\(result.stderr)")
        }
        let elapsed = clock.now - started
        let milliseconds = max(400, Int(elapsed.components.seconds) * 1_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000))
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let arguments = try Self.arguments(root, test, database: killed, chatURL: endpoint.url)
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<3 {
                try await RunCommandTests.runAndKill(
                    arguments, afterMilliseconds: Int.random(in: milliseconds / 5...milliseconds * 4 / 5, using: &generator))
            }
            let final = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(final.status == 0, "\(final.stderr)")
            let requests = endpoint.counts().requests
            let again = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(again.status == 0 && endpoint.counts().requests == requests, "a finished run asks nothing")
        }
        let expected = try Self.snapshot(reference), got = try Self.snapshot(killed)
        #expect(got.examples == expected.examples)
        #expect(got.ok_hashes == got.distinct_ok_hashes, "a request was answered twice")
    }

    @Test(
        "each pipeline once against llama.cpp + SmolLM2: every unit done or failed, real answers stored, a rerun asks nothing",
        .timeLimit(.minutes(15)))
    func llamaServer() async throws {
        let server = TestEnvironment.packageRoot.appendingPathComponent("scripts/llama-server")
        let model = try ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [server.path, "model"])
        guard model.status == 0 else {
            print("skipped: llama.cpp + SmolLM2 are not installed (scripts/setup --deps): \(model.stderr)")
            return
        }
        let port = try #require(URL(string: try await TestEndpoint.deadURL())?.port)
        let start = try ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [server.path, "start", "--port", "\(port)"])
        try #require(start.status == 0, "scripts/llama-server start failed: \(start.stdoutText)\(start.stderr)")
        defer { _ = try? ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [server.path, "stop", "--port", "\(port)"]) }
        for test in Self.cases {
            let directory = try TemporaryDirectory(prefix: "pairsmith-family-llama")
            defer { directory.remove() }
            let root = try Self.workspace(directory, test)
            // Two passages (English and Chinese), one sample each, two answers per unit: a 135M model is slow and poor.
            let corpus = root.appendingPathComponent("corpus.jsonl")
            let lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n")
            try ([lines[0], lines[4]].joined(separator: "\n") + "\n").write(to: corpus, atomically: true, encoding: .utf8)
            let file = root.appendingPathComponent("pipelines/\(test.file)")
            var yaml = try String(contentsOf: file, encoding: .utf8)
            yaml = yaml.replacingOccurrences(of: "answer_attempts: 5", with: "answer_attempts: 2")
            for samples in ["samples_per_passage: 2", "samples_per_passage: 4"] {
                yaml = yaml.replacingOccurrences(of: samples, with: "samples_per_passage: 1")
            }
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            let database = directory.file("llama.sqlite")
            let arguments = try Self.arguments(root, test, database: database, chatURL: "http://127.0.0.1:\(port)/v1", chatModel: "smollm2")
            let first = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            // A run whose every unit failed has nothing to select and exits non-zero; the mechanics are what is checked.
            let snapshot = try Self.snapshot(database)
            #expect(snapshot.states.keys.allSatisfy { $0 == "done" || $0 == "failed" }, "\(test.file): \(snapshot.states) \(first.stderr)")
            #expect(snapshot.ok_hashes > 0, "\(test.file): llama.cpp answered nothing: \(first.stderr)")
            print("llama.cpp \(test.file): \(snapshot.states), examples \(snapshot.examples.count), rejects \(snapshot.reasons)")
            let before = snapshot.ok_hashes
            _ = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(try Self.snapshot(database).ok_hashes == before, "\(test.file): the rerun asked llama.cpp again")
        }
    }
}
