import ArgumentParser
import PairsmithConfiguration

/// The `pairsmith` command: argument parsing only; the work lives in the library targets.
@main
struct PairsmithCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairsmith",
        abstract: "Manufacture training data for text-embedding models, the Qwen3-Embedding way.",
        discussion: """
            Persona-matched, instruction-aware query generation with an OpenAI-compatible chat endpoint, \
            every step kept in SQLite, pairs filtered by a local Qwen3 embedding engine, exported as training JSONL.
            """,
        version: Pairsmith.version,
        subcommands: [
            Run.self, Status.self, Select.self, Merge.self, Negatives.self, Export.self, Report.self, Plan.self, Tokenize.self,
            Embed.self, Rerank.self, Models.self,
        ]
    )
}
