/// What an ingestion did: lines read, documents stored, duplicates dropped and rejects by reason.
public struct IngestReport: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Records read (non-blank lines, or files of a folder).
    public var read = 0
    /// New documents (or personas) stored.
    public var ingested = 0
    /// Records already stored with the same key and content (an input ingested again); reported as "already stored".
    public var alreadyPresent = 0
    /// Records whose content is stored under another key (a duplicate line of the input); dropped. For personas:
    /// a persona met twice in this input.
    public var duplicates = 0
    /// Rejected records whose reject (same location and reason) was already recorded by an earlier ingestion, so
    /// not recorded again; they are still counted in ``rejected``.
    public var rejectsAlreadyRecorded = 0
    /// Blank lines skipped.
    public var blankLines = 0
    /// Records longer than the chunk budget, cut into passages (each passage counts in ``ingested`` or
    /// ``alreadyPresent``); 0 without a chunker.
    public var chunked = 0
    /// Records skipped because they belong to another shard (`--shard`); 0 in an unsharded run.
    public var otherShards = 0
    /// Rejected records by reason code (each also in the `rejects` table with its location).
    public var rejected: [String: Int] = [:]
    /// Languages of the stored records (given or detected).
    public var languages: [String: Int] = [:]

    /// Creates an empty report.
    public init() {}

    /// The total number of rejected records.
    public var rejectedTotal: Int { rejected.values.reduce(0, +) }

    public var description: String {
        var parts = ["read \(read)", "ingested \(ingested)"]
        if alreadyPresent > 0 { parts.append("already stored \(alreadyPresent)") }
        if chunked > 0 { parts.append("records chunked \(chunked)") }
        if otherShards > 0 { parts.append("other shards' records \(otherShards)") }
        parts.append("duplicates \(duplicates)")
        parts.append("rejected \(rejectedTotal)")
        var text = parts.joined(separator: ", ")
        if !rejected.isEmpty {
            var reasons = rejected.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key): \($0.value)" }
            if rejectsAlreadyRecorded > 0 { reasons.append("\(rejectsAlreadyRecorded) already recorded") }
            text += " (" + reasons.joined(separator: ", ") + ")"
        }
        if !languages.isEmpty {
            text +=
                "; languages "
                + languages.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return text
    }
}

/// Why an input record was rejected; the raw value is the `reason` stored in the `rejects` table.
public enum RejectReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The line is not valid JSON.
    case invalidJSON = "invalid_json"
    /// The line is JSON but not an object.
    case notObject = "not_object"
    /// The object has no text field.
    case missingText = "missing_text"
    /// The text is empty or only whitespace.
    case emptyText = "empty_text"
    /// A field has the wrong type (for example a numeric `text` or an object `id`).
    case wrongType = "wrong_type"
    /// The record is over the size limit.
    case tooLong = "too_long"
    /// The bytes are not valid UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// The `lang` field is not a language tag.
    case invalidLanguage = "invalid_lang"
    /// The `id` is already stored with another text.
    case duplicateID = "duplicate_id"
    /// The file could not be read.
    case unreadable = "unreadable"
}

/// A rejected input record before it is stored: where, why, and the offending bytes (truncated).
struct InputRejection: Error, Sendable {
    var reason: RejectReason
    var detail: String
}
