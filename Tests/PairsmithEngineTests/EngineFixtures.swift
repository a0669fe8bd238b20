import Foundation
import PairsmithTestSupport
@testable import PairsmithEngine

/// The parity checkpoints and their transformers references, made once per script version by
/// `scripts/reference/engine_make_checkpoint.py --suite` and cached under `$PAIRSMITH_CACHE/fixtures/`.
enum EngineFixtures {
    /// The generated suite folder, or the error that prevented making it (the venv missing, a script failure).
    static var suite: Result<URL, any Error> { EngineCheckpointSuite.folder }

    /// The folder of one checkpoint of the suite.
    static func folder(_ name: String) throws -> URL {
        try suite.get().appendingPathComponent(name)
    }
}

/// One embedding parity case as written by engine_reference.py.
struct EmbeddingCase: Decodable {
    var text: String
    var instruction: String?
    var ids: [Int]
    var max_length: Int
    var embeddings: [String: [Double]]
}

/// The reference file of an embedding checkpoint.
struct EmbeddingReference: Decodable {
    var hidden: Int
    var dims: [Int]
    var cases: [EmbeddingCase]
}

/// One reranker parity case.
struct RerankCase: Decodable {
    var query: String
    var document: String
    var instruction: String
    var max_length: Int
    var ids: [Int]
    var score: Double
}

/// The reference file of a reranker checkpoint.
struct RerankReference: Decodable {
    var yes: Int
    var no: Int
    var cases: [RerankCase]
}

extension EngineFixtures {
    /// Decodes `reference.json` of a suite checkpoint.
    static func reference<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: folder(name).appendingPathComponent("reference.json")))
    }
}

/// Cosine similarity and largest absolute difference of two vectors.
func compare(_ a: [Float], _ b: [Double]) -> (cosine: Double, maxDelta: Double) {
    var dot = 0.0, na = 0.0, nb = 0.0, delta = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * y
        na += Double(x) * Double(x)
        nb += y * y
        delta = max(delta, abs(Double(x) - y))
    }
    return (dot / (na * nb).squareRoot(), delta)
}
