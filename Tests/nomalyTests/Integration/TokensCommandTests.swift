import Foundation
import Postgres
import Processes
import TestSupport
import Testing

@Suite("nomaly tokens, against a real database")
struct TokensCommandTests {
    @Test("list says expired for a token past its expiry, as the API treats it, and revoked for a revoked one")
    func expiredTokens() async throws {
        try await ScratchDatabase.withSchema { pool, scratch in
            let cli = ["DATABASE_URL": scratch.connectionString, "LOG_LEVEL": "warning"]
            for name in ["current", "old", "gone"] {
                let created = try await NomalyProcess.run(["tokens", "create", "--name", name, "--role", "viewer"], environment: cli)
                #expect(created.status == 0, "\(created.combinedOutput)")
            }
            try await pool.execute("UPDATE api_tokens SET expires_at = now() - interval '1 hour' WHERE name = 'old'")
            #expect(try await NomalyProcess.run(["tokens", "revoke", "gone"], environment: cli).status == 0)

            let list = try await NomalyProcess.run(["tokens", "list"], environment: cli)
            #expect(list.status == 0, "\(list.combinedOutput)")
            let states = Dictionary(
                uniqueKeysWithValues: list.standardOutput.split(separator: "\n").dropFirst().map { line in
                    let cells = line.split(separator: " ", omittingEmptySubsequences: true)
                    return (String(cells.first!), String(cells.last!))
                }
            )
            #expect(states == ["current": "active", "old": "expired", "gone": "revoked"], "\(list.standardOutput)")
        }
    }

    @Test("a refused token name is a plain sentence and a wrong command line (64), a taken one a failure (1): no HTTP status")
    func errorsWithoutHTTP() async throws {
        try await ScratchDatabase.withSchema { _, scratch in
            let cli = ["DATABASE_URL": scratch.connectionString, "LOG_LEVEL": "warning"]
            let malformed = try await NomalyProcess.run(["tokens", "create", "--name", "no spaces", "--role", "viewer"], environment: cli)
            #expect(malformed.status == 64, "\(malformed.combinedOutput)")
            #expect(malformed.standardError.hasPrefix("error: a token name is 1–64 letters"), "\(malformed.standardError)")
            #expect(!malformed.standardError.contains("400"), "\(malformed.standardError)")
            #expect(!malformed.standardError.contains("invalid_name"), "\(malformed.standardError)")

            #expect(try await NomalyProcess.run(["tokens", "create", "--name", "ci", "--role", "viewer"], environment: cli).status == 0)
            let taken = try await NomalyProcess.run(["tokens", "create", "--name", "ci", "--role", "viewer"], environment: cli)
            #expect(taken.status == 1, "\(taken.combinedOutput)")
            #expect(taken.standardError.hasPrefix("error: a token named ci exists already"), "\(taken.standardError)")
            #expect(!taken.standardError.contains("409"), "\(taken.standardError)")

            let role = try await NomalyProcess.run(["tokens", "create", "--name", "x", "--role", "root"], environment: cli)
            #expect(role.status == 64)
            #expect(role.standardError.contains("viewer, operator or admin"), "\(role.standardError)")
        }
    }
}
