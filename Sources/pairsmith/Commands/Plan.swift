import ArgumentParser
import Foundation
import PairsmithConfiguration
import PairsmithPipeline
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith plan`: what a run would ask and cost, without asking anything.
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estimate a run: requests per stage, prompt and completion tokens, cost and wall time.",
            discussion: """
                Renders the prompts of a sample of passages and counts their tokens with the real tokenizer, inside the \
                chat template a Qwen3 server applies. Completion tokens come from max_tokens, or from earlier runs of the \
                pipeline when --db names a database that has some (which also gives the requests per unit). Costs use \
                the pipeline's pricing: block. Nothing is sent to any endpoint and nothing is written.
                """)

        @Argument(help: "The pipeline file (YAML).")
        var pipeline: String

        @Option(help: "The corpus: JSONL lines {\"id\", \"text\", \"lang\"?}.")
        var corpus: String

        @Option(help: "A database with earlier runs of this pipeline (requests per unit, completion tokens).")
        var db: String?

        @Option(help: "The Qwen3 tokenizer.json, or a model folder holding one (default: the pipeline's chunking.tokenizer).")
        var tokenizer: String?

        @Option(help: "A persona library (JSONL) instead of the pipeline's.")
        var personas: String?

        @Option(help: "Plan for at most this many passages, as run --limit.")
        var limit: Int?

        @Option(help: "Passages whose prompts are rendered and counted.")
        var sample = 32

        @Option(help: "Completion tokens per second the endpoints give, for the wall-time estimate.")
        var throughput: Double = 0

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if sample < 1 { throw ValidationError("--sample must be at least 1") }
            if throughput < 0 { throw ValidationError("--throughput must be 0 or more") }
        }

        func run() async throws {
            let configuration = try PipelineConfiguration.load(from: URL(fileURLWithPath: pipeline))
            var tokenizerURL = tokenizer.map { URL(fileURLWithPath: $0) } ?? configuration.chunking?.tokenizer
            if let url = tokenizerURL {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
                    tokenizerURL = url.appendingPathComponent("tokenizer.json")
                }
            }
            guard let tokenizerURL else {
                throw ValidationError("give the Qwen3 tokenizer with --tokenizer FILE (a tokenizer.json or a model folder)")
            }
            let store = try db.map { try PairsmithStore.openExisting(url: URL(fileURLWithPath: $0)) }
            let plan: RunPlan
            do {
                plan = try await RunPlan.make(
                    configuration: configuration, corpus: URL(fileURLWithPath: corpus), limit: limit, sample: sample,
                    personas: personas.map { URL(fileURLWithPath: $0) }, tokenizer: tokenizerURL, store: store,
                    throughput: throughput)
            } catch let error as RunPlanError {
                throw ValidationError(error.description)
            }
            if json {
                var object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(plan)) as? [String: Any] ?? [:]
                object["requests"] = plan.requests
                object["promptTokens"] = plan.promptTokens
                object["completionTokens"] = plan.completionTokens
                object["cost"] = plan.cost
                object["wallSeconds"] = plan.wallSeconds
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(plan.text)
            }
        }
    }
}
