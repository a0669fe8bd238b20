import Foundation
import PairsmithStore
import Testing

@Suite("Batching writer")
struct BatchWriterTests {
    @Test("hundreds of concurrent completions are committed in few transactions, each unit once")
    func concurrentCompletions() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 400)
        try await store.enqueue(ids.map { UnitKey(run: "r", stage: "generate", documentID: $0, sample: 0) })
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 64, maxDelay: .seconds(60)))
        let units = try await store.claim(run: "r", stage: "generate", limit: 1000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for unit in units {
                group.addTask {
                    try await writer.submit(.complete(unitID: unit.id!, outputs: UnitOutputs(examples: [fakePair(for: unit)])))
                }
            }
            try await group.waitForAll()
        }
        try await writer.flush()
        let statistics = await writer.statistics
        #expect(statistics.writes == 400)
        #expect(statistics.batches < 400 / 8)
        #expect(try await store.examples(run: "r").count == 400)
        #expect(try await store.unitCounts(run: "r", stage: "generate") == [.done: 400])
    }

    @Test("nothing is committed before a flush when the batch is not full; flush commits it")
    func flushOnDemand() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 3)
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 100, maxDelay: .seconds(3600)))
        try await writer.submit(ids.map { .enqueue([UnitKey(run: "r", stage: "configure", documentID: $0, sample: 0)]) })
        #expect(await writer.waiting == 3)
        #expect(try await store.unitCounts(run: "r", stage: "configure").isEmpty)
        try await writer.flush()
        #expect(await writer.waiting == 0)
        #expect(try await store.unitCounts(run: "r", stage: "configure") == [.pending: 3])
    }

    @Test("the writer's loop flushes writes that waited longer than the delay, and flushes on cancellation")
    func timedFlush() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 2)
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 100, maxDelay: .milliseconds(20)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            try await writer.submit(.enqueue([UnitKey(run: "r", stage: "configure", documentID: ids[0], sample: 0)]))
            // Poll (generously) until the loop has committed it; no flush is called here.
            var seen = false
            for _ in 0..<500 where !seen {
                try await Task.sleep(for: .milliseconds(20))
                seen = try await store.unitCounts(run: "r", stage: "configure")[.pending] == 1
            }
            #expect(seen)
            try await writer.submit(.enqueue([UnitKey(run: "r", stage: "configure", documentID: ids[1], sample: 0)]))
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(try await store.unitCounts(run: "r", stage: "configure")[.pending] == 2)
    }

    @Test("a bad write in a batch is reported and does not sink the others")
    func failureIsolation() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 2)
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 100, maxDelay: .seconds(3600)))
        try await writer.submit([
            .enqueue([UnitKey(run: "r", stage: "configure", documentID: ids[0], sample: 0)]),
            .fail(unitID: 987_654, error: "x", policy: FailurePolicy(maxAttempts: 1)),
            .enqueue([UnitKey(run: "r", stage: "configure", documentID: ids[1], sample: 0)]),
        ])
        await #expect(throws: StoreError.self) { try await writer.flush() }
        #expect(try await store.unitCounts(run: "r", stage: "configure") == [.pending: 2])
        #expect(await writer.statistics.failedWrites == 1)
        // Reported once; the writer goes on.
        try await writer.flush()
        try await writer.close()
        await #expect(throws: StoreError.writerClosed) { try await writer.submit(.enqueue([])) }
    }
}
