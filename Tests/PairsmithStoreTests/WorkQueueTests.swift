import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Work queue")
struct WorkQueueTests {
    @Test("a new database is migrated and in WAL mode; reopening keeps the data")
    func openAndReopen() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        #expect(try await temporary.store.journalMode() == "wal")
        _ = try await seedDocuments(temporary.store, count: 3)
        let reopened = try temporary.reopen()
        #expect(try await reopened.documentCount() == 3)
    }

    @Test("enqueueing the same keys twice stores each unit once")
    func idempotentEnqueue() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 10)
        let keys = ids.flatMap { id in (0..<2).map { UnitKey(run: "r", stage: "configure", documentID: id, sample: $0) } }
        #expect(try await store.enqueue(keys) == 20)
        #expect(try await store.enqueue(keys) == 0)
        #expect(try await store.enqueue(Array(keys.prefix(5)) + [UnitKey(run: "r", stage: "generate", documentID: ids[0], sample: 0)]) == 1)
        #expect(try await store.unitCounts(run: "r", stage: "configure") == [.pending: 20])
        // The bulk form agrees with the per-key form and is idempotent too.
        #expect(try await store.enqueueForDocuments(run: "r", stage: "configure", samples: 3) == 10)
        #expect(try await store.enqueueForDocuments(run: "r", stage: "configure", samples: 3) == 0)
        #expect(try await store.unitCounts(run: "r", stage: "configure") == [.pending: 30])
    }

    @Test("enqueueing for documents can be limited to those with candidates")
    func enqueueWithCandidates() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 4)
        let persona = try await store.insertPersonas([
            PersonaRecord(text: "a baker in Lyon", textHash: "p1", sourceFile: "p.jsonl", sourceLine: 1)
        ])
        guard case .inserted(let personaID) = persona.first else { Issue.record("persona not inserted"); return }
        try await store.insertCandidates([CandidateRecord(run: "r", documentID: ids[1], personaID: personaID, rank: 0, score: 0.5)])
        #expect(try await store.enqueueForDocuments(run: "r", stage: "configure", samples: 2, onlyWithCandidates: true) == 2)
        let unit = try await store.unit(UnitKey(run: "r", stage: "configure", documentID: ids[1], sample: 1))
        #expect(unit?.state == .pending)
    }

    @Test("concurrent claimers never receive the same unit, and together they receive all")
    func claimExclusivity() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let ids = try await seedDocuments(temporary.store, count: 300)
        try await temporary.store.enqueue(ids.map { UnitKey(run: "r", stage: "configure", documentID: $0, sample: 0) })
        // Two pools on the same file stand in for two processes; eight claimers share them.
        let stores = [temporary.store, try temporary.reopen()]
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for claimer in 0..<8 {
                let store = stores[claimer % 2]
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let units = try await store.claim(run: "r", stage: "configure", limit: 7)
                        if units.isEmpty { return mine }
                        #expect(units.allSatisfy { $0.state == .running })
                        mine += units.compactMap(\.id)
                    }
                }
            }
            var all: [Int64] = []
            for try await mine in group { all += mine }
            return all
        }
        #expect(claimed.count == 300)
        #expect(Set(claimed).count == 300)
        #expect(try await temporary.store.unitCounts(run: "r", stage: "configure") == [.running: 300])
    }

    @Test("completing stores the outputs with the state change, once, and enqueues the next stage")
    func completeIsAtomicAndOnce() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 1)
        try await store.enqueue([UnitKey(run: "r", stage: "configure", documentID: ids[0], sample: 0)])
        let unit = try #require(try await store.claim(run: "r", stage: "configure", limit: 10).first)
        let config = StageOutputRecord(
            run: "r", stage: "configure", documentID: ids[0], sample: 0,
            fields: #"{"character":"a baker","difficulty":"university","question_type":"summary"}"#, variables: "{}",
            requestHash: "h1")
        let call = LLMCallRecord(
            requestHash: "h1", unitKey: unit.key.description, endpoint: "http://x", model: "m", request: "{}",
            response: "{\"character\":\"a baker\"}", status: .ok, httpStatus: 200, promptTokens: 10, completionTokens: 5,
            latencyMilliseconds: 12)
        let next = UnitKey(run: "r", stage: "generate", documentID: ids[0], sample: 0)
        let outputs = UnitOutputs(stageOutputs: [config], llmCalls: [call], enqueue: [next])
        #expect(try await store.complete(unitID: try #require(unit.id), outputs: outputs))
        #expect(try await store.complete(unitID: try #require(unit.id), outputs: outputs) == false)
        #expect(try await store.stageOutputs(run: "r", documentID: ids[0], sample: 0).map(\.fields) == [config.fields])
        #expect(try await store.unit(next)?.state == .pending)
        #expect(try await store.cachedResponse(requestHash: "h1") == "{\"character\":\"a baker\"}")
        let status = try await store.status()
        #expect(status.stageOutputs == 1 && status.examples == 0)
        #expect(status.count(stage: "configure", state: .done) == 1)
        #expect(status.count(stage: "generate", state: .pending) == 1)
        #expect(status.promptTokens == 10 && status.completionTokens == 5)
    }

    @Test("a failed attempt is retried after its delay until the attempts run out")
    func failAndRetry() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 1)
        try await store.enqueue([UnitKey(run: "r", stage: "generate", documentID: ids[0], sample: 0)])
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let policy = FailurePolicy(maxAttempts: 3, retryDelay: 30)
        let reject = RejectRecord(
            run: "r", source: "generate", location: "r/generate/1/0", reason: "empty_query", detail: "the query is empty",
            payload: "{\"query\":\"\"}")
        var unit = try #require(try await store.claim(run: "r", stage: "generate", limit: 1, now: start).first)
        #expect(try await store.fail(unitID: unit.id!, error: "bad answer", policy: policy, rejects: [reject], now: start) == .pending)
        // Not claimable before the delay has passed, claimable after.
        #expect(try await store.claim(run: "r", stage: "generate", limit: 1, now: start.addingTimeInterval(10)).isEmpty)
        unit = try #require(try await store.claim(run: "r", stage: "generate", limit: 1, now: start.addingTimeInterval(31)).first)
        #expect(unit.attempts == 1)
        #expect(unit.lastError == "bad answer")
        #expect(try await store.fail(unitID: unit.id!, error: "bad again", policy: policy, now: start.addingTimeInterval(31)) == .pending)
        unit = try #require(try await store.claim(run: "r", stage: "generate", limit: 1, now: start.addingTimeInterval(100)).first)
        #expect(try await store.fail(unitID: unit.id!, error: "bad thrice", policy: policy, now: start.addingTimeInterval(100)) == .failed)
        #expect(try await store.unitCounts(run: "r", stage: "generate") == [.failed: 1])
        // A unit that is not running is left alone.
        #expect(try await store.fail(unitID: unit.id!, error: "late", policy: policy) == nil)
        let status = try await store.status()
        #expect(status.rejects == [RejectCount(source: "generate", reason: "empty_query", count: 1)])
    }

    @Test("running units left by a dead process go back to pending when a run starts")
    func crashRecovery() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        do {
            let store = temporary.store
            let ids = try await seedDocuments(store, count: 20)
            try await store.enqueue(ids.map { UnitKey(run: "r", stage: "configure", documentID: $0, sample: 0) })
            let claimed = try await store.claim(run: "r", stage: "configure", limit: 8)
            try await store.complete(unitID: claimed[0].id!)
        }
        // The "process" is gone; a new one opens the file.
        let reopened = try temporary.reopen()
        #expect(try await reopened.unitCounts(run: "r", stage: "configure") == [.running: 7, .pending: 12, .done: 1])
        #expect(try await reopened.recoverInterruptedUnits(run: "r") == 7)
        #expect(try await reopened.unitCounts(run: "r", stage: "configure") == [.pending: 19, .done: 1])
        #expect(try await reopened.recoverInterruptedUnits() == 0)
    }

    @Test("a successful answer stored under a hash is never replaced; a failed one is")
    func llmCallCache() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        func call(_ status: LLMCallStatus, _ response: String?) -> LLMCallRecord {
            LLMCallRecord(
                requestHash: "abc", unitKey: nil, endpoint: "http://e", model: "m", request: "{}", response: response,
                status: status, httpStatus: status == .ok ? 200 : 503, promptTokens: 1, completionTokens: 1,
                latencyMilliseconds: 1)
        }
        try await store.recordLLMCall(call(.httpError, nil))
        #expect(try await store.cachedResponse(requestHash: "abc") == nil)
        #expect(try await store.llmCall(requestHash: "abc")?.status == .httpError)
        try await store.recordLLMCall(call(.ok, "first"))
        try await store.recordLLMCall(call(.ok, "second"))
        try await store.recordLLMCall(call(.transportError, nil))
        #expect(try await store.cachedResponse(requestHash: "abc") == "first")
        #expect(try await store.status().llmCalls == 1)
    }

    @Test("a stored call's columns are what Python's sqlite3 reads back: text, NULLs, numbers and created_at as GRDB writes dates")
    func llmCallColumns() async throws {
        guard TestEnvironment.python != nil else {
            try #require(!TestEnvironment.isCI, "the Python venv is missing (scripts/setup --deps)")
            return
        }
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let created = Date(timeIntervalSince1970: 1_767_323_045.5)
        let calls = [
            LLMCallRecord(
                requestHash: "h1", unitKey: "u/1", endpoint: "http://e:1/v1", model: "caf\u{E9}", request: #"{"q":"\u00e9"}"#,
                response: "{\"a\":1}", status: .ok, httpStatus: 200, promptTokens: 12, completionTokens: 34,
                latencyMilliseconds: 2001.25, createdAt: created),
            LLMCallRecord(
                requestHash: "h2", unitKey: nil, endpoint: "e", model: "m", request: "{}", response: nil, status: .transportError,
                httpStatus: nil, promptTokens: 0, completionTokens: 0, latencyMilliseconds: 0.5, createdAt: created),
            LLMCallRecord(
                requestHash: "h3", unitKey: nil, endpoint: "e", model: "m", request: "{}", response: nil, status: .httpError,
                httpStatus: 503, promptTokens: 0, completionTokens: 0, latencyMilliseconds: 1, createdAt: created),
        ]
        for call in calls { try await temporary.store.recordLLMCall(call) }
        // h3 failed; a later success replaces it under a new row id, and a later failure of h1 changes nothing.
        var again = calls[2]
        again.status = .ok
        again.response = "{}"
        again.httpStatus = 200
        try await temporary.store.recordLLMCall(again)
        var failedAgain = calls[0]
        failedAgain.status = .httpError
        try await temporary.store.recordLLMCall(failedAgain)
        let script = """
            import datetime, json, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            rows = db.execute("SELECT id, request_hash, unit_key, endpoint, model, request, response, status, http_status, "
                              "prompt_tokens, completion_tokens, latency_ms, created_at, typeof(latency_ms) FROM llm_calls ORDER BY id").fetchall()
            when = datetime.datetime.fromtimestamp(1767323045.5, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.500")
            print(json.dumps({"rows": rows, "when": when}, ensure_ascii=False))
            """
        let output = try ProcessRunner.python(script, arguments: [temporary.url.path])
        let result = try JSONSerialization.jsonObject(with: output) as? [String: Any]
        let rows = try #require(result?["rows"] as? [[Any]])
        let when = try #require(result?["when"] as? String)
        try #require(rows.count == 3, "rows: \(rows)")
        func text(_ row: [Any], _ i: Int) -> String? { row[i] as? String }
        func number(_ row: [Any], _ i: Int) -> Double? { (row[i] as? NSNumber)?.doubleValue }
        #expect(rows.map { text($0, 1) } == ["h1", "h2", "h3"])
        #expect(rows.map { (($0[0] as? NSNumber)?.intValue ?? 0) } == [1, 2, 4])  // h3's replacement took id 4
        #expect(text(rows[0], 2) == "u/1" && rows[1][2] is NSNull)
        #expect(text(rows[0], 3) == "http://e:1/v1" && text(rows[0], 4) == "caf\u{E9}" && text(rows[0], 5) == #"{"q":"\u00e9"}"#)
        #expect(text(rows[0], 6) == "{\"a\":1}" && rows[1][6] is NSNull && text(rows[2], 6) == "{}")
        #expect(rows.map { text($0, 7) } == ["ok", "transport_error", "ok"])
        #expect(number(rows[0], 8) == 200 && rows[1][8] is NSNull && number(rows[2], 8) == 200)
        #expect(number(rows[0], 9) == 12 && number(rows[0], 10) == 34)
        #expect(rows.map { number($0, 11) } == [2001.25, 0.5, 1])
        #expect(rows.map { text($0, 13) } == ["real", "real", "real"])
        #expect(rows.map { text($0, 12) } == [when, when, when])
    }
}
