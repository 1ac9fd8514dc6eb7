import Cron
import Foundation
import Postgres
import Units

/// What writing a set of job files into the catalogue changed, job by job (each list in name order).
package struct CatalogChanges: Sendable, Equatable, Codable {
    /// Jobs that were not in the catalogue, or were removed from it and are back.
    package var added: [String] = []
    /// Jobs whose spec differs from the stored one.
    package var changed: [String] = []
    /// Jobs whose file is gone: retired, their queued runs skipped (their running runs finish).
    package var removed: [String] = []
    /// Jobs whose spec is the stored one.
    package var unchanged: [String] = []

    package init(added: [String] = [], changed: [String] = [], removed: [String] = [], unchanged: [String] = []) {
        self.added = added
        self.changed = changed
        self.removed = removed
        self.unchanged = unchanged
    }

    /// True when the catalogue is what it was.
    package var isEmpty: Bool { added.isEmpty && changed.isEmpty && removed.isEmpty }

    /// `1 added (nightly), 1 changed (hourly), 0 removed, 3 unchanged`, for logs and the command line.
    package var summary: String {
        func part(_ names: [String], _ what: String) -> String {
            "\(names.count) \(what)" + (names.isEmpty ? "" : " (\(names.joined(separator: ", ")))")
        }
        return [part(added, "added"), part(changed, "changed"), part(removed, "removed"), "\(unchanged.count) unchanged"].joined(separator: ", ")
    }
}

extension RunStore {
    static let catalogLock = AdvisoryLockKey(name: "scheduler.catalog")

    /// Writes the specs from `jobs/` into the `jobs` table. Files are the source of truth for specs; the table keeps
    /// each job's state (paused, last slot) across restarts and spec changes.
    /// - Parameter removeMissing: mark jobs whose file is gone as removed (their queued runs are skipped). Only the
    ///   daemon does this; a CLI started elsewhere must not retire every job.
    /// - Returns: the names of jobs added or changed, in the order of `specs`.
    @discardableResult
    package func syncCatalog(_ specs: [JobSpec], removeMissing: Bool) async throws -> [String] {
        let changes = try await applyCatalog(specs, removeMissing: removeMissing)
        let written = Set(changes.added + changes.changed)
        return specs.map(\.name).filter(written.contains)
    }

    /// Makes the catalogue's file jobs exactly `specs` (with `removeMissing`) in one transaction, and says what that
    /// changed. Any error rolls the whole set back: the catalogue is then what it was, never half of the new set.
    ///
    /// Runs that are running keep the spec they were claimed with (`ClaimedRun.spec`), so a changed or removed job's
    /// running run finishes as it started; queued runs of a changed job run under the new spec, those of a removed job
    /// are skipped.
    /// - Throws: ``SchedulerError`` with `reservedJobName` when a file takes the name of an API job.
    @discardableResult
    package func applyCatalog(_ specs: [JobSpec], removeMissing: Bool) async throws -> CatalogChanges {
        try await pool.withTransaction { connection in
            try await connection.advisoryTransactionLock(Self.catalogLock)
            let reserved = try await connection.query("SELECT name FROM jobs WHERE origin <> 'file' AND name = ANY($1)", [specs.map(\.name)])
                .decode(String.self)
            if let name = reserved.first {
                throw SchedulerError(
                    code: .reservedJobName,
                    message: "the job name '\(name)' is reserved for runs created over the API; rename jobs/\(name).yaml"
                )
            }
            struct Stored: Decodable {
                let name: String
                let specHash: String
            }
            let stored = try await connection.query("SELECT name, spec_hash FROM jobs WHERE origin = 'file' AND removed_at IS NULL")
                .decode(Stored.self)
            let storedHashes = Dictionary(stored.map { ($0.name, $0.specHash) }, uniquingKeysWith: { first, _ in first })
            var changes = CatalogChanges()
            for spec in specs {
                switch storedHashes[spec.name] {
                case nil: changes.added.append(spec.name)
                case spec.specHash: changes.unchanged.append(spec.name)
                default: changes.changed.append(spec.name)
                }
                try await Self.upsert(spec, on: connection)
            }
            if removeMissing {
                changes.removed = try await connection.query(
                    """
                    UPDATE jobs SET removed_at = now(), updated_at = now() WHERE removed_at IS NULL AND origin = 'file' AND NOT (name = ANY($1))
                    RETURNING name
                    """,
                    [specs.map(\.name)]
                ).decode(String.self)
                try await connection.execute(
                    """
                    UPDATE job_runs r SET status = 'skipped', finished_at = now(), error = 'the job was removed from jobs/'
                    FROM jobs j WHERE j.name = r.job_name AND j.removed_at IS NOT NULL AND r.status = 'queued'
                    """
                )
            }
            changes.added.sort()
            changes.changed.sort()
            changes.removed.sort()
            changes.unchanged.sort()
            return changes
        }
    }

    /// Writes one spec: a new row, or the stored row's spec when it changed or the job comes back after removal.
    private static func upsert(_ spec: JobSpec, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            INSERT INTO jobs (name, kind, schedule, timezone, spec, spec_hash, enabled, concurrency, starting_deadline_seconds,
                keep_succeeded, keep_failed, max_age_seconds)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, schedule = EXCLUDED.schedule, timezone = EXCLUDED.timezone,
                spec = EXCLUDED.spec, spec_hash = EXCLUDED.spec_hash, enabled = EXCLUDED.enabled, removed_at = NULL,
                active_since = CASE
                    WHEN jobs.removed_at IS NOT NULL OR (NOT jobs.enabled AND EXCLUDED.enabled)
                        OR jobs.schedule <> EXCLUDED.schedule OR jobs.timezone <> EXCLUDED.timezone
                    THEN now() ELSE jobs.active_since END,
                concurrency = EXCLUDED.concurrency, starting_deadline_seconds = EXCLUDED.starting_deadline_seconds,
                keep_succeeded = EXCLUDED.keep_succeeded, keep_failed = EXCLUDED.keep_failed,
                max_age_seconds = EXCLUDED.max_age_seconds, updated_at = now()
            WHERE jobs.spec_hash <> EXCLUDED.spec_hash OR jobs.removed_at IS NOT NULL
            """,
            [
                spec.name, spec.kind, spec.schedule.expression, spec.timeZoneName, try PostgresJSON(spec.document), spec.specHash,
                spec.enabled, spec.concurrency.rawValue, spec.startingDeadline?.inSeconds, spec.history.keepSucceeded,
                spec.history.keepFailed, spec.history.maxAge.inSeconds,
            ]
        )
    }
}
