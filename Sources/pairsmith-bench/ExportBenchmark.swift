import ArgumentParser
import Foundation
import PairsmithConfiguration
import PairsmithExport
import PairsmithStore
import PairsmithTestSupport

/// `pairsmith-bench export`: rows/s of `pairsmith export` (FlagEmbedding rows written, hashed, fsynced, read back,
/// validated and renamed into place) against scripts/reference/export_reference.py (Python sqlite3 + json.dumps +
/// hashlib, fsync per shard, no read-back) on the same synthetic database, in alternating rounds on the shared
/// machine; the median ratio is reported. The Python side times itself (interpreter start-up not counted).
struct ExportBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export rows/s (written, validated, renamed) vs a Python json.dumps + hashlib exporter on the same database.")

    @Option(help: "Rows (pairs) in the synthetic weak selection.")
    var rows = 20_000

    @Option(help: "Hard negatives per row.")
    var negatives = 7

    @Option(help: "Words per passage.")
    var passageWords = 90

    @Option(help: "Alternating rounds (pairsmith, then the reference).")
    var rounds = 3

    func run() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-bench-export")
        defer { directory.remove() }
        let database = directory.file("bench.sqlite")
        let store = try await makeStore(database)
        var ratios: [Double] = []
        for round in 1...rounds {
            let out = directory.file("pairsmith-\(round)")
            let start = ContinuousClock.now
            let report = try await Exporter(
                store: store, options: ExportOptions(output: out, format: .flagEmbedding, set: .weak)
            ).export()
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            let bytes = try FileManager.default.contentsOfDirectory(atPath: out.path).reduce(0) { total, name in
                total + ((try? FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
            }
            let reference = try referenceSeconds(database: database, out: directory.file("reference-\(round)"))
            ratios.append(seconds / reference)
            print(
                String(
                    format: "round %d: pairsmith %.2f s (%.0f rows/s, %.1f MB/s, %d shards); Python reference %.2f s (%.0f rows/s) → %.2f",
                    round, seconds, Double(report.rows) / seconds, Double(bytes) / seconds / 1e6, report.shards, reference,
                    Double(rows) / reference, seconds / reference))
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: directory.file("reference-\(round)"))
        }
        let median = ratios.sorted()[ratios.count / 2]
        print(String(format: "→ export/reference (median of %d) = %.2f (below 1: faster than Python, which skips the read-back)", rounds, median))
    }

    /// A run with `rows` passages, one scored pair each, `negatives` hard negatives each and a weak selection of all.
    private func makeStore(_ url: URL) async throws -> PairsmithStore {
        let store = try PairsmithStore(url: url)
        let instruction = "Given a web search query, retrieve relevant passages that answer the query"
        _ = try await store.beginRun(
            RunRecord(
                id: "bench", pipelinePath: "bench", pipelineSHA256: "",
                configuration: "embedding:\n  model: bench\n  query_instruction: \(instruction)\n", pairsmithVersion: Pairsmith.version))
        let words = "the of and to in is that for it as was with be by on not this are or from at which but have an they"
            .split(separator: " ").map(String.init)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(words.count))
        }
        var documentIDs: [Int64] = []
        for start in stride(from: 0, to: rows, by: 5_000) {
            let chunk = (start..<min(start + 5_000, rows)).map { index in
                let text = (0..<passageWords).map { _ in words[next()] }.joined(separator: " ") + " (\(index))"
                return DocumentRecord(
                    key: String(format: "doc-%08d", (index * 7_919) % 100_000_000), sourceFile: "bench", sourceLine: index + 1,
                    text: text, lang: "en", langSource: "given", contentHash: "bench-\(index)")
            }
            for outcome in try await store.insertDocuments(chunk) {
                if case .inserted(let id) = outcome { documentIDs.append(id) }
            }
        }
        var pairIDs: [Int64] = []
        for start in stride(from: 0, to: documentIDs.count, by: 5_000) {
            let chunk = documentIDs[start..<min(start + 5_000, documentIDs.count)].map { id in
                ExampleRecord(
                    run: "bench", documentID: id, sample: 0, task: "retrieval",
                    anchor: (0..<8).map { _ in words[next()] }.joined(separator: " ") + "?", anchorInstruction: nil,
                    anchorLanguage: "en", positiveLanguage: "en", lengthWords: 8, requestHash: nil)
            }
            pairIDs += try await store.insertExamples(chunk)
        }
        for start in stride(from: 0, to: pairIDs.count, by: 5_000) {
            let chunk = Array(pairIDs[start..<min(start + 5_000, pairIDs.count)])
            try await store.storeScores(chunk.map { ScoreRecord(pairID: $0, model: "bench", cosine: 0.8) }, vectors: [])
            var records: [NegativeRecord] = []
            let searches = chunk.map { pairID in
                for rank in 0..<negatives {
                    records.append(
                        NegativeRecord(
                            pairID: pairID, documentID: documentIDs[(Int(pairID) * 31 + rank * 977) % documentIDs.count], rank: rank, score: 0.5))
                }
                return NegativeSearchRecord(
                    pairID: pairID, model: "bench", requested: negatives, found: negatives, rankFrom: 1, rankTo: 100, guardFactor: 0.95)
            }
            try await store.storeNegatives(searches: searches, negatives: records)
        }
        _ = try await store.insertSelection(
            SelectionRecord(run: "bench", set: .weak, model: "bench", parameters: "{}", low: nil, high: nil, records: 0),
            pairIDs: pairIDs)
        print("database: \(rows) rows, \(negatives) negatives each, \(passageWords)-word passages")
        return store
    }

    /// Seconds the Python reference exporter reports.
    private func referenceSeconds(database: URL, out: URL) throws -> Double {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/export_reference.py")
        let result = try ProcessRunner.run(try TestEnvironment.requirePython(), [script.path, database.path, out.path, "--set", "weak"])
        guard result.status == 0, let object = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
            let seconds = object["seconds"] as? Double
        else { throw ValidationError("export_reference.py failed (\(result.status)): \(result.stderr)") }
        return seconds
    }
}
