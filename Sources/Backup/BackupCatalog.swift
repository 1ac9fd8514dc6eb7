import FileSystem
package import Foundation
import Logging
package import Postgres

/// One row of the `backups` table: an attempt to make a set, failed ones included.
package struct BackupRecord: Decodable, Sendable {
    package let id: String
    package let kind: String
    /// `running`, `succeeded` or `failed`.
    package let status: String
    package let location: String
    package let remoteUri: String?
    package let sizeBytes: Int64?
    package let sha256: String?
    package let error: String?
    package let startedAt: Date
    package let finishedAt: Date?
    package let verifiedAt: Date?
}

/// The `backups` table, and every statement on it: one row per attempt, failed ones included, so that alerts and
/// `nomaly report` see failures that left no set behind. Nothing else reads or writes the table; the sets themselves
/// are found by ``BackupSets``.
///
/// ```swift
/// let catalog = BackupCatalog(pool: pool)
/// for row in try await catalog.records() where row.status == "failed" { print(row.id, row.error ?? "") }
/// ```
package struct BackupCatalog: Sendable {
    let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    func started(_ id: BackupSetID, scope: BackupScope, location: String) async throws {
        try await pool.execute(
            "INSERT INTO backups (id, kind, status, location, started_at) VALUES ($1, $2, 'running', $3, now())",
            [id.value, scope.rawValue, location]
        )
    }

    func succeeded(_ manifest: BackupManifest, manifestSHA256: String) async throws {
        let json = String(decoding: try manifest.encoded(), as: UTF8.self)
        try await pool.execute(
            """
            UPDATE backups SET status = 'succeeded', finished_at = now(), size_bytes = $2, sha256 = $3, manifest = $4::jsonb, error = NULL
            WHERE id = $1
            """,
            [manifest.id.value, manifest.totalSize, manifestSHA256, json]
        )
    }

    /// Written in a task of its own: a cancelled backup (a job's timeout) must still record why it stopped, and a
    /// statement in a cancelled task would be cancelled too.
    func failed(_ id: BackupSetID, error: String) async {
        let pool = pool
        let written = await Task.detached {
            try await pool.execute(
                "UPDATE backups SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1",
                [id.value, String(error.prefix(4000))]
            )
        }.result
        if case .failure(let failure) = written {
            Logger(label: "nomaly.backup").error("could not record a failed backup", metadata: ["id": "\(id)", "error": "\(failure)"])
        }
    }

    func verified(_ id: BackupSetID) async throws {
        try await pool.execute("UPDATE backups SET verified_at = now() WHERE id = $1", [id.value])
    }

    func uploaded(_ id: BackupSetID, remoteURI: String) async throws {
        try await pool.execute("UPDATE backups SET remote_uri = $2 WHERE id = $1", [id.value, remoteURI])
    }

    /// Every row, oldest first.
    package func records() async throws -> [BackupRecord] {
        try await pool.query(
            """
            SELECT id, kind, status, location, remote_uri, size_bytes, sha256, error, started_at, finished_at, verified_at
            FROM backups ORDER BY id
            """
        ).decode(BackupRecord.self)
    }

    /// Drops the set's row (retention, once no copy of the set is left).
    package func delete(_ id: BackupSetID) async throws {
        try await pool.execute("DELETE FROM backups WHERE id = $1", [id.value])
    }
}
