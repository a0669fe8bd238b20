import Foundation
import PairsmithStore
import PairsmithTestSupport
import PairsmithTokenizer
import Testing

/// `pairsmith report`, `run --preview` and `plan` as a user runs them, against the test endpoint in this process; the
/// page is checked by `scripts/reference/report_check.py` (written from the SQLite schema, not from the Swift code),
/// in headless Chromium with no network.
@Suite("pairsmith report, preview and plan", .serialized)
struct ReportCommandTests {
    static let checker = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/report_check.py").path

    /// A retrieval workspace with cross-lingual queries and a price table.
    static func workspace(_ directory: TemporaryDirectory, passages: Int) throws -> URL {
        let root = try RunCommandTests.workspace(directory, passages: passages)
        let file = root.appendingPathComponent("pipeline.yaml")
        var yaml = try String(contentsOf: file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "cross_lingual_share: 0.0", with: "cross_lingual_share: 0.5")
        yaml += "\npricing:\n  currency: USD\n  prompt_per_million: 0.5\n  completion_per_million: 1.5\n"
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return root
    }

    static func pairsmith(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
    }

    static func check(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(try TestEnvironment.requirePython(), [checker] + arguments)
    }

    /// Writes the report of `database`, then checks its figures, its offline-ness and its screenshots at two widths.
    static func reportAndCheck(_ database: URL, in directory: TemporaryDirectory, name: String) async throws {
        let html = directory.file("\(name).html"), statusFile = directory.file("\(name)-status.json")
        let report = try await pairsmith(["report", "--db", database.path, "--out", html.path])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdoutText.contains(html.path))
        let status = try await pairsmith(["status", "--db", database.path, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        try status.stdout.write(to: statusFile)

        let figures = try check(["figures", "--db", database.path, "--html", html.path, "--status-json", statusFile.path])
        #expect(figures.status == 0, "\(figures.stdoutText)\(figures.stderr)")
        let offline = try check(["offline", "--html", html.path])
        #expect(offline.status == 0, "\(offline.stdoutText)\(offline.stderr)")
        let browser = try check(["browser", "--html", html.path, "--out", directory.file("\(name)-shots").path, "--widths", "1280,420"])
        #expect(browser.status == 0, "\(browser.stdoutText)\(browser.stderr)")
        print(figures.stdoutText + browser.stdoutText)

        // The checks can fail: one number changed on the page, and one outside reference added, are caught.
        let page = try String(contentsOf: html, encoding: .utf8)
        let marker = #"data-figure="funnel.passages" data-value=""#
        let range = try #require(page.range(of: marker))
        let digits = page[range.upperBound...].prefix { $0.isNumber }
        let tampered = page.replacingCharacters(
            in: range.upperBound..<page.index(range.upperBound, offsetBy: digits.count), with: String((Int(digits) ?? 0) + 1))
        let wrong = directory.file("\(name)-tampered.html")
        try (tampered.replacingOccurrences(of: "</style>", with: "</style><link rel=\"stylesheet\" href=\"https://example.com/x.css\">"))
            .write(to: wrong, atomically: true, encoding: .utf8)
        let caught = try check(["figures", "--db", database.path, "--html", wrong.path])
        #expect(caught.status != 0 && caught.stdoutText.contains("funnel.passages"), "\(caught.stdoutText)")
        let leaked = try check(["offline", "--html", wrong.path])
        #expect(leaked.status != 0 && leaked.stdoutText.contains("example.com"), "\(leaked.stdoutText)")
    }

    @Test("the report of a fresh run equals the database's figures, is offline, and renders at two widths; status agrees")
    func reportOfFreshRun() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-report")
        defer { directory.remove() }
        let workspace = try Self.workspace(directory, passages: 8)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: [.notJSON: 0.1, .wrongSchema: 0.1])) { endpoint in
            let run = try await Self.pairsmith(try RunCommandTests.runArguments(workspace, database: database, endpoint: endpoint))
            #expect(run.status == 0, "\(run.stderr)")
        }
        try await Self.reportAndCheck(database, in: directory, name: "fresh")

        // The spend in status --json is the price table applied to the tokens the endpoint reported.
        let status = try await Self.pairsmith(["status", "--db", database.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: status.stdout) as? [String: Any])
        let prompt = try #require(object["promptTokens"] as? Int), completion = try #require(object["completionTokens"] as? Int)
        let report = try #require((object["reports"] as? [String: Any])?["retrieval"] as? [String: Any])
        let cost = try #require(report["total_cost"] as? Double)
        #expect(prompt > 0 && abs(cost - (Double(prompt) * 0.5 + Double(completion) * 1.5) / 1e6) < 1e-12)
        let text = try await Self.pairsmith(["status", "--db", database.path])
        #expect(text.stdoutText.contains("report retrieval: passages 8") && text.stdoutText.contains("spend: "), "\(text.stdoutText)")
        // A run that is not there is a clear error.
        let missing = try await Self.pairsmith(["report", "--db", database.path, "--out", directory.file("x.html").path, "--run", "nope"])
        #expect(missing.status != 0 && missing.stderr.contains("no run named nope"), "\(missing.stderr)")
    }

    @Test("the report of the v3 fixture database (an earlier release) is right too")
    func reportOfOldDatabase() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-report-v3")
        defer { directory.remove() }
        let database = directory.file("run.sqlite")
        try FileManager.default.copyItem(
            at: TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/v3-retrieval/run.sqlite"), to: database)
        try await Self.reportAndCheck(database, in: directory, name: "v3")
    }

    @Test("run --preview prints prompts, answers, verdicts and examples, and stores nothing in --db")
    func previewStoresNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-preview")
        defer { directory.remove() }
        let workspace = try Self.workspace(directory, passages: 4)
        let fresh = directory.file("never.sqlite"), existing = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            var arguments = try RunCommandTests.runArguments(workspace, database: fresh, endpoint: endpoint)
            let preview = try await Self.pairsmith(arguments + ["--preview", "2"])
            #expect(preview.status == 0, "\(preview.stderr)")
            let out = preview.stdoutText
            #expect(out.contains("── prompt") && out.contains("── answer 1") && out.contains("━━ examples:"), "\(out)")
            #expect(out.contains("━━ unit retrieval/configure/") && out.contains("━━ unit retrieval/generate/"))
            #expect(out.contains("✓ accepted") && out.contains("nothing was stored in \(fresh.path)"))
            #expect(!FileManager.default.fileExists(atPath: fresh.path))

            // A database that holds a run already: the preview leaves every table as it was.
            arguments = try RunCommandTests.runArguments(workspace, database: existing, endpoint: endpoint)
            let run = try await Self.pairsmith(arguments + ["--limit", "2"])
            #expect(run.status == 0, "\(run.stderr)")
            let before = try await Self.pairsmith(["status", "--db", existing.path, "--json"])
            let requests = endpoint.counts().requests
            let again = try await Self.pairsmith(arguments + ["--preview", "3"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(endpoint.counts().requests > requests)  // the preview really asked
            let after = try await Self.pairsmith(["status", "--db", existing.path, "--json"])
            func counts(_ result: ProcessResult) throws -> [String] {
                let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
                return ["documents", "examples", "llmCalls", "stageOutputs", "scores", "promptTokens"].map { "\($0)=\(object[$0] ?? "-")" }
            }
            #expect(try counts(before) == counts(after))
        }
    }

    /// The Qwen3 tokenizer.json, located by the reference script.
    static func tokenizerPath() throws -> String {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/tokenizer_reference.py").path
        let result = try ProcessRunner.run(try TestEnvironment.requirePython(), [script, "locate"])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "tokenizer_reference.py locate", status: result.status, stderr: result.stderr)
        }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("plan's prompt-token estimate is within 5% of what an endpoint counting with the Qwen3 tokenizer reports")
    func planWithinFivePercent() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-plan")
        defer { directory.remove() }
        let workspace = try Self.workspace(directory, passages: 10)
        let database = directory.file("run.sqlite")
        let tokenizerFile = try Self.tokenizerPath()
        let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerFile))
        var behaviour = TestEndpointBehaviour()
        behaviour.promptTokenCounter = { messages in
            tokenizer.encode(TestEndpointBehaviour.qwen3ChatPrompt(messages), addSpecialTokens: false).count
        }
        let planArguments = [
            "plan", workspace.appendingPathComponent("pipeline.yaml").path, "--corpus", workspace.appendingPathComponent("corpus.jsonl").path,
            "--personas", workspace.appendingPathComponent("personas.jsonl").path, "--tokenizer", tokenizerFile, "--json",
            "--throughput", "100",
        ]
        let before = try await Self.pairsmith(planArguments)
        #expect(before.status == 0, "\(before.stderr)")
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let run = try await Self.pairsmith(try RunCommandTests.runArguments(workspace, database: database, endpoint: endpoint))
            #expect(run.status == 0, "\(run.stderr)")
        }
        let status = try await Self.pairsmith(["status", "--db", database.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: status.stdout) as? [String: Any])
        let reported = try #require(object["promptTokens"] as? Int), calls = try #require(object["llmCalls"] as? Int)
        let after = try await Self.pairsmith(planArguments + ["--db", database.path])
        #expect(after.status == 0, "\(after.stderr)")
        func plan(_ result: ProcessResult) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        }
        let cold = try plan(before), warm = try plan(after)
        // Without a database: the mean prompt tokens per request, over the stages, weighted as the run asked.
        let coldStages = try #require(cold["stages"] as? [[String: Any]])
        let warmStages = try #require(warm["stages"] as? [[String: Any]])
        let warmRequests = warmStages.map { $0["requests"] as? Int ?? 0 }.reduce(0, +)
        let warmPrompt = warmStages.map { $0["promptTokens"] as? Int ?? 0 }.reduce(0, +)
        let coldPerRequest =
            zip(coldStages, warmStages).map { cold, warm in
                (cold["promptTokensPerRequest"] as? Double ?? 0) * Double(warm["requests"] as? Int ?? 0)
            }.reduce(0, +) / Double(max(1, warmRequests))
        let actualPerRequest = Double(reported) / Double(max(1, calls))
        print(
            "plan: \(warmPrompt) prompt tokens for \(warmRequests) requests; endpoint reported \(reported) for \(calls) calls; "
                + "per request: plan \(coldPerRequest), endpoint \(actualPerRequest)")
        #expect(warmRequests == calls)
        #expect(abs(Double(warmPrompt) - Double(reported)) <= 0.05 * Double(reported), "plan \(warmPrompt), endpoint \(reported)")
        #expect(abs(coldPerRequest - actualPerRequest) <= 0.05 * actualPerRequest, "plan \(coldPerRequest), endpoint \(actualPerRequest)")
        // With a database, completion tokens come from what the stages' answers took, not from max_tokens.
        let pastCompletion = warmStages.compactMap { $0["pastCompletionTokensPerRequest"] as? Double }
        #expect(pastCompletion.count == warmStages.count)
        #expect((warm["notes"] as? [String] ?? []).allSatisfy { !$0.contains("no earlier run") })
        #expect((warm["cost"] as? Double ?? 0) > 0 || (warm["currency"] as? String) == "USD")
    }
}
