import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Server errors become typed PostgresErrors (real Postgres)")
struct ErrorTests {
    @Test("a unique violation carries SQLSTATE 23505, its code, the message and the detail")
    func uniqueViolation() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await pool.execute("CREATE TABLE things (name text PRIMARY KEY)")
            try await pool.execute("INSERT INTO things VALUES ($1)", ["a"])
            let error = try await #require(throws: PostgresError.self) {
                try await pool.execute("INSERT INTO things VALUES ($1)", ["a"])
            }
            #expect(error.code == .uniqueViolation)
            #expect(error.sqlState == "23505")
            #expect(error.message.contains("duplicate key value violates unique constraint"))
            #expect(error.detail == "Key (name)=(a) already exists.")
            #expect(error.query == "INSERT INTO things VALUES ($1)")
        }
    }

    @Test("a syntax error carries its position and the server's hint when there is one")
    func syntaxErrorAndHint() async throws {
        try await ScratchDatabase.with { pool, _ in
            let syntax = try await #require(throws: PostgresError.self) { try await pool.query("SELEC 1") }
            #expect(syntax.sqlState == "42601")
            #expect(syntax.code == .server)
            #expect(syntax.position == 1)
            let hinted = try await #require(throws: PostgresError.self) { try await pool.query("SELECT lenght('x')") }
            #expect(hinted.sqlState == "42883")
            #expect(hinted.hint?.contains("explicit type casts") == true)
        }
    }

    @Test("a value can never become SQL: the extended protocol refuses a second statement")
    func noStackedStatements() async throws {
        try await ScratchDatabase.with { pool, _ in
            let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1; SELECT 2") }
            #expect(error.sqlState == "42601")
            let hostile = "x'); DROP TABLE pg_class; --"
            let echoed = try #require(try await pool.query("SELECT $1::text", [hostile]).first).decode(String.self)
            #expect(echoed == hostile)
        }
    }

    @Test("conflicting SERIALIZABLE transactions fail with serializationFailure, and maxAttempts retries them")
    func serializationFailure() async throws {
        try await ScratchDatabase.with(maximumConnections: 4) { pool, _ in
            try await pool.execute("CREATE TABLE doctors (name text PRIMARY KEY, on_call boolean NOT NULL)")
            try await pool.execute("INSERT INTO doctors VALUES ('alice', true), ('bob', true)")
            // Write skew: each transaction reads both rows, then takes a different doctor off call.
            let bothRead = Rendezvous(parties: 2)
            func takeOffCall(_ name: String, attempts: Int) async throws {
                var first = true
                try await pool.withTransaction(isolation: .serializable, maxAttempts: attempts) { connection in
                    let onCall = try await connection.query("SELECT count(*) FROM doctors WHERE on_call").first!.decode(Int.self)
                    if first {
                        first = false
                        try await bothRead.arrive()
                    }
                    if onCall >= 2 { try await connection.execute("UPDATE doctors SET on_call = false WHERE name = $1", [name]) }
                }
            }
            let alice = Task { try await takeOffCall("alice", attempts: 1) }
            let bob = Task { try await takeOffCall("bob", attempts: 1) }
            let outcomes = [await alice.result, await bob.result]
            let failures = outcomes.compactMap { outcome -> PostgresError? in
                if case .failure(let error as PostgresError) = outcome { return error }
                return nil
            }
            #expect(failures.count == 1)
            #expect(failures.first?.code == .serializationFailure)
            #expect(failures.first?.sqlState == "40001")

            try await pool.execute("UPDATE doctors SET on_call = true")
            let retried = Rendezvous(parties: 2)
            func retrying(_ name: String) async throws {
                var first = true
                try await pool.withTransaction(isolation: .serializable, maxAttempts: 3) { connection in
                    let onCall = try await connection.query("SELECT count(*) FROM doctors WHERE on_call").first!.decode(Int.self)
                    if first {
                        first = false
                        try await retried.arrive()
                    }
                    if onCall >= 2 { try await connection.execute("UPDATE doctors SET on_call = false WHERE name = $1", [name]) }
                }
            }
            async let a: Void = retrying("alice")
            async let b: Void = retrying("bob")
            _ = try await (a, b)
            let stillOnCall = try #require(try await pool.query("SELECT count(*) FROM doctors WHERE on_call").first).decode(Int.self)
            #expect(stillOnCall == 1)
        }
    }
}

/// Lets concurrent tasks wait until all of them reached the same point.
actor Rendezvous {
    private let parties: Int
    private var arrived = 0

    init(parties: Int) { self.parties = parties }

    /// Waits until every party has arrived. Throws, failing the test instead of hanging it, when one never does
    /// (it could not connect, or failed before arriving).
    func arrive(timeout: Duration = .seconds(60)) async throws {
        arrived += 1
        let deadline = ContinuousClock.now + timeout
        while arrived < parties {
            guard ContinuousClock.now < deadline else { throw WaitTimeout(timeout: timeout) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
