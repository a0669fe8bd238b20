import Foundation
import GRDB

/// What became of a document handed to ``PairsmithStore/insertDocuments(_:)``.
public enum DocumentInsertOutcome: Sendable, Hashable {
    /// Stored as a new document with this id.
    case inserted(id: Int64)
    /// The same key with the same text is already stored (a corpus ingested again).
    case alreadyPresent(id: Int64)
    /// The same text is already stored under another key; dropped.
    case duplicateContent(existingKey: String)
    /// The key is already stored with different text; dropped.
    case duplicateKey
}

/// What became of a persona handed to ``PairsmithStore/insertPersonas(_:)``.
public enum PersonaInsertOutcome: Sendable, Hashable {
    /// Stored as a new persona with this id.
    case inserted(id: Int64)
    /// The same text is already stored under this id.
    case duplicate(id: Int64)
}

extension PairsmithStore {
    /// Inserts a batch of documents in one transaction and tells, for each, whether it was new or a duplicate.
    ///
    /// The chunks of one corpus record (consecutive documents with the same ``DocumentRecord/parentKey``, a new record
    /// starting at chunk 0) are judged together: when the record's key is stored whole, or a chunk key of it is stored
    /// with another text, the record reuses an id of another record and every chunk of it is
    /// ``DocumentInsertOutcome/duplicateKey``. Chunks stored with the same key and text (the same corpus ingested
    /// again, or an ingest a limit cut short) are ``DocumentInsertOutcome/alreadyPresent``. A whole record whose key
    /// has stored chunks is a ``DocumentInsertOutcome/duplicateKey`` too.
    public func insertDocuments(_ documents: [DocumentRecord]) async throws -> [DocumentInsertOutcome] {
        guard !documents.isEmpty else { return [] }
        return try await write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO documents (key, source_file, source_line, text, lang, lang_source, content_hash,
                        parent_key, chunk_index, char_start, char_end)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """)
            let byKey = try db.cachedStatement(sql: "SELECT id, content_hash FROM documents WHERE key = ?")
            let byHash = try db.cachedStatement(sql: "SELECT key FROM documents WHERE content_hash = ?")
            let byParent = try db.cachedStatement(sql: "SELECT key, content_hash FROM documents WHERE parent_key = ?")
            let hasKey = try db.cachedStatement(sql: "SELECT 1 FROM documents WHERE key = ?")
            var outcomes: [DocumentInsertOutcome] = []
            outcomes.reserveCapacity(documents.count)
            var index = 0
            while index < documents.count {
                // One corpus record: a whole document, or its consecutive chunks.
                var end = index + 1
                if let parent = documents[index].parentKey {
                    while end < documents.count, documents[end].parentKey == parent, documents[end].chunkIndex != 0 { end += 1 }
                }
                let record = documents[index..<end]
                let reusesKey: Bool
                if let parent = record.first!.parentKey {
                    let hashes = Dictionary(record.map { ($0.key, $0.contentHash) }, uniquingKeysWith: { first, _ in first })
                    let stored = try Row.fetchCursor(byParent, arguments: [parent])
                    var foreign = false
                    while !foreign, let row = try stored.next() {
                        let hash: String = row["content_hash"]
                        foreign = hashes[row["key"] as String].map { $0 != hash } ?? false
                    }
                    reusesKey = try foreign || Bool.fetchOne(hasKey, arguments: [parent]) == true
                } else {
                    reusesKey = try Row.fetchOne(byParent, arguments: [record.first!.key]) != nil
                }
                index = end
                if reusesKey {
                    outcomes += Array(repeating: .duplicateKey, count: record.count)
                    continue
                }
                for document in record {
                    try insert.execute(arguments: [
                        document.key, document.sourceFile, document.sourceLine, document.text, document.lang,
                        document.langSource, document.contentHash, document.parentKey, document.chunkIndex,
                        document.charStart, document.charEnd,
                    ])
                    if db.changesCount == 1 {
                        outcomes.append(.inserted(id: db.lastInsertedRowID))
                    } else if let row = try Row.fetchOne(byKey, arguments: [document.key]) {
                        let hash: String = row["content_hash"]
                        outcomes.append(hash == document.contentHash ? .alreadyPresent(id: row["id"]) : .duplicateKey)
                    } else {
                        outcomes.append(.duplicateContent(existingKey: try String.fetchOne(byHash, arguments: [document.contentHash]) ?? ""))
                    }
                }
            }
            return outcomes
        }
    }

    /// The number of stored documents.
    public func documentCount() async throws -> Int {
        try await read { db in try DocumentRecord.fetchCount(db) }
    }

    /// Up to `limit` documents with ids above `afterID`, in id order (for streaming over a large corpus).
    public func documents(after afterID: Int64 = 0, limit: Int) async throws -> [DocumentRecord] {
        try await read { db in
            try DocumentRecord.fetchAll(
                db, sql: "SELECT * FROM documents WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit])
        }
    }

    /// The document with row id `id`, if any. Read through a cached prepared statement: every unit of both LLM
    /// stages reads its passage, and the query-interface read (SQL built and prepared each time) was a visible share
    /// of the stages' CPU.
    public func document(id: Int64) async throws -> DocumentRecord? {
        try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM documents WHERE id = ?")
            return try DocumentRecord.fetchOne(statement, arguments: [id])
        }
    }

    /// Inserts a batch of personas in one transaction; a text already stored is not stored twice.
    public func insertPersonas(_ personas: [PersonaRecord]) async throws -> [PersonaInsertOutcome] {
        guard !personas.isEmpty else { return [] }
        return try await write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO personas (text, text_hash, source_file, source_line) VALUES (?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """)
            let byHash = try db.cachedStatement(sql: "SELECT id FROM personas WHERE text_hash = ?")
            return try personas.map { persona in
                try insert.execute(arguments: [persona.text, persona.textHash, persona.sourceFile, persona.sourceLine])
                if db.changesCount == 1 { return .inserted(id: db.lastInsertedRowID) }
                return .duplicate(id: try Int64.fetchOne(byHash, arguments: [persona.textHash]) ?? 0)
            }
        }
    }

    /// The largest persona id (0 when none is stored): personas above it were added after this call.
    package func maxPersonaID() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM personas") ?? 0 }
    }

    /// Every stored persona, in id order.
    public func personas() async throws -> [PersonaRecord] {
        try await read { db in try PersonaRecord.order(Column("id")).fetchAll(db) }
    }

    /// Stores vectors in one transaction (an owner's vector for the same model is replaced).
    public func insertVectors(_ vectors: [VectorRecord]) async throws {
        try await apply([.vectors(vectors)])
    }

    /// The stored vectors of `kind` under `model`, keyed by owner id.
    public func vectors(kind: VectorRecord.OwnerKind, model: String) async throws -> [Int64: VectorRecord] {
        try await read { db in
            let records = try VectorRecord.fetchAll(
                db, sql: "SELECT * FROM vectors WHERE owner_kind = ? AND model = ?", arguments: [kind, model])
            return Dictionary(records.map { ($0.ownerID, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Cached vectors under `model` whose text hash is among `textHashes` (any owner), keyed by text hash:
    /// a text embedded once is never embedded again.
    public func cachedVectors(model: String, textHashes: [String]) async throws -> [String: VectorRecord] {
        guard !textHashes.isEmpty else { return [:] }
        return try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM vectors WHERE model = ? AND text_hash = ? LIMIT 1")
            var found: [String: VectorRecord] = [:]
            for hash in Set(textHashes) {
                if let record = try VectorRecord.fetchOne(statement, arguments: [model, hash]) { found[hash] = record }
            }
            return found
        }
    }

    /// The stored candidates of a document in a run, best first.
    public func candidates(run: String, documentID: Int64) async throws -> [CandidateRecord] {
        try await read { db in
            try CandidateRecord.fetchAll(
                db, sql: "SELECT * FROM candidates WHERE run = ? AND document_id = ? ORDER BY rank",
                arguments: [run, documentID])
        }
    }

    /// Stores candidates in one transaction (replacing the same run, document and rank).
    public func insertCandidates(_ candidates: [CandidateRecord]) async throws {
        try await apply([.candidates(candidates)])
    }

    /// Records rejects in one transaction.
    public func insertRejects(_ rejects: [RejectRecord]) async throws {
        guard !rejects.isEmpty else { return }
        try await apply([.rejects(rejects)])
    }

    /// Creates the run if it is new, else refreshes its `updated_at`; returns the stored record (the original
    /// creation time and configuration are kept, so a resumed run can compare its pipeline file's hash).
    public func beginRun(_ run: RunRecord) async throws -> RunRecord {
        try await write { db in
            if var existing = try RunRecord.fetchOne(db, key: run.id) {
                existing.updatedAt = run.updatedAt
                try existing.update(db)
                return existing
            }
            try run.insert(db)
            return run
        }
    }

    /// The run named `id`, if any.
    public func run(_ id: String) async throws -> RunRecord? {
        try await read { db in try RunRecord.fetchOne(db, key: id) }
    }

    /// Every stage's output of one unit; arguments: run, document id, sample. The `stage_outputs_by_unit` index
    /// answers it without a scan of the run's outputs (no ORDER BY: SQLite would rather walk the unique index of
    /// (run, stage, …) in stage order than sort a handful of rows, so the caller sorts).
    static let unitStageOutputsSQL = "SELECT * FROM stage_outputs WHERE run = ? AND document_id = ? AND sample = ?"

    /// Every stage's output stored for the unit (run, document, sample), in stage-name order.
    public func stageOutputs(run: String, documentID: Int64, sample: Int) async throws -> [StageOutputRecord] {
        try await read { db in
            let statement = try db.cachedStatement(sql: Self.unitStageOutputsSQL)
            return try StageOutputRecord.fetchAll(statement, arguments: [run, documentID, sample]).sorted { $0.stage < $1.stage }
        }
    }

    /// Every example of a run, in (document, sample) order.
    public func examples(run: String) async throws -> [ExampleRecord] {
        try await read { db in
            try ExampleRecord.fetchAll(
                db, sql: "SELECT * FROM examples WHERE run = ? ORDER BY document_id, sample", arguments: [run])
        }
    }
}

extension PairsmithStore {
    /// Stored rejects, oldest first, optionally only those of one source (`corpus`, `personas`, a stage).
    public func rejects(source: String? = nil, limit: Int = 1_000) async throws -> [RejectRecord] {
        try await read { db in
            if let source {
                return try RejectRecord.fetchAll(
                    db, sql: "SELECT * FROM rejects WHERE source = ? ORDER BY id LIMIT ?", arguments: [source, limit])
            }
            return try RejectRecord.fetchAll(db, sql: "SELECT * FROM rejects ORDER BY id LIMIT ?", arguments: [limit])
        }
    }

    /// The (location, reason) of every stored reject of `source`, in no particular order: what lets an ingest of
    /// the same input again record each bad record only once.
    package func rejectPlaces(source: String) async throws -> [(location: String, reason: String)] {
        try await read { db in
            var places: [(location: String, reason: String)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT location, reason FROM rejects WHERE source = ?", arguments: [source])
            while let row = try rows.next() { places.append((location: row["location"], reason: row["reason"])) }
            return places
        }
    }

    /// Every `step`-th example of a run in (document, sample) order, the first included, and how many it has: an
    /// evenly spaced sample read without loading the rest.
    public func exampleSample(run: String, limit: Int) async throws -> (examples: [ExampleRecord], total: Int) {
        try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM examples WHERE run = ?", arguments: [run]) ?? 0
            let step = max(1, (total + max(limit, 1) - 1) / max(limit, 1))
            let examples = try ExampleRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM examples WHERE id IN (
                        SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY document_id, sample) - 1 AS position
                                        FROM examples WHERE run = ?)
                        WHERE position % ? = 0)
                    ORDER BY document_id, sample
                    """, arguments: [run, step])
            return (examples, total)
        }
    }
}
