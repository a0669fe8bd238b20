import Foundation
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import Testing

/// The environment variable that turns ``SelectionKillTests/scoreChild()`` into a score-stage worker on that database.
private let scoreChildVariable = "PAIRSMITH_SCORE_CHILD_DB"

@Suite("Selection: kill -9 in the score stage")
struct SelectionKillTests {
    typealias F = SelectionFixtures

    static let documents = 150

    /// A store with two queries for each of ``documents`` passages.
    static func seed(_ url: URL) async throws {
        let store = try PairsmithStore(url: url)
        let ids = try await F.addDocuments(store, F.corpus(documents))
        try await F.addPairs(
            store, run: "r",
            ids.enumerated().flatMap { index, id in
                F.queries(for: index, count: 2).enumerated().map { (id, $0, "\($1) number \(index)") }
            })
    }

    @Test("a score stage killed with SIGKILL keeps whole batches (score and query vector together); the rerun embeds only the rest")
    func killAndResume() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-score-kill")
        defer { directory.remove() }
        let url = directory.file("db.sqlite")
        try await Self.seed(url)
        let child = try spawnChild(database: url)
        let store = try PairsmithStore(url: url)
        var progressed = false
        let giveUp = ContinuousClock.now + .seconds(240)
        while !progressed && child.isRunning && ContinuousClock.now < giveUp {
            try await Task.sleep(for: .milliseconds(5))
            progressed = try await store.scoreCount(run: "r", model: "bytes") >= 48
        }
        #expect(child.isRunning, "the score child exited early")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(progressed, "the score child made no progress")

        let reopened = try PairsmithStore(url: url)
        let scoredBefore = try await reopened.scoredPairs(run: "r", model: "bytes").filter { $0.cosine != nil }
        let queryVectors = try await reopened.queryVectors(run: "r", model: "bytes")
        #expect(scoredBefore.count < 2 * Self.documents, "the child finished before the kill; slow it down")
        #expect(Set(queryVectors.keys) == Set(scoredBefore.map(\.pairID)), "a score without its query vector or the reverse")
        #expect(scoredBefore.count % 16 == 0, "only whole batches of 16 are committed, found \(scoredBefore.count)")

        let embedder = F.CountingEmbedder()
        let stage = ScoreStage(store: reopened, model: "bytes", instruction: F.instruction, batchSize: 16, embedBatchSize: 8, embed: embedder.embed)
        let report = try await stage.scoreAll(run: "r")
        #expect(report.alreadyScored == scoredBefore.count && report.scoredNow == 2 * Self.documents - scoredBefore.count)
        let embedded = Set(embedder.embedded)
        for pair in scoredBefore { #expect(!embedded.contains(stage.instructed(pair.anchor))) }
        let documents = try await reopened.documents(ids: try await reopened.scoredPairs(run: "r", model: "bytes").map(\.documentID))
        for pair in try await reopened.scoredPairs(run: "r", model: "bytes") {
            let expected = Cosine.of(
                F.byteFeatures(stage.instructed(pair.anchor)), F.byteFeatures(documents[pair.documentID]?.text ?? ""))
            #expect(abs((pair.cosine ?? 9) - expected) < 1e-5)
        }
    }

    @Test(
        "score child: scores slowly until killed (runs only when spawned by the kill test)",
        .enabled(if: ProcessInfo.processInfo.environment[scoreChildVariable] != nil, "a helper process of the kill test"))
    func scoreChild() async throws {
        let path = try #require(ProcessInfo.processInfo.environment[scoreChildVariable])
        let store = try PairsmithStore(path: path)
        let stage = ScoreStage(store: store, model: "bytes", instruction: F.instruction, batchSize: 16, embedBatchSize: 8) { texts in
            try await Task.sleep(for: .milliseconds(150))
            return texts.map(SelectionFixtures.byteFeatures)
        }
        _ = try await stage.scoreAll(run: "r")
        try await Task.sleep(for: .seconds(300))  // the parent kills it; finishing early is reported there
    }

    /// Starts this test binary again, running only ``scoreChild()``, pointed at `database`.
    private func spawnChild(database: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = ["--testing-library", "swift-testing", "--filter", "scoreChild"]
        process.environment = ProcessInfo.processInfo.environment.merging([scoreChildVariable: database.path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
