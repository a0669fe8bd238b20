import Foundation
import PairsmithEngine
import PairsmithMatching
import PairsmithStore
import PairsmithTestSupport

/// Inputs for whole-pipeline tests: a small pipeline file (short queries, quick back-off), an English corpus, a
/// small persona library and a random-weight embedding checkpoint from the engine's parity suite.
enum RunFixtures {
    /// A folder holding `pipeline.yaml`, its prompts, `corpus.jsonl` and `personas.jsonl`.
    static func workspace(_ directory: TemporaryDirectory, passages: Int = 12, answerAttempts: Int = 3) throws -> URL {
        let root = directory.url
        let prompts = root.appendingPathComponent("prompts")
        try FileManager.default.createDirectory(at: prompts, withIntermediateDirectories: true)
        let shipped = TestEnvironment.packageRoot.appendingPathComponent("prompts/retrieval")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: prompts.appendingPathComponent(name))
        }
        try pipelineYAML(answerAttempts: answerAttempts).write(to: root.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        try corpus(passages).write(to: root.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        try personas().write(to: root.appendingPathComponent("personas.jsonl"), atomically: true, encoding: .utf8)
        return root
    }

    static func pipelineYAML(answerAttempts: Int) -> String {
        """
        name: retrieval
        prompts:
          directory: prompts
          configure: configure.mustache
          configure_schema: configure.schema.json
          generate: generate.mustache
          generate_schema: generate.schema.json
        endpoints:
          - url: http://127.0.0.1:9/v1
            model: test-model
            concurrency: 8
        sampling:
          temperature: 0.7
          top_p: 0.8
          max_tokens: 256
        personas:
          library: personas.jsonl
          candidates: 5
        embedding:
          model: test-embedding
          query_instruction: Given a web search query, retrieve relevant passages that answer the query
          batch_size: 8
        samples_per_passage: 2
        query:
          length:
            - { min: 2, max: 4, weight: 0.7 }
            - { min: 5, max: 6, weight: 0.3 }
          language:
            cross_lingual_share: 0.0
            cross_lingual:
              en: 1.0
        concurrency:
          configure: 6
          generate: 6
        retries:
          answer_attempts: \(answerAttempts)
          transport_attempts: 8
          initial_backoff_seconds: 0.01
          max_backoff_seconds: 0.05
        validation:
          length_ratio_min: 0.5
          length_ratio_max: 2.0
          max_passage_overlap: 0.8
        selection:
          similarity_threshold: 0.7

        """
    }

    static func corpus(_ count: Int) -> String {
        let topics = [
            "ferry timetables", "bread baking", "heat pumps", "ocean tides", "bicycle repair", "tea farming",
            "glacier retreat", "library lending", "bee keeping", "solar panels", "river fishing", "chess openings",
            "wool dyeing", "rail signalling", "mountain huts", "coffee roasting",
        ]
        return (0..<count).map { index in
            let topic = topics[index % topics.count]
            let text =
                "This passage number \(index) explains \(topic) in plain words. It describes how people learn about "
                + "\(topic), which tools they use, and why the seasons change the work. Readers also find a short history "
                + "of \(topic) and advice for beginners who want to start."
            return "{\"id\": \"doc-\(index)\", \"text\": \"\(text)\", \"lang\": \"en\"}"
        }.joined(separator: "\n") + "\n"
    }

    static func personas() -> String {
        let people = [
            "a retired ferry captain in Bergen", "a baker in Lyon who runs night shifts", "a heating engineer in Leeds",
            "a marine biology student in Busan", "a bicycle courier in Bogotá", "a tea farmer in Darjeeling",
            "a glaciologist in Zurich", "a school librarian in Nairobi", "a bee keeper in Tasmania",
            "an electrician installing solar panels in Phoenix", "a fishing guide in Montana", "a chess coach in Chennai",
        ]
        return people.map { "{\"persona\": \"\($0), curious and practical.\"}" }.joined(separator: "\n") + "\n"
    }

    /// The embedding checkpoint `emb-f32-gqa` of the engine's parity suite, made (once, cached under
    /// `$PAIRSMITH_CACHE/fixtures/`) by `scripts/reference/engine_make_checkpoint.py --suite`, the same cache the
    /// engine tests use.
    static let embeddingModel: Result<URL, any Error> = Result { try EngineCheckpointSuite.checkpoint("emb-f32-gqa") }

    /// An embed function over the test checkpoint.
    static func embedder() throws -> EmbedTexts {
        let embedder = try Embedder(folder: try embeddingModel.get())
        return { texts in try await embedder.embed(texts) }
    }

    /// The pairs of the run as (unit key → query), for comparing runs.
    static func queries(_ store: PairsmithStore) async throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in try await store.examples(run: "retrieval") {
            let document = try await store.document(id: pair.documentID)
            result["\(document?.key ?? "?")/\(pair.sample)"] = pair.anchor
        }
        return result
    }
}
