import Foundation
import PairsmithTestSupport
@testable import PairsmithEngine

/// The parity checkpoints and their transformers references, made once per script version by
/// `scripts/reference/engine_make_checkpoint.py --suite` and cached under `$PAIRSMITH_CACHE/fixtures/`.
enum EngineFixtures {
    /// The generated suite folder, or the error that prevented making it (the venv missing, a script failure).
    static let suite: Result<URL, any Error> = Result { try makeSuite() }

    /// The folder of one checkpoint of the suite.
    static func folder(_ name: String) throws -> URL {
        try suite.get().appendingPathComponent(name)
    }

    private static func makeSuite() throws -> URL {
        let scripts = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference")
        let generator = scripts.appendingPathComponent("engine_make_checkpoint.py")
        let reference = scripts.appendingPathComponent("engine_reference.py")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for url in [generator, reference] {
            for byte in try Data(contentsOf: url) {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
            }
        }
        let cache = ProcessInfo.processInfo.environment["PAIRSMITH_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/pairsmith")
        let target = cache.appendingPathComponent("fixtures/engine-\(String(hash, radix: 16))")
        if FileManager.default.fileExists(atPath: target.appendingPathComponent("done").path) { return target }
        let python = try TestEnvironment.requirePython()
        let staging = cache.appendingPathComponent("fixtures/engine-staging-\(UUID().uuidString)")
        let result = try ProcessRunner.run(python, [generator.path, "--suite", staging.path])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "\(generator.lastPathComponent) --suite", status: result.status,
                                                 stderr: result.stderr)
        }
        try Data().write(to: staging.appendingPathComponent("done"))
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: staging, to: target)
        return target
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
