import Foundation
import GRDB

/// The pairsmith database: one SQLite file in WAL mode behind a GRDB pool, migrated on open.
///
/// Every read and write is a named method with its own transaction (the connection is private: no other module
/// writes SQL), and every write keeps the queue's invariants (a unit's results are stored in the transaction that
/// marks it done; unit keys are unique). Open a database file once per process and share the value: it is
/// `Sendable` and cheap to copy. Tests that need no file use ``inMemory()``.
///
/// How a stage uses it: on start, ``recoverInterruptedUnits(run:)``; then workers ``claim(run:stage:limit:now:)``
/// ready units, do the work, and hand `.complete(unitID:outputs:)` (results plus the next stage's unit keys) or
/// `.fail(unitID:error:policy:)` to a ``BatchWriter``, which commits many of them per transaction. WAL with
/// `synchronous = NORMAL`: a killed process loses at most the writes not yet committed, never a half batch; a power
/// cut may also lose the last committed batches, never consistency.
public struct PairsmithStore: Sendable {
    /// The database file's path (`:memory:` for ``inMemory()``).
    public let path: String
    /// The connection: a WAL pool on a file, or a queue over an in-memory database. Only the store's own methods use
    /// it, each in its own transaction, through ``read(_:)``, ``write(_:)`` and ``writeToCompletion(_:)``.
    let dbWriter: any DatabaseWriter

    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// Opening does not touch the work queue: call ``recoverInterruptedUnits(run:)`` when a run starts, never
    /// from a reader such as `pairsmith status`, which may look at a database another process is writing.
    public init(url: URL) throws {
        try self.init(path: url.path)
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        do {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try self.init(path: path, writer: try DatabasePool(path: path, configuration: Self.configuration))
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: path, reason: String(describing: error))
        }
    }

    /// A new, empty, migrated database in memory, gone with the last copy of the value: for tests that need the
    /// store's behaviour but no file (no WAL, one connection; another process cannot open it).
    package static func inMemory() throws -> PairsmithStore {
        do {
            return try PairsmithStore(path: ":memory:", writer: try DatabaseQueue(configuration: Self.configuration))
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: ":memory:", reason: String(describing: error))
        }
    }

    private init(path: String, writer: any DatabaseWriter) throws {
        self.path = path
        dbWriter = writer
        do {
            try Schema.migrator.migrate(writer)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: String(describing: error))
        }
    }

    /// The connection settings of every store: foreign keys on, a minute's patience with another writer.
    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.label = "pairsmith"
        configuration.busyMode = .timeout(60)
        configuration.foreignKeysEnabled = true
        return configuration
    }

    /// Opens an existing database (for readers such as `pairsmith status`); a missing file is an error, not a new
    /// empty database.
    public static func openExisting(url: URL) throws -> PairsmithStore {
        guard FileManager.default.fileExists(atPath: url.path) else { throw StoreError.missingDatabase(path: url.path) }
        return try PairsmithStore(url: url)
    }

    /// Opens an existing database read-only, without migrating it: for looking at a database without changing a
    /// byte of its file (a read-write open in WAL mode writes to it: GRDB's pool creates and drops a table when the
    /// WAL file is missing or empty, which bumps the header's change counter and schema cookie). Throws
    /// ``StoreError/schemaBehind(path:)`` when the database needs a migration first (open it with ``init(path:)``).
    public static func openReadOnly(url: URL) throws -> PairsmithStore {
        guard FileManager.default.fileExists(atPath: url.path) else { throw StoreError.missingDatabase(path: url.path) }
        var configuration = Self.configuration
        configuration.readonly = true
        let queue: DatabaseQueue
        let current: Bool
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
            current = try queue.read { db in try Schema.migrator.hasCompletedMigrations(db) }
        } catch {
            throw StoreError.cannotOpen(path: url.path, reason: String(describing: error))
        }
        guard current else { throw StoreError.schemaBehind(path: url.path) }
        return PairsmithStore(path: url.path, readOnly: queue)
    }

    private init(path: String, readOnly queue: DatabaseQueue) {
        self.path = path
        dbWriter = queue
    }

    /// Closes the connection (after a checkpoint, SQLite's last close removes the WAL): for hashing the file as
    /// it is left. Every later use of this store, or of a copy of it, throws.
    public func close() throws {
        do {
            try dbWriter.close()
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "could not close the database: \(error)")
        }
    }

    /// The journal mode SQLite reports (`wal` for every store on a file).
    public func journalMode() async throws -> String {
        try await read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Applies `writes` in order, in one transaction: all of them are committed, or none.
    public func apply(_ writes: [StoreWrite]) async throws {
        try await write { db in
            for write in writes { try write.apply(db) }
        }
    }

    /// Runs `value` in one read transaction (concurrently with other readers and the writer, on a file).
    func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        try await dbWriter.read(value)
    }

    /// Runs `updates` in one write transaction; cancelling the awaiting task rolls it back.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try await dbWriter.write(updates)
    }

    /// Runs `updates` in one write transaction through GRDB's callback API, which (unlike ``write(_:)``) is not
    /// rolled back when the awaiting task is cancelled: for the bookkeeping a shutdown must still commit.
    func writeToCompletion<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            dbWriter.asyncWrite(updates, completion: { _, result in continuation.resume(with: result) })
        }
    }
}

/// Errors raised by the store.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The database could not be opened or migrated.
    case cannotOpen(path: String, reason: String)
    /// ``PairsmithStore/openExisting(url:)`` found no file.
    case missingDatabase(path: String)
    /// ``PairsmithStore/openReadOnly(url:)`` found a database that needs a migration first.
    case schemaBehind(path: String)
    /// A unit id that is not in the queue.
    case unknownUnit(id: Int64)
    /// Writes handed to the batching writer that could not be committed.
    case writesFailed(count: Int, firstError: String)
    /// The batching writer was used after ``BatchWriter/close()``.
    case writerClosed

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open the pairsmith database at \(path): \(reason). Check that the folder is writable and the "
                + "file is a pairsmith database (or delete it to start afresh)."
        case .missingDatabase(let path):
            "there is no pairsmith database at \(path); start a run with `pairsmith run ... --db \(path)` first"
        case .schemaBehind(let path):
            "the pairsmith database at \(path) was made by an earlier version and needs a migration; open it read-write "
                + "once (any `pairsmith` command that writes, e.g. `pairsmith run` or `pairsmith merge`, migrates it)"
        case .unknownUnit(let id):
            "unit \(id) is not in the work queue; was the database replaced while the run was going?"
        case .writesFailed(let count, let firstError):
            "\(count) batched database write(s) could not be committed; the first error: \(firstError)"
        case .writerClosed:
            "the batching writer was already closed; writes after shutdown are refused"
        }
    }
}
