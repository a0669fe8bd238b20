import Foundation
import PairsmithConfiguration
import PairsmithTestSupport
import Testing

/// The `pricing:` block: parsed, priced per model with a default, refused with file, line and field when half given.
@Suite("Pricing in the pipeline file")
struct PricingConfigurationTests {
    static let shipped = TestEnvironment.packageRoot.appendingPathComponent("pipelines/retrieval.yaml")

    @Test("pricing: a default and a per-model price; costs per million tokens; none without the block")
    func prices() throws {
        let original = try String(contentsOf: Self.shipped, encoding: .utf8)
        #expect(try PipelineConfiguration.parse(yaml: original, file: Self.shipped).pricing == nil)
        let yaml =
            original + """

                pricing:
                  currency: EUR
                  prompt_per_million: 0.1
                  completion_per_million: 0.4
                  models:
                    Qwen/Qwen3-32B: { prompt_per_million: 2, completion_per_million: 6 }

                """
        let pricing = try #require(try PipelineConfiguration.parse(yaml: yaml, file: Self.shipped).pricing)
        #expect(pricing.currency == "EUR")
        // 1 000 000 prompt + 500 000 completion tokens: 2 + 3 for the named model, 0.1 + 0.2 for any other.
        #expect(abs((pricing.cost(model: "Qwen/Qwen3-32B", prompt: 1_000_000, completion: 500_000) ?? 0) - 5) < 1e-12)
        #expect(abs((pricing.cost(model: "other", prompt: 1_000_000, completion: 500_000) ?? 0) - 0.3) < 1e-12)
        // The report reads the block back from the pipeline text a run stored.
        #expect(PriceTable.stored(in: yaml, file: "stored.yaml") == pricing)
        #expect(PriceTable.stored(in: original, file: "stored.yaml") == nil)
    }

    @Test("a price given one way only, or a negative one, is refused with the field and line")
    func halfPrice() throws {
        let original = try String(contentsOf: Self.shipped, encoding: .utf8)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).count
        let half = original + "\npricing:\n  prompt_per_million: 0.1\n"
        let error = try #require(throws: ConfigurationError.self) { try PipelineConfiguration.parse(yaml: half, file: Self.shipped) }
        #expect(error.field == "pricing.prompt_per_million" && error.message.contains("completion_per_million"), "\(error)")
        #expect(error.line == lines + 2)
        let negative = original + "\npricing:\n  prompt_per_million: -1\n  completion_per_million: 1\n"
        let second = try #require(throws: ConfigurationError.self) { try PipelineConfiguration.parse(yaml: negative, file: Self.shipped) }
        #expect(second.field == "pricing.prompt_per_million", "\(second)")
        let unknown = original + "\npricing:\n  per_token: 1\n"
        let third = try #require(throws: ConfigurationError.self) { try PipelineConfiguration.parse(yaml: unknown, file: Self.shipped) }
        #expect(third.field == "pricing.per_token" && third.message.contains("allowed here"), "\(third)")
    }
}
