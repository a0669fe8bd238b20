import Crypto
import Foundation

/// One split asked for with `--split`: its name and its size, a fraction of the selection's examples or a count.
public struct ExportSplitShare: Sendable, Hashable {
    /// The split's name (a folder and a `datasets` split name: letters, digits and `_`).
    public var name: String
    /// The share of the examples (0 < fraction ≤ 1), when sizes are fractions.
    public var fraction: Double?
    /// The number of examples, when sizes are counts.
    public var count: Int?
}

/// `--split train=0.95,validation=0.05` (or counts, `train=900,validation=100`): the selection's examples cut into
/// named splits by document, seeded. A document's examples — and the examples of every chunk of it (`{id}#{k}`) —
/// go to one split; a mined negative whose document belongs to another split is dropped from the row, so no passage
/// is on two sides. Sizes count examples; a split can exceed its size by less than one document's examples.
public struct ExportSplitPlan: Sendable, Hashable, CustomStringConvertible {
    /// The splits in the order given.
    public var shares: [ExportSplitShare]
    /// The seed of the document order.
    public var seed: UInt64
    /// The text as given (for the manifest and the card).
    public var text: String

    /// The default `--seed`.
    public static let defaultSeed: UInt64 = 42

    /// Parses `name=size,…`: sizes all fractions (summing to 1) or all counts (positive whole numbers).
    /// - Throws: ``ExportError/badSplit(_:reason:)`` saying what is wrong.
    public init(parsing text: String, seed: UInt64 = defaultSeed) throws {
        self.text = text
        self.seed = seed
        var shares: [ExportSplitShare] = []
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ExportError.badSplit(text, reason: "\"\(item)\" is not NAME=SIZE")
            }
            let name = parts[0]
            guard name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) else {
                throw ExportError.badSplit(text, reason: "the split name \"\(name)\" may hold only letters, digits and _")
            }
            guard !shares.contains(where: { $0.name == name }) else {
                throw ExportError.badSplit(text, reason: "the split \"\(name)\" is named twice")
            }
            if let count = Int(parts[1]) {
                guard count >= 1 else { throw ExportError.badSplit(text, reason: "the size of \"\(name)\" must be at least 1") }
                shares.append(ExportSplitShare(name: name, fraction: nil, count: count))
            } else if let fraction = Double(parts[1]), fraction.isFinite {
                guard fraction > 0, fraction <= 1 else {
                    throw ExportError.badSplit(text, reason: "the fraction of \"\(name)\" must be above 0 and at most 1")
                }
                shares.append(ExportSplitShare(name: name, fraction: fraction, count: nil))
            } else {
                throw ExportError.badSplit(text, reason: "the size \"\(parts[1])\" of \"\(name)\" is neither a fraction nor a count")
            }
        }
        let fractions = shares.compactMap(\.fraction)
        guard fractions.isEmpty || fractions.count == shares.count else {
            throw ExportError.badSplit(text, reason: "give every size as a fraction (0.95) or every size as a count (900), not both")
        }
        if !fractions.isEmpty, abs(fractions.reduce(0, +) - 1) > 1e-6 {
            throw ExportError.badSplit(text, reason: "the fractions add up to \(fractions.reduce(0, +)), not 1")
        }
        self.shares = shares
    }

    /// The split names in order.
    public var names: [String] { shares.map(\.name) }

    /// Whether sizes are fractions (else counts).
    public var usesFractions: Bool { shares.first?.fraction != nil }

    public var description: String { text }

    /// The document a passage key belongs to: the key without a chunk suffix `#k` (k digits), else the key.
    public static func documentGroup(_ key: String) -> String {
        guard let hash = key.lastIndex(of: "#") else { return key }
        let suffix = key[key.index(after: hash)...]
        guard !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && $0.isNumber }) else { return key }
        return String(key[..<hash])
    }

    /// A group's place in the seeded order: the first 8 bytes of SHA-256(`seed:group`), big-endian.
    static func rank(_ group: String, seed: UInt64) -> UInt64 {
        let digest = SHA256.hash(data: Data("\(seed):\(group)".utf8))
        return digest.prefix(8).reduce(0) { ($0 << 8) | UInt64($1) }
    }

    /// Groups in the seeded order (by rank, ties bytewise by name).
    static func seededOrder(_ groups: some Sequence<String>, seed: UInt64) -> [String] {
        groups.map { (rank($0, seed: seed), $0) }
            .sorted { a, b in a.0 != b.0 ? a.0 < b.0 : Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8)) }
            .map(\.1)
    }

    /// Assigns document groups to splits (by index into ``shares``): `examples` counts each group's examples,
    /// `others` are groups seen only as negatives. Groups in the seeded order fill the splits in turn until each
    /// reaches its size (with fractions the last takes the rest, and each split keeps at least one group for every
    /// later one); negative-only groups go by their rank, in proportion to the sizes. With counts, groups left over
    /// are in no split (their examples are not exported).
    /// - Throws: ``ExportError/badSplit(_:reason:)`` when the counts exceed the examples, or a split would be empty.
    func assign(examples: [String: Int], others: Set<String>) throws -> [String: Int] {
        let total = examples.values.reduce(0, +)
        if !usesFractions {
            let asked = shares.compactMap(\.count).reduce(0, +)
            guard asked <= total else {
                throw ExportError.badSplit(text, reason: "the counts add up to \(asked) examples but the selection holds \(total)")
            }
        }
        let order = Self.seededOrder(examples.keys, seed: seed)
        var assignment: [String: Int] = [:]
        var next = 0
        for (index, share) in shares.enumerated() {
            let isLast = index == shares.count - 1
            let target = share.count.map(Double.init) ?? (share.fraction ?? 0) * Double(total)
            var taken = 0
            while next < order.count {
                let laterSplits = shares.count - index - 1
                if usesFractions && isLast {
                    // the last split of fractions takes the rest
                } else if Double(taken) >= target || (usesFractions && order.count - next <= laterSplits) {
                    break
                }
                assignment[order[next]] = index
                taken += examples[order[next]] ?? 0
                next += 1
            }
            guard taken > 0 else {
                throw ExportError.badSplit(
                    text,
                    reason: "the split \"\(share.name)\" would hold no example (the selection has \(examples.count) document(s)); "
                        + "give it a larger size or export more examples")
            }
        }
        // Negative-only groups: by rank, into the splits in proportion to their sizes.
        let weights = shares.map { $0.count.map(Double.init) ?? $0.fraction ?? 0 }
        let sum = weights.reduce(0, +)
        for group in others where assignment[group] == nil && examples[group] == nil {
            let position = Double(Self.rank(group, seed: seed ^ 0x5eed)) / 18_446_744_073_709_551_616.0 * sum
            var cumulative = 0.0
            var chosen = shares.count - 1
            for (index, weight) in weights.enumerated() {
                cumulative += weight
                if position < cumulative {
                    chosen = index
                    break
                }
            }
            assignment[group] = chosen
        }
        return assignment
    }
}
