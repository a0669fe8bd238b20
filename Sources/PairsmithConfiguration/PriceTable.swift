import Foundation
import Yams

/// The optional `pricing:` block of a pipeline file: what a million prompt and completion tokens cost, by model
/// (a default for every model, overridden per model name), so progress, `plan` and the report can show spend.
///
/// ```yaml
/// pricing:
///   currency: USD
///   prompt_per_million: 0.10
///   completion_per_million: 0.30
///   models:
///     Qwen/Qwen3-32B: { prompt_per_million: 0.20, completion_per_million: 0.60 }
/// ```
public struct PriceTable: Sendable, Hashable, Codable {
    /// The price of one model's tokens.
    public struct Price: Sendable, Hashable, Codable {
        /// Per million prompt tokens.
        public var promptPerMillion: Double
        /// Per million completion tokens.
        public var completionPerMillion: Double

        /// Creates a price.
        public init(promptPerMillion: Double, completionPerMillion: Double) {
            self.promptPerMillion = promptPerMillion
            self.completionPerMillion = completionPerMillion
        }

        /// The cost of `prompt` and `completion` tokens.
        public func cost(prompt: Int, completion: Int) -> Double {
            (Double(prompt) * promptPerMillion + Double(completion) * completionPerMillion) / 1_000_000
        }
    }

    /// The currency label shown next to costs.
    public var currency: String
    /// The price of models without their own entry (nil: such models have no price).
    public var standard: Price?
    /// Prices by model name.
    public var models: [String: Price]

    /// Creates a table.
    public init(currency: String = "USD", standard: Price? = nil, models: [String: Price] = [:]) {
        self.currency = currency
        self.standard = standard
        self.models = models
    }

    /// The price of `model` (its own entry, else the default), nil when the table has neither.
    public func price(of model: String) -> Price? { models[model] ?? standard }

    /// The cost of tokens of `model`, nil when the table prices no such model.
    public func cost(model: String, prompt: Int, completion: Int) -> Double? {
        price(of: model)?.cost(prompt: prompt, completion: completion)
    }

    /// The `pricing:` block of stored pipeline text (a run's configuration), nil when it has none or it does not
    /// parse (a report of an old run then shows no costs instead of failing).
    public static func stored(in yaml: String, file: String) -> PriceTable? {
        guard let root = (try? Yams.compose(yaml: yaml)) ?? nil, let mapping = root.mapping else { return nil }
        for (key, value) in mapping where key.scalar?.string == "pricing" {
            return try? parse(ConfigNode(node: value, path: "pricing", file: file))
        }
        return nil
    }

    /// Parses the `pricing:` node.
    static func parse(_ node: ConfigNode) throws -> PriceTable {
        let fields = try node.mapping(allowed: ["currency", "prompt_per_million", "completion_per_million", "models"])
        func price(_ fields: ConfigMapping, required: Bool) throws -> Price? {
            let prompt = fields.optional("prompt_per_million"), completion = fields.optional("completion_per_million")
            if prompt == nil && completion == nil && !required { return nil }
            guard let prompt, let completion else {
                throw (prompt ?? completion ?? fields.parent).error(
                    "give both prompt_per_million and completion_per_million (the price of a million tokens each way)")
            }
            return Price(
                promptPerMillion: try prompt.number(in: 0...1_000_000), completionPerMillion: try completion.number(in: 0...1_000_000))
        }
        var table = PriceTable(
            currency: try fields.optional("currency")?.string() ?? "USD", standard: try price(fields, required: false))
        if let models = fields.optional("models") {
            guard let mapping = models.node.mapping else {
                throw models.error("must map model names to { prompt_per_million, completion_per_million }")
            }
            for (key, _) in mapping {
                guard let name = key.scalar?.string else { throw models.error("keys must be model names") }
                let entry = try models.mapping(allowed: mapping.keys.compactMap { $0.scalar?.string }).required(name)
                table.models[name] = try price(try entry.mapping(allowed: ["prompt_per_million", "completion_per_million"]), required: true)
            }
        }
        return table
    }
}
