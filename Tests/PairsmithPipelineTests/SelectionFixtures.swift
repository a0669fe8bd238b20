import Foundation
import PairsmithMatching
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Synchronization

/// Stores, documents, pairs and a deterministic stand-in embedder for the selection tests.
enum SelectionFixtures {
    /// A short task instruction (a long one would make every byte-feature query look alike).
    static let instruction = "Find it"

    /// Byte and byte-pair counts (512 values): deterministic, cheap, reproduced by ``featuresPython``.
    static func byteFeatures(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: 512)
        var previous: Int?
        for byte in text.utf8 {
            vector[Int(byte)] += 1
            if let previous { vector[256 + (previous * 31 + Int(byte)) % 256] += 1 }
            previous = Int(byte)
        }
        return vector
    }

    /// The same features in numpy, float64, L2-normalised.
    static let featuresPython = """
        import numpy as np
        def features(text):
            v = np.zeros(512)
            prev = None
            for b in text.encode("utf-8"):
                v[b] += 1
                if prev is not None:
                    v[256 + (prev * 31 + b) % 256] += 1
                prev = b
            return v / np.linalg.norm(v)
        """

    /// An embedder over ``byteFeatures(_:)`` that counts the texts it embeds.
    final class CountingEmbedder: Sendable {
        let texts = Mutex<[String]>([])
        /// Fails once this many texts were embedded (simulating a crash mid-stage), when set.
        let failAfter: Int?

        init(failAfter: Int? = nil) { self.failAfter = failAfter }

        var embed: EmbedTexts {
            { [self] batch in
                try texts.withLock { seen in
                    if let failAfter, seen.count + batch.count > failAfter { throw CancellationError() }
                    seen.append(contentsOf: batch)
                }
                return batch.map(SelectionFixtures.byteFeatures)
            }
        }

        var embedded: [String] { texts.withLock { $0 } }
    }

    /// Stores documents `(key, text)`; returns their ids in order.
    static func addDocuments(_ store: PairsmithStore, _ documents: [(key: String, text: String)]) async throws -> [Int64] {
        let outcomes = try await store.insertDocuments(
            documents.enumerated().map { index, document in
                DocumentRecord(
                    key: document.key, sourceFile: "test.jsonl", sourceLine: index + 1, text: document.text, lang: "en",
                    langSource: "given", contentHash: ContentHash.sha256(document.text))
            })
        return outcomes.map { outcome in
            switch outcome {
            case .inserted(let id), .alreadyPresent(let id): id
            default: -1
            }
        }
    }

    /// Stores pairs `(document id, sample, query)` of `run`; returns their ids in order.
    @discardableResult
    static func addPairs(_ store: PairsmithStore, run: String, _ pairs: [(documentID: Int64, sample: Int, query: String)]) async throws -> [Int64] {
        try await store.insertExamples(
            pairs.map { pair in
                ExampleRecord(
                    run: run, documentID: pair.documentID, sample: pair.sample, task: "retrieval", anchor: pair.query,
                    anchorInstruction: nil, anchorLanguage: "en", positiveLanguage: "en", lengthWords: pair.query.split(separator: " ").count,
                    requestHash: nil)
            })
    }

    /// Runs `script` with the reference Python, feeding `input` as JSON; returns its JSON output.
    static func python(_ script: String, input: Any) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: input)
        let output = try ProcessRunner.python(script, stdin: data)
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw TestSupportError.missingPrerequisite("the Python reference printed no JSON object")
        }
        return object
    }

    /// A small English corpus of `count` passages over a few topics.
    static func corpus(_ count: Int) -> [(key: String, text: String)] {
        let topics = [
            "ferry timetables", "bread baking", "heat pumps", "ocean tides", "bicycle repair", "tea farming",
            "glacier retreat", "library lending",
        ]
        return (0..<count).map { index in
            let topic = topics[index % topics.count]
            return (
                "doc-\(String(format: "%03d", index))",
                "Passage \(index) explains \(topic): how people learn about \(topic), which tools they use, and why the seasons change the work."
            )
        }
    }

    /// Queries of varying closeness to their passage's topic.
    static func queries(for index: Int, count: Int) -> [String] {
        let topics = [
            "ferry timetables", "bread baking", "heat pumps", "ocean tides", "bicycle repair", "tea farming",
            "glacier retreat", "library lending",
        ]
        let topic = topics[index % topics.count]
        let forms = [
            "how do people learn about \(topic) and which tools do they use",
            "\(topic) seasons",
            "why does the work on \(topic) change with the seasons",
            "zebra quantum xylophone \(index)",
            "what tools are used for \(topic)",
            "history of \(topic) for beginners",
        ]
        return (0..<count).map { forms[(index + $0 * 2) % forms.count] }
    }
}
