import Foundation
import GRDB

/// An example as the rerank stage sees it: its anchor, its positive text (the generated positive, else the passage)
/// and the instruction hash of its stored rerank score under a model, if any.
public struct RerankCandidate: Sendable, Hashable {
    /// The example id.
    public var pairID: Int64
    /// The anchor text.
    public var anchor: String
    /// The anchor's instruction; nil: the run's default.
    public var anchorInstruction: String?
    /// The positive text (the generated positive, else the passage's text).
    public var positive: String
    /// The instruction hash of the stored score under the model (nil: not reranked).
    public var storedInstructionHash: String?
}

extension PairsmithStore {
    /// Up to `limit` examples of `run` with ids above `afterID`, in id order, with their positive text and the
    /// instruction hash of their rerank score under `model` (the rerank stage pages through a run).
    public func rerankCandidates(run: String, model: String, after afterID: Int64, limit: Int) async throws -> [RerankCandidate] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.anchor, COALESCE(e.positive, d.text) AS positive, r.instruction_hash, e.anchor_instruction
                    FROM examples e JOIN documents d ON d.id = e.document_id
                    LEFT JOIN rerank_scores r ON r.pair_id = e.id AND r.model = ?
                    WHERE e.run = ? AND e.id > ? ORDER BY e.id LIMIT ?
                    """,
                arguments: [model, run, afterID, limit]
            ).map { row in
                RerankCandidate(
                    pairID: row[0], anchor: row[1], anchorInstruction: row[4], positive: row[2], storedInstructionHash: row[3])
            }
        }
    }

    /// Stores (replacing) rerank scores in one transaction.
    public func storeRerankScores(_ scores: [RerankScoreRecord]) async throws {
        guard !scores.isEmpty else { return }
        try await write { db in
            for score in scores { try score.insert(db, onConflict: .replace) }
        }
    }

    /// The rerank scores of the examples of `run` under `model`, keyed by example id.
    public func rerankScores(run: String, model: String) async throws -> [Int64: Double] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT r.pair_id, r.score FROM rerank_scores r JOIN examples e ON e.id = r.pair_id WHERE e.run = ? AND r.model = ?",
                arguments: [run, model])
            return Dictionary(rows.map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Every rerank score under `model` over the whole database, ascending (percentile bounds are computed from it).
    public func allRerankScores(model: String) async throws -> [Double] {
        try await read { db in
            try Double.fetchAll(db, sql: "SELECT score FROM rerank_scores WHERE model = ? ORDER BY score", arguments: [model])
        }
    }

    /// The reranker models that have scores for examples of `run`, most scores first.
    public func rerankModels(run: String) async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT r.model FROM rerank_scores r JOIN examples e ON e.id = r.pair_id WHERE e.run = ?
                    GROUP BY r.model ORDER BY COUNT(*) DESC, r.model
                    """,
                arguments: [run])
        }
    }

    /// Stores (replacing) judge ratings in one transaction.
    public func storeJudgeScores(_ scores: [JudgeScoreRecord]) async throws {
        guard !scores.isEmpty else { return }
        try await write { db in
            for score in scores { try score.insert(db, onConflict: .replace) }
        }
    }

    /// The judge ratings of the examples of `run`, keyed by example id, then criterion (the lowest rating when
    /// several judge stages rate the same criterion).
    public func judgeScores(run: String) async throws -> [Int64: [String: Double]] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT j.pair_id, j.criterion, MIN(j.score) FROM judge_scores j JOIN examples e ON e.id = j.pair_id
                    WHERE e.run = ? GROUP BY j.pair_id, j.criterion
                    """,
                arguments: [run])
            var result: [Int64: [String: Double]] = [:]
            for row in rows { result[row[0], default: [:]][row[1]] = row[2] }
            return result
        }
    }

    /// Every judge rating of `criterion` over the whole database, ascending (for percentile bounds).
    public func allJudgeScores(criterion: String) async throws -> [Double] {
        try await read { db in
            try Double.fetchAll(
                db,
                sql: """
                    SELECT MIN(score) AS s FROM judge_scores WHERE criterion = ? GROUP BY pair_id ORDER BY s
                    """,
                arguments: [criterion])
        }
    }

    /// Stores (replacing) positive ranks in one transaction.
    public func storePositiveRanks(_ ranks: [PositiveRankRecord]) async throws {
        guard !ranks.isEmpty else { return }
        try await write { db in
            for rank in ranks { try rank.insert(db, onConflict: .replace) }
        }
    }

    /// The positive ranks of the examples of `run` under `model`, keyed by example id.
    public func positiveRanks(run: String, model: String) async throws -> [Int64: PositiveRankRecord] {
        try await read { db in
            let records = try PositiveRankRecord.fetchAll(
                db,
                sql: "SELECT p.* FROM positive_ranks p JOIN examples e ON e.id = p.pair_id WHERE e.run = ? AND p.model = ?",
                arguments: [run, model])
            return Dictionary(records.map { ($0.pairID, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Every positive rank under `model` over the whole database, ascending (for percentile bounds).
    public func allPositiveRanks(model: String) async throws -> [Double] {
        try await read { db in
            try Double.fetchAll(db, sql: "SELECT rank FROM positive_ranks WHERE model = ? ORDER BY rank", arguments: [model])
        }
    }

    /// The passage group (`parent_key`, else the document's own key) of each of `documentIDs`.
    public func passageGroups(documentIDs: [Int64]) async throws -> [Int64: String] {
        guard !documentIDs.isEmpty else { return [:] }
        return try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT COALESCE(parent_key, key) FROM documents WHERE id = ?")
            var groups: [Int64: String] = [:]
            for id in Set(documentIDs) {
                if let group = try String.fetchOne(statement, arguments: [id]) { groups[id] = group }
            }
            return groups
        }
    }
}

extension PairsmithStore {
    /// The document ids of each passage group among `groups` (a record's chunks share their `parent_key`; a record
    /// stored whole is its own group, named by its key).
    public func documentIDs(passageGroups groups: [String]) async throws -> [String: [Int64]] {
        guard !groups.isEmpty else { return [:] }
        return try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT id FROM documents WHERE parent_key = ? UNION SELECT id FROM documents WHERE key = ? AND parent_key IS NULL")
            var result: [String: [Int64]] = [:]
            for group in Set(groups) { result[group] = try Int64.fetchAll(statement, arguments: [group, group]) }
            return result
        }
    }
}
