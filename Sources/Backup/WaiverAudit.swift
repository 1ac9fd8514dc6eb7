import Audit
import Logging
import Postgres

/// Makes every waiver an operator used visible: a warning in the log and an `audit_log` entry (action
/// `backup.waiver`, target the set id, details `{operation, waived, reasons}`), written once the set passed its
/// checks and before it is used, so a refused set leaves the database as it was.
///
/// A restore replaces `audit_log` with the set's copy, so it writes the entry again once the database is restored
/// (``recordAgainAfterRestore(_:operation:actor:)``): the entry survives whether the restore fails or succeeds.
struct WaiverAudit {
    let environment: BackupEnvironment

    static let action = "backup.waiver"

    private struct Details: Encodable, Sendable {
        let operation: String
        let waived: [String]
        let reasons: [String]
    }

    /// - Parameter tolerateMissingTable: a restore into an empty database (the disaster case) has no `audit_log` yet;
    ///   it records the waiver after the restore instead.
    func record(_ set: FetchedSet, operation: String, actor: String, tolerateMissingTable: Bool = false) async throws {
        let waived = set.authentication.waived
        guard !waived.isEmpty else { return }
        environment.logger.warning(
            "backup set accepted without the protection a configured key demands",
            metadata: [
                "id": "\(set.manifest.id)", "operation": "\(operation)", "waived": "\(waived.map(\.kind).joined(separator: ","))",
                "reasons": "\(waived.map(\.reason).joined(separator: "; "))", "actor": "\(actor)",
            ]
        )
        do {
            try await insert(set, operation: operation, actor: actor)
        } catch let error as PostgresError where tolerateMissingTable && error.sqlState == "42P01" {
            environment.logger.warning("audit_log does not exist yet: the waiver is recorded once the database is restored")
        }
    }

    /// After a database restore, whose `audit_log` is the set's: never throws, since the restore has happened.
    func recordAgainAfterRestore(_ set: FetchedSet, operation: String, actor: String) async {
        guard !set.authentication.waived.isEmpty else { return }
        do {
            try await insert(set, operation: operation, actor: actor)
        } catch {
            environment.logger.error(
                "could not write the waiver to audit_log after the restore",
                metadata: ["id": "\(set.manifest.id)", "error": "\(error)"]
            )
        }
    }

    /// Never with a remote address: waivers are given on the command line, not over HTTP.
    private func insert(_ set: FetchedSet, operation: String, actor: String) async throws {
        let waived = set.authentication.waived
        let details = Details(operation: operation, waived: waived.map(\.kind), reasons: waived.map(\.reason))
        try await AuditLog(pool: environment.pool).record(
            AuditEvent(actor: actor, action: Self.action, target: set.manifest.id.value, details: details, remoteAddress: nil)
        )
    }
}
