import Foundation
import GRDB

/// Collects writes from many concurrent tasks and commits them in batched transactions, flushing when the batch
/// is full, when its oldest write has waited `maxDelay`, on ``flush()``, and on ``close()``.
///
/// A batch is one transaction: after a crash, a batch is either wholly in the database or wholly absent. A batch
/// that fails is retried write by write so one bad write cannot sink the others; the failures are reported by the
/// next ``submit(_:)`` or ``flush()``. Commits are not cancelled with the calling task, so a shutdown that cancels
/// the workers still commits what they handed over.
public actor BatchWriter {
    /// When the writer flushes.
    public struct Configuration: Sendable, Hashable {
        /// Flush once this many writes are waiting.
        public var maxBatchSize: Int
        /// Flush once the oldest waiting write is this old (checked on submit and by ``run()``).
        public var maxDelay: Duration

        /// Creates a configuration.
        public init(maxBatchSize: Int = 512, maxDelay: Duration = .milliseconds(200)) {
            self.maxBatchSize = max(1, maxBatchSize)
            self.maxDelay = maxDelay
        }
    }

    /// Counters for logs and tests.
    public struct Statistics: Sendable, Hashable {
        /// Transactions committed.
        public var batches = 0
        /// Writes committed.
        public var writes = 0
        /// Writes that could not be committed.
        public var failedWrites = 0
    }

    private struct Entry: Sendable {
        var sequence: UInt64
        var write: StoreWrite
    }

    private let store: PairsmithStore
    private let configuration: Configuration
    private let clock = ContinuousClock()
    private var buffer: [Entry] = []
    private var oldestWaitingSince: ContinuousClock.Instant?
    private var submitted: UInt64 = 0
    private var committed: UInt64 = 0
    private var flushing = false
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var unreportedFailures: [String] = []
    private var closed = false
    /// What the writer has done so far.
    public private(set) var statistics = Statistics()

    /// Creates a writer over `store`.
    public init(store: PairsmithStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
    }

    /// The number of writes waiting to be committed.
    public var waiting: Int { buffer.count }

    /// Hands a write over; it is committed with the next batch. Waits (back-pressure) when the batch is full.
    public func submit(_ write: StoreWrite) async throws {
        try await submit([write])
    }

    /// Hands several writes over, in order; they are committed in the same or consecutive batches.
    public func submit(_ writes: [StoreWrite]) async throws {
        guard !closed else { throw StoreError.writerClosed }
        try reportFailures()
        for write in writes {
            submitted += 1
            buffer.append(Entry(sequence: submitted, write: write))
        }
        if oldestWaitingSince == nil, !buffer.isEmpty { oldestWaitingSince = clock.now }
        if buffer.count >= configuration.maxBatchSize || isOverdue { try await flush() }
    }

    /// Commits everything submitted so far and waits for it; throws if any write since the last report failed.
    public func flush() async throws {
        let target = submitted
        while committed < target {
            if flushing {
                await withCheckedContinuation { flushWaiters.append($0) }
                continue
            }
            let batch = buffer
            guard let last = batch.last else { break }
            flushing = true
            buffer = []
            oldestWaitingSince = nil
            await commit(batch.map(\.write))
            committed = last.sequence
            flushing = false
            let waiters = flushWaiters
            flushWaiters = []
            for waiter in waiters { waiter.resume() }
        }
        try reportFailures()
    }

    /// Flushes every `maxDelay` until the calling task is cancelled, then flushes a last time.
    /// Run it beside the workers in the pipeline's task group.
    public func run() async throws {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.maxDelay, clock: clock)
            } catch {
                break
            }
            if isOverdue || buffer.count > 0 { try await flush() }
        }
        try await flush()
    }

    /// Flushes and refuses further writes (the shutdown path).
    public func close() async throws {
        defer { closed = true }
        try await flush()
    }

    private var isOverdue: Bool {
        guard let since = oldestWaitingSince else { return false }
        return clock.now - since >= configuration.maxDelay
    }

    private func reportFailures() throws {
        guard let first = unreportedFailures.first else { return }
        let count = unreportedFailures.count
        unreportedFailures = []
        throw StoreError.writesFailed(count: count, firstError: first)
    }

    /// Commits one batch; on failure, retries its writes one by one and records those that still fail.
    private func commit(_ writes: [StoreWrite]) async {
        do {
            try await Self.write(store, writes)
            statistics.batches += 1
            statistics.writes += writes.count
        } catch {
            for write in writes {
                do {
                    try await Self.write(store, [write])
                    statistics.batches += 1
                    statistics.writes += 1
                } catch {
                    statistics.failedWrites += 1
                    unreportedFailures.append(String(describing: error))
                }
            }
        }
    }

    /// One transaction that (unlike `write`) is not rolled back if the awaiting task is cancelled.
    private static func write(_ store: PairsmithStore, _ writes: [StoreWrite]) async throws {
        try await store.writeToCompletion { db in
            for write in writes { try write.apply(db) }
        }
    }
}
