import FileSystem
import Foundation
import Postgres

/// The `backups` table as it was just before a database restore replaced it with the backup's copy.
///
/// The table describes sets on disk and in the bucket, not data: what it said before the restore (which sets exist,
/// which were verified and when, which failed, where each was uploaded) is newer than anything the dump holds, so a
/// restore must not forget it. Until issue 26 a restore rebuilt the rows of later sets from their manifests as never
/// verified, which moved what retention and `BackupStale` take for the newest verified set.
struct BackupCatalogSnapshot: Sendable {
    /// Every row, as a JSON array of objects keyed by column (`to_jsonb` of each row: times keep their microseconds).
    let rows: String
}

extension BackupCatalog {
    /// Every row as it is now; no rows when the table does not exist (restoring into an empty database).
    func snapshot() async throws -> BackupCatalogSnapshot {
        do {
            let rows = try await pool.query("SELECT coalesce(jsonb_agg(to_jsonb(b) ORDER BY b.id), '[]'::jsonb)::text FROM backups b")
            return BackupCatalogSnapshot(rows: try rows.first!.decode(String.self))
        } catch let error as PostgresError where error.sqlState == "42P01" {
            return BackupCatalogSnapshot(rows: "[]")
        }
    }

    /// After a database restore the table is the backup's; this puts back what was known before it, in one transaction:
    ///
    /// 1. rows the dump left `running` are closed as interrupted, except the restored set's own, which was `running`
    ///    in the snapshot pg_dump read;
    /// 2. every row of `before` is written back as it was (a row in both keeps the later verification and any upload);
    /// 3. the restored set's row says what the set is: succeeded, finished when its manifest says (not now: an old
    ///    set restored must not look fresh to `BackupStale`), and verified now, since the restore has just verified it;
    /// 4. sets in the folder that neither table knows get a row from their manifest, unverified.
    func reconcile(
        keeping before: BackupCatalogSnapshot,
        restored set: FetchedSet,
        location: String,
        localSets: [LocalBackupSet]
    ) async throws {
        let manifest = set.manifest
        let local = try await BlockingWork.run {
            try localSets.map { local in
                (
                    local, try FileDigest.ofSetFile(local.path + "/" + BackupManifest.fileName).sha256,
                    String(decoding: try local.manifest.encoded(), as: UTF8.self)
                )
            }
        }
        let restoredJSON = String(decoding: try manifest.encoded(), as: UTF8.self)
        try await pool.withConnection { connection in
            try await connection.withTransaction { connection in
                try await connection.execute(
                    """
                    UPDATE backups SET status = 'failed', finished_at = now(), error = 'interrupted (found running after a restore)'
                    WHERE status = 'running' AND id <> $1
                    """,
                    [manifest.id.value]
                )
                try await connection.execute(
                    """
                    INSERT INTO backups SELECT * FROM jsonb_populate_recordset(NULL::backups, $1::jsonb)
                    ON CONFLICT (id) DO UPDATE SET
                        kind = EXCLUDED.kind, status = EXCLUDED.status, location = EXCLUDED.location,
                        remote_uri = coalesce(EXCLUDED.remote_uri, backups.remote_uri),
                        size_bytes = coalesce(EXCLUDED.size_bytes, backups.size_bytes),
                        sha256 = coalesce(EXCLUDED.sha256, backups.sha256),
                        manifest = coalesce(EXCLUDED.manifest, backups.manifest),
                        error = EXCLUDED.error, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
                        verified_at = greatest(EXCLUDED.verified_at, backups.verified_at)
                    """,
                    [before.rows]
                )
                try await connection.execute(
                    """
                    INSERT INTO backups (id, kind, status, location, size_bytes, sha256, manifest, started_at, finished_at, verified_at)
                    VALUES ($1, $2, 'succeeded', $3, $4, $5, $6::jsonb, $7, $8, now())
                    ON CONFLICT (id) DO UPDATE SET
                        status = 'succeeded', error = NULL,
                        finished_at = CASE WHEN backups.status = 'succeeded' THEN coalesce(backups.finished_at, EXCLUDED.finished_at)
                            ELSE EXCLUDED.finished_at END,
                        size_bytes = coalesce(backups.size_bytes, EXCLUDED.size_bytes),
                        sha256 = coalesce(backups.sha256, EXCLUDED.sha256),
                        manifest = coalesce(backups.manifest, EXCLUDED.manifest),
                        verified_at = now()
                    """,
                    [
                        manifest.id.value, manifest.kind.rawValue, location, manifest.totalSize, set.manifestSHA256, restoredJSON,
                        manifest.createdAt, manifest.finishedAt,
                    ]
                )
                for (other, digest, json) in local {
                    try await connection.execute(
                        """
                        INSERT INTO backups (id, kind, status, location, size_bytes, sha256, manifest, started_at, finished_at)
                        VALUES ($1, $2, 'succeeded', $3, $4, $5, $6::jsonb, $7, $8)
                        ON CONFLICT (id) DO NOTHING
                        """,
                        [
                            other.id.value, other.manifest.kind.rawValue, other.path, other.manifest.totalSize, digest, json,
                            other.manifest.createdAt, other.manifest.finishedAt,
                        ]
                    )
                }
            }
        }
    }
}
