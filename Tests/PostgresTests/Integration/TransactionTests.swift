import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Transactions and advisory locks (real Postgres)")
struct TransactionTests {
    struct Deliberate: Error {}

    @Test("a transaction commits when its body returns and rolls back when it throws")
    func commitAndRollback() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await pool.execute("CREATE TABLE ledger (entry text NOT NULL)")
            try await pool.withTransaction { connection in
                try await connection.execute("INSERT INTO ledger VALUES ($1)", ["kept"])
            }
            await #expect(throws: Deliberate.self) {
                try await pool.withTransaction { connection in
                    try await connection.execute("INSERT INTO ledger VALUES ($1)", ["discarded"])
                    throw Deliberate()
                }
            }
            let entries = try await pool.query("SELECT entry FROM ledger ORDER BY entry").decode(String.self)
            #expect(entries == ["kept"])
        }
    }

    @Test("swallowing a statement's error inside the body does not pass off a rolled-back transaction as committed")
    func abortedTransactionIsReported() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await pool.execute("CREATE TABLE ledger (entry text PRIMARY KEY)")
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    try await connection.execute("INSERT INTO ledger VALUES ('a')")
                    _ = try? await connection.execute("INSERT INTO ledger VALUES ('a')")
                }
            }
            #expect(error.message.contains("rolled back"))
            #expect(try await pool.query("SELECT count(*) FROM ledger").first!.decode(Int.self) == 0)
        }
    }

    @Test("an advisory lock excludes other sessions while held and is free again afterwards")
    func advisoryLocks() async throws {
        try await ScratchDatabase.with(maximumConnections: 3) { pool, _ in
            let key = AdvisoryLockKey(name: "test-lock")
            #expect(key == AdvisoryLockKey(name: "test-lock"))
            #expect(key != AdvisoryLockKey(name: "other-lock"))
            let whileHeld = try await pool.withAdvisoryLock(key) { _ in
                try await pool.withAdvisoryLockIfAvailable(key) { _ in "got it" }
            }
            #expect(whileHeld == nil)
            let afterwards = try await pool.withAdvisoryLockIfAvailable(key) { _ in "got it" }
            #expect(afterwards == "got it")
            await #expect(throws: Deliberate.self) {
                try await pool.withAdvisoryLock(key) { _ in throw Deliberate() }
            }
            let afterThrow = try await pool.withAdvisoryLockIfAvailable(key) { _ in true }
            #expect(afterThrow == true)
        }
    }

    @Test("a transaction-level advisory lock is released by COMMIT")
    func transactionLock() async throws {
        try await ScratchDatabase.with(maximumConnections: 2) { pool, _ in
            let key = AdvisoryLockKey(name: "xact")
            try await pool.withTransaction { connection in
                try await connection.advisoryTransactionLock(key)
                #expect(try await pool.withAdvisoryLockIfAvailable(key) { _ in true } == nil)
            }
            #expect(try await pool.withAdvisoryLockIfAvailable(key) { _ in true } == true)
        }
    }
}
