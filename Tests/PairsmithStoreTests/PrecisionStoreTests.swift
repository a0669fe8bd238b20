import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// The per-run precision record (migration v4) and databases written before it existed.
@Suite("run precision")
struct PrecisionStoreTests {
    @Test("a run keeps the first precision recorded for it; other runs are independent")
    func firstWins() async throws {
        let fixture = try TemporaryStore()
        defer { fixture.directory.remove() }
        #expect(try await fixture.store.recordedPrecision(run: "r") == nil)
        #expect(try await fixture.store.recordPrecision(run: "r", precision: "bf16") == "bf16")
        #expect(try await fixture.store.recordPrecision(run: "r", precision: "fp32") == "bf16")
        #expect(try await fixture.store.recordedPrecision(run: "r") == "bf16")
        #expect(try await fixture.store.recordedPrecision(run: "other") == nil)
        #expect(try await fixture.reopen().recordedPrecision(run: "r") == "bf16")
    }

    @Test("a database from before v4 (no run_precisions table, checked with sqlite3) opens, gains it, and records nothing")
    func olderDatabase() async throws {
        let fixture = try TemporaryStore()
        defer { fixture.directory.remove() }
        try await fixture.store.beginRun(
            RunRecord(
                id: "old", pipelinePath: "p.yaml", pipelineSHA256: String(repeating: "0", count: 64), configuration: "",
                pairsmithVersion: "0", createdAt: Date(), updatedAt: Date()))
        // Turn the file back into what the code before this migration wrote, with the sqlite3 module of Python.
        let script = """
            import sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            con.execute("DROP TABLE run_precisions")
            con.execute("DELETE FROM grdb_migrations WHERE identifier = 'v4-run-precision'")
            con.commit()
            print(con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'run_precisions'").fetchone()[0])
            """
        let python = try TestEnvironment.requirePython()
        let down = try ProcessRunner.run(python, ["-c", script, fixture.url.path])
        #expect(down.status == 0, "\(down.stderr)")
        #expect(String(decoding: down.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let reopened = try fixture.reopen()
        #expect(try await reopened.run("old") != nil)
        #expect(try await reopened.recordedPrecision(run: "old") == nil)
        let check = try ProcessRunner.run(
            python,
            [
                "-c",
                """
                import sqlite3, sys
                con = sqlite3.connect(sys.argv[1])
                print(con.execute("SELECT count(*) FROM grdb_migrations WHERE identifier = 'v4-run-precision'").fetchone()[0])
                """, fixture.url.path,
            ])
        #expect(String(decoding: check.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }
}
