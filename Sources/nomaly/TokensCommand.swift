import AdminAPI
import App
import ArgumentParser
import Foundation
import Units

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create, list and revoke API tokens (roles viewer, operator, admin).",
        discussion: """
            viewer reads; operator also triggers, pauses, cancels and scores; admin also registers, promotes, deletes and \
            manages tokens. A token is printed once, when created; only its sha256 is stored.
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")

        @Option(help: "A unique name, recorded in the audit log for every change the token makes.")
        var name: String

        @Option(help: "viewer, operator or admin.")
        var role: String

        @Option(help: "Lifetime such as 90d or 12h (default: no expiry).")
        var expires: String?

        @Flag(help: "Print {token, name, role, created_at, expires_at}.")
        var json = false

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be viewer, operator or admin") }
            let lifetime = try expires.map { try OptionValues.duration($0, option: "--expires") }
            try await Runtime.load().withTokens { tokens in
                let (token, record) = try await tokens.create(name: name, role: role, expiresIn: lifetime)
                if json { return try JSONOutput.print(CreatedToken(token: token, record: record)) }
                print(token)
                FileHandle.standardError.write(
                    Data("created token \(record.name) (\(record.role.rawValue)); store it now: it is not shown again\n".utf8)
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every token: name, role, expiry, last use, revocation.")

        @Flag(help: "Print an array of {name, role, created_at, expires_at, last_used_at, revoked_at}.")
        var json = false

        func run() async throws {
            try await Runtime.load().withTokens { store in
                let tokens = try await store.list()
                if json { return try JSONOutput.print(tokens) }
                let now = Date()
                printColumns(
                    header: ["NAME", "ROLE", "EXPIRES", "LAST USED", "STATE"],
                    rows: tokens.map { token in
                        [
                            token.name, token.role.rawValue, token.expiresAt.map(TimeText.absolute) ?? "never",
                            token.lastUsedAt.map { TimeText.ago($0) } ?? "-", TokensCommand.state(of: token, now: now),
                        ]
                    }
                )
            }
        }
    }

    /// What the API would do with the token now: an expired one is refused just as a revoked one is.
    static func state(of token: TokenRecord, now: Date) -> String {
        if token.revokedAt != nil { return "revoked" }
        if let expiresAt = token.expiresAt, expiresAt <= now { return "expired" }
        return "active"
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once; its name stays reserved.")

        @Argument(help: "The token's name.")
        var name: String

        func run() async throws {
            try await Runtime.load().withTokens { tokens in
                guard try await tokens.revoke(name: name) else { throw CommandFailure("no active token named \(name)") }
                print("revoked \(name)")
            }
        }
    }
}
