import Audit
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("The audit log, its one writer (real Postgres)")
struct AuditLogTests {
    /// What a caller reads back; `details` as the server prints the jsonb, which is what "the same row" means.
    struct Row: Decodable, Equatable {
        let actor: String
        let action: String
        let target: String?
        let details: String
        let remoteAddr: String?
    }

    static func rows(_ pool: PostgresPool) async throws -> [Row] {
        try await pool.query("SELECT actor, action, target, details::text AS details, remote_addr FROM audit_log ORDER BY id").decode(Row.self)
    }

    @Test("an event is stored with its actor, action, target, details and address; the address defaults to the request's")
    func record() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let audit = AuditLog(pool: pool)
            try await audit.record(
                AuditEvent(actor: "token:ci", action: "job.trigger", target: "nightly", details: ["run_id": "7"], remoteAddress: "10.0.0.7")
            )
            try await AuditOrigin.$remoteAddress.withValue("192.0.2.1") {
                try await audit.record(AuditEvent(actor: "token:ci", action: "model.promote", target: "fraud@production", details: ["to": 3]))
                try await audit.record(
                    AuditEvent(actor: "cli:ana", action: "backup.waiver", target: nil, details: [String: Int](), remoteAddress: nil)
                )
            }
            try await audit.record(AuditEvent(actor: "cli:ana", action: "token.revoke", target: "ci", details: [String: String]()))
            #expect(
                try await Self.rows(pool) == [
                    Row(actor: "token:ci", action: "job.trigger", target: "nightly", details: #"{"run_id": "7"}"#, remoteAddr: "10.0.0.7"),
                    Row(actor: "token:ci", action: "model.promote", target: "fraud@production", details: #"{"to": 3}"#, remoteAddr: "192.0.2.1"),
                    Row(actor: "cli:ana", action: "backup.waiver", target: nil, details: "{}", remoteAddr: nil),
                    Row(actor: "cli:ana", action: "token.revoke", target: "ci", details: "{}", remoteAddr: nil),
                ]
            )
        }
    }

    @Test("an entry appended on a connection commits and rolls back with the caller's transaction")
    func transactional() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            struct Abandoned: Error {}
            await #expect(throws: Abandoned.self) {
                try await pool.withTransaction { connection in
                    try await AuditLog.record(AuditEvent(actor: "a", action: "x.undone", target: "t", details: ["k": "v"]), on: connection)
                    throw Abandoned()
                }
            }
            try await pool.withTransaction { connection in
                try await AuditLog.record(AuditEvent(actor: "a", action: "x.done", target: "t", details: ["k": "v"]), on: connection)
            }
            #expect(try await Self.rows(pool).map(\.action) == ["x.done"])
        }
    }

    @Test("entries come newest first, page by id, and clamp the limit")
    func entries() async throws {
        struct Entry: Decodable {
            let id: Int64
            let at: Date
            let action: String
            let remoteAddr: String?
        }
        try await ScratchDatabase.withSchema { pool, _ in
            let audit = AuditLog(pool: pool)
            for number in 1...5 {
                try await audit.record(AuditEvent(actor: "a", action: "step.\(number)", target: nil, details: [String: String]()))
            }
            let first: [Entry] = try await audit.entries(limit: 2)
            #expect(first.map(\.action) == ["step.5", "step.4"])
            let second = try await audit.entries(limit: 2, before: first.last?.id, as: Entry.self)
            #expect(second.map(\.action) == ["step.3", "step.2"])
            #expect(try await audit.entries(limit: 0, as: Entry.self).count == 1)
            #expect(try await audit.entries(limit: 5000, as: Entry.self).count == 5)
        }
    }

    /// The statements the registry, the API and backup waivers used before the log had one owner, verbatim: the event
    /// API must write the very same rows.
    @Test("rows equal the ones the registry, the API and the waiver audit wrote with their own statements")
    func sameRowsAsBefore() async throws {
        struct Waiver: Encodable, Sendable {
            let operation: String
            let waived: [String]
            let reasons: [String]
        }
        try await ScratchDatabase.withSchema { pool, _ in
            let waiver = Waiver(operation: "restore", waived: ["signature"], reasons: ["unsigned/legacy set"])
            let apiDetails = ["run_id": "12", "path": "a/b"]
            let registryDetails: [String: Double?] = ["from": nil, "to": 3, "rate": 0.25]
            try await pool.execute(
                "INSERT INTO audit_log (actor, action, target, details, remote_addr) VALUES ($1, $2, $3, $4::jsonb, $5)",
                ["token:ci", "scoring_job.create", "12", String(decoding: try JSONEncoder().encode(apiDetails), as: UTF8.self), "10.1.1.1"]
            )
            try await pool.execute(
                "INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4::jsonb)",
                ["cli:ana", "backup.waiver", "20300101_000000", String(decoding: try JSONEncoder().encode(waiver), as: UTF8.self)]
            )
            try await pool.execute(
                "INSERT INTO audit_log (actor, action, target, details, remote_addr) VALUES ($1, $2, $3, $4::jsonb, $5)",
                ["ana", "model.promote", "fraud@production", try PostgresJSON(registryDetails), String?.none]
            )
            let before = try await Self.rows(pool)
            try await pool.execute("DELETE FROM audit_log")

            let audit = AuditLog(pool: pool)
            try await audit.record(
                AuditEvent(actor: "token:ci", action: "scoring_job.create", target: "12", details: apiDetails, remoteAddress: "10.1.1.1")
            )
            try await audit.record(
                AuditEvent(actor: "cli:ana", action: "backup.waiver", target: "20300101_000000", details: waiver, remoteAddress: nil)
            )
            try await pool.withConnection { connection in
                try await AuditLog.record(
                    AuditEvent(actor: "ana", action: "model.promote", target: "fraud@production", details: registryDetails),
                    on: connection
                )
            }
            #expect(try await Self.rows(pool) == before)
        }
    }
}
