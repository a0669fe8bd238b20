import Foundation
import PairsmithIngest
import PairsmithMatching
import PairsmithStore
import PairsmithTestSupport
import Synchronization
import Testing

/// A stand-in embedder whose vectors are byte and byte-pair counts: cheap, deterministic, and easy to reproduce
/// in the Python reference below.
private func byteFeatures(_ text: String) -> [Float] {
    var vector = [Float](repeating: 0, count: 512)
    var previous: Int?
    for byte in text.utf8 {
        vector[Int(byte)] += 1
        if let previous { vector[256 + (previous * 31 + Int(byte)) % 256] += 1 }
        previous = Int(byte)
    }
    return vector
}

private let referenceScript = """
    import json, sys
    import numpy as np
    data = json.load(sys.stdin)
    def features(text):
        v = np.zeros(512)
        prev = None
        for b in text.encode("utf-8"):
            v[b] += 1
            if prev is not None:
                v[256 + (prev * 31 + b) % 256] += 1
            prev = b
        return v / np.linalg.norm(v)
    personas = np.array([features(t) for t in data["personas"]])
    documents = np.array([features(t) for t in data["documents"]])
    scores = documents @ personas.T
    print(json.dumps({"scores": scores.tolist()}))
    """

@Suite("Persona matching")
struct PersonaMatcherTests {
    @Test("top-5 personas per passage match a numpy brute-force reference; vectors are cached; usage is reported")
    func matching() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-match")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let library = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("personas/personas.jsonl"), encoding: .utf8)
        let subset = directory.file("personas.jsonl")
        try Data(library.split(separator: "\n").prefix(200).joined(separator: "\n").utf8).write(to: subset)
        _ = try await PersonaLoader(store: store).load(subset)
        let corpus = directory.file("corpus.jsonl")
        let passages = (0..<40).map { index in
            [
                "The ferry timetable changes in winter", "Rice prices rose after the drought", "A new metro line opens in Hanoi",
                "Nurses ask for safer night shifts", "How to repair a diesel engine", "The museum restores an old loom",
                "Solar pumps for village irrigation", "Stock markets fell on Monday",
            ][index % 8] + " (report \(index))."
        }
        try Data(passages.map { #"{"id": "\#($0)", "text": "\#($0)"}"# }.joined(separator: "\n").utf8).write(to: corpus)
        _ = try await CorpusIngester(store: store).ingest(corpus)

        let calls = Mutex(0)
        let matcher = PersonaMatcher(store: store, model: "bytes-512", candidates: 5, batchSize: 16) { texts in
            calls.withLock { $0 += 1 }
            return texts.map(byteFeatures)
        }
        let report = try await matcher.matchAll(run: "r")
        #expect(report.matchedNow == 40)
        #expect(report.slots == 200 && report.personaCount == 200)
        #expect(report.personasUsed >= 5 && report.personasUsed <= 200)
        #expect(report.gini >= 0 && report.gini <= 1)
        #expect(report.description.contains("of 200 personas used"))

        // The reference: the same features in float64 numpy, brute force.
        let personas = try await store.personas()
        let documents = try await store.documents(limit: 100)
        let input = try JSONSerialization.data(withJSONObject: ["personas": personas.map(\.text), "documents": documents.map(\.text)])
        let output = try ProcessRunner.python(referenceScript, stdin: input)
        let scores = try #require((try JSONSerialization.jsonObject(with: output) as? [String: Any])?["scores"] as? [[Double]])
        let personaIndex = Dictionary(uniqueKeysWithValues: personas.enumerated().map { ($1.id!, $0) })
        for (row, document) in documents.enumerated() {
            let candidates = try await store.candidates(run: "r", documentID: document.id!)
            #expect(candidates.map(\.rank) == [0, 1, 2, 3, 4])
            let best = scores[row].sorted(by: >).prefix(5)
            for (candidate, expected) in zip(candidates, best) {
                #expect(abs(candidate.score - expected) < 1e-4, "document \(document.key) rank \(candidate.rank)")
                let reference = scores[row][personaIndex[candidate.personaID]!]
                #expect(abs(candidate.score - reference) < 1e-4)
            }
        }

        // Everything is cached now: a second pass embeds nothing and matches nothing.
        let before = calls.withLock { $0 }
        let again = try await matcher.matchAll(run: "r")
        #expect(again.matchedNow == 0)
        #expect(calls.withLock { $0 } == before)
        // A new run reuses the cached vectors but writes its own candidates.
        let other = try await matcher.matchAll(run: "other")
        #expect(other.matchedNow == 40)
        #expect(calls.withLock { $0 } == before)
    }

    @Test("the usage report's Gini coefficient is 0 when even and grows when uneven")
    func gini() {
        #expect(MatchReport(matchedNow: 0, personaCount: 4, usage: [1: 5, 2: 5, 3: 5, 4: 5]).gini == 0)
        let skewed = MatchReport(matchedNow: 0, personaCount: 4, usage: [1: 20])
        #expect(abs(skewed.gini - 0.75) < 1e-9)
        #expect(skewed.personasUsed == 1 && skewed.maxUses == 20)
    }

    @Test("exact top-k breaks ties by index and handles k above the key count")
    func topK() {
        let keys: [Float] = [1, 0, 0, 1, 1, 0, -1, 0]  // 4 keys of dimension 2
        let matches = TopK.search(queries: [1, 0], queryCount: 1, keys: keys, keyCount: 4, dimension: 2, k: 10)
        #expect(matches[0].map(\.index) == [0, 2, 1, 3])
        #expect(TopK.normalised([3, 4]) == [0.6, 0.8])
    }
}
