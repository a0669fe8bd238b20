import PairsmithConfiguration
import PairsmithJSON
import PairsmithText

/// A drawn variable's value.
public enum DrawnValue: Sendable, Hashable {
    /// An integer (an `integer` variable).
    case integer(Int)
    /// A number (a `number` variable).
    case number(Double)
    /// A string: a `choice` value or a language code.
    case string(String)

    /// The value as text (integers without a decimal point).
    public var text: String {
        switch self {
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .string(let value): value
        }
    }

    /// The value as a JSON value (for the stored `variables` object).
    public var json: JSONValue {
        switch self {
        case .integer(let value): .integer(value)
        case .number(let value): .number(value)
        case .string(let value): .string(value)
        }
    }

    /// The value as a number, when it is one.
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        case .string(let value): Double(value)
        }
    }

    /// The value a stored JSON value holds (integers, numbers and strings; nil for anything else).
    public init?(json: JSONValue) {
        switch json {
        case .integer(let value): self = .integer(value)
        case .number(let value): self = .number(value)
        case .string(let value): self = .string(value)
        default: return nil
        }
    }
}

/// Draws a stage's variables from its declaration, seeded by the stage's stream name and the unit's plan key, so
/// the same unit always draws the same values (a resumed run asks for exactly what the interrupted one asked for).
///
/// All variables of a stage come from one stream in declaration order. An `integer` draws a bucket by weight, then
/// a value uniformly in it; a `language` draws once to decide whether to cross, then (when it crosses) a target by
/// weight among those other than the passage's language; retrieval's `query-plan` stream has drawn exactly this
/// way since the first release.
public struct VariableDrawer: Sendable {
    /// The stage's draws.
    public let declaration: DrawDeclaration

    /// Creates a drawer.
    public init(declaration: DrawDeclaration) {
        self.declaration = declaration
    }

    /// The values for the unit whose plan key is `planKey`, on a passage in `passageLanguage`.
    public func draw(planKey: String, passageLanguage: String) -> [String: DrawnValue] {
        var random = Xoshiro256StarStar(key: "\(declaration.seed)|\(planKey)")
        var values: [String: DrawnValue] = [:]
        for variable in declaration.variables {
            switch variable.kind {
            case .integer(let buckets):
                let index = random.weightedIndex(buckets.map(\.weight)) ?? 0
                values[variable.name] = .integer(random.uniform(buckets[index].min...buckets[index].max))
            case .number(let low, let high):
                values[variable.name] = .number(low + (high - low) * random.unitInterval())
            case .choice(let options, _):
                let index = random.weightedIndex(options.map(\.weight)) ?? 0
                values[variable.name] = .string(options[index].value)
            case .language(let share, let targets, let fallback):
                let crossDraw = random.unitInterval()
                let others = targets.filter { $0.value != passageLanguage }
                let known = passageLanguage != Languages.undetermined
                if !known || crossDraw < share, let index = random.weightedIndex(others.map(\.weight)) {
                    values[variable.name] = .string(others[index].value)
                } else {
                    values[variable.name] = .string(known ? passageLanguage : fallback)
                }
            }
        }
        return values
    }

    /// The key that seeds a (document, sample)'s draws: the same in every stage, so a value never changes with the
    /// stage that draws it.
    public static func planKey(run: String, documentID: Int64, sample: Int) -> String {
        "\(run)/\(documentID)/\(sample)"
    }

    /// The chat request seed for attempt `attempt` of the unit with `key` (each retry gets a new seed).
    public static func requestSeed(key: String, attempt: Int) -> Int {
        Int(truncatingIfNeeded: StableHash.hash64("request-seed|\(key)|\(attempt)") >> 33)
    }
}
