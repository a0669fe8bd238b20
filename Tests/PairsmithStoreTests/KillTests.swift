import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// The environment variable that turns ``KillTests/tortureChild()`` into a worker process writing to that database.
private let tortureVariable = "PAIRSMITH_STORE_TORTURE_DB"

@Suite("Kill -9 at random points")
struct KillTests {
    /// Checks the invariants a crash must never break, reading the file with Python's sqlite3 (not the store): a
    /// pair exists exactly for each done unit, each unit's follow-up is enqueued with it, and SQLite's own integrity
    /// check passes.
    private func checkInvariants(_ database: URL) throws {
        let output = try ProcessRunner.python(
            """
            import json, sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            one = lambda query: con.execute(query).fetchone()[0]
            print(json.dumps({
                "integrity": one("PRAGMA integrity_check"),
                "done": one("SELECT COUNT(*) FROM units WHERE stage = 'configure' AND state = 'done'"),
                "pairs": one("SELECT COUNT(*) FROM examples"),
                "followUps": one("SELECT COUNT(*) FROM units WHERE stage = 'generate'"),
                "orphans": one(
                    "SELECT COUNT(*) FROM examples p LEFT JOIN units u ON u.run = p.run AND u.stage = 'configure' "
                    "AND u.document_id = p.document_id AND u.sample = p.sample WHERE u.state IS NOT 'done'"),
                "calls": one("SELECT COUNT(*) FROM llm_calls"),
            }))
            """, arguments: [database.path])
        let facts = try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
        #expect(facts["integrity"] as? String == "ok")
        let done = facts["done"] as? Int
        #expect(done != nil)
        #expect(done == facts["pairs"] as? Int)
        #expect(done == facts["followUps"] as? Int)
        #expect(done == facts["calls"] as? Int)
        #expect(facts["orphans"] as? Int == 0)
    }

    @Test("a worker process killed with SIGKILL mid-write leaves whole batches only, and the run then completes exactly")
    func killAndResume() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let documents = 1_500
        let ids = try await seedDocuments(store, count: documents)
        try await store.enqueue(ids.map { UnitKey(run: "r", stage: "configure", documentID: $0, sample: 0) })
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for round in 0..<3 {
            let before = try await store.unitCounts(run: "r", stage: "configure")[.done] ?? 0
            let target = before + Int.random(in: 20...250, using: &generator)
            let child = try spawnTortureChild(database: temporary.url)
            // Wait (up to four minutes: in CI the whole suite, llama.cpp included, shares 2 cores with the child)
            // until the child has committed past the random target, then kill it mid-flight.
            var progressed = false
            let giveUp = ContinuousClock.now + .seconds(240)
            while !progressed && child.isRunning && ContinuousClock.now < giveUp {
                try await Task.sleep(for: .milliseconds(5))
                progressed = (try await store.unitCounts(run: "r", stage: "configure")[.done] ?? 0) >= target
            }
            #expect(child.isRunning, "the torture child exited early in round \(round)")
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal)
            kills += 1
            let reached = try await store.unitCounts(run: "r", stage: "configure")[.done] ?? 0
            #expect(
                progressed,
                "the torture child made no progress in round \(round): \(reached) done of \(documents), target \(target), before \(before)")
            _ = try temporary.reopen()  // opens (and migrates) after the kill
            try checkInvariants(temporary.url)
        }
        #expect(kills == 3)
        // The same "command" again: recover and finish in this process.
        let resumed = try temporary.reopen()
        try await resumed.recoverInterruptedUnits(run: "r")
        #expect(try await resumed.unitCounts(run: "r", stage: "configure")[.running] == nil)
        try await TortureWorker.drain(resumed)
        try checkInvariants(temporary.url)
        #expect(try await resumed.unitCounts(run: "r", stage: "configure") == [.done: documents])
        let pairs = try await resumed.examples(run: "r")
        #expect(pairs.count == documents)
        #expect(Set(pairs.map(\.anchor)).count == documents)
        #expect(Set(pairs.map(\.documentID)) == Set(ids))
    }

    @Test(
        "torture child: writes until killed (runs only when spawned by the kill test)",
        .enabled(if: ProcessInfo.processInfo.environment[tortureVariable] != nil, "a helper process of the kill test"))
    func tortureChild() async throws {
        let path = try #require(ProcessInfo.processInfo.environment[tortureVariable])
        let store = try PairsmithStore(path: path)
        try await store.recoverInterruptedUnits(run: "r")
        try await TortureWorker.run(store, until: ContinuousClock.now + .seconds(300))
    }

    /// Starts this test binary again, running only ``tortureChild()``, pointed at `database`.
    private func spawnTortureChild(database: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = ["--testing-library", "swift-testing", "--filter", "tortureChild"]
        process.environment = ProcessInfo.processInfo.environment.merging([tortureVariable: database.path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// The work a pipeline stage does, reduced to its writes: claim, "answer", complete through the batching writer.
enum TortureWorker {
    /// The outputs of one unit: a pair, the chat call that made it and the follow-up unit.
    static func outputs(for unit: UnitRecord) -> UnitOutputs {
        let call = LLMCallRecord(
            requestHash: "request-\(unit.key)", unitKey: unit.key.description, endpoint: "http://test", model: "m",
            request: "{}", response: "{\"query\":\"q\"}", status: .ok, httpStatus: 200, promptTokens: 3,
            completionTokens: 2, latencyMilliseconds: 1)
        let next = UnitKey(run: unit.run, stage: "generate", documentID: unit.documentID, sample: unit.sample)
        return UnitOutputs(examples: [fakePair(for: unit)], llmCalls: [call], enqueue: [next])
    }

    /// Four concurrent workers plus the writer's flush loop, until `deadline` (the parent kills it long before).
    static func run(_ store: PairsmithStore, until deadline: ContinuousClock.Instant) async throws {
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 25, maxDelay: .milliseconds(5)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            for _ in 0..<4 {
                group.addTask {
                    while ContinuousClock.now < deadline {
                        let units = try await store.claim(run: "r", stage: "configure", limit: 5)
                        if units.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                        for unit in units {
                            try await writer.submit(.complete(unitID: unit.id!, outputs: outputs(for: unit)))
                        }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Completes every remaining unit directly (the resumed run).
    static func drain(_ store: PairsmithStore) async throws {
        while true {
            let units = try await store.claim(run: "r", stage: "configure", limit: 100)
            if units.isEmpty { return }
            for unit in units { try await store.complete(unitID: unit.id!, outputs: outputs(for: unit)) }
        }
    }
}
