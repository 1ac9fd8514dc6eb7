package import Foundation
package import JSONValues

/// The states of a run. `queued` and `running` are live; the rest are final.
package enum RunStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case cancelled
    case skipped
    case lost

    package var isFinal: Bool { self != .queued && self != .running }
    /// Failures that count against the job and may be retried.
    package var isFailure: Bool { self == .failed || self == .timedOut || self == .lost }
}

/// One row of `job_runs`, as the CLI and the API show it.
package struct RunRecord: Sendable, Codable, Equatable {
    package let id: Int64
    package let jobName: String
    package let scheduledAt: Date
    package let attempt: Int
    package let trigger: String
    package let status: RunStatus
    package let notBefore: Date
    package let queuedAt: Date
    package let claimedBy: String?
    package let startedAt: Date?
    package let finishedAt: Date?
    package let leaseExpiresAt: Date?
    package let error: String?
    package let exitCode: Int?
    package let result: JSONValue?
    package let cancelRequestedAt: Date?
    /// The spec this run executes instead of its job's: set on runs the API creates (`POST /api/v1/scoring-jobs`).
    package let spec: JSONValue?

    /// Seconds from start to finish, when both are known.
    package var durationSeconds: Double? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }

    static let columns = """
        id, job_name, scheduled_at, attempt, trigger, status, not_before, queued_at, claimed_by, started_at, finished_at,
        lease_expires_at, error, exit_code, result, cancel_requested_at, spec
        """
}

/// Where a job comes from (`jobs.origin`, migration 0003).
package enum JobOrigin: String, Sendable, Codable {
    /// Defined by `jobs/NAME.yaml`: planned by its schedule, retired when its file goes.
    case file
    /// Holds the runs the API creates (`api.scoring`), each with a spec of its own: never planned, never retired.
    case api
}

/// One row of `jobs` with the state the scheduler keeps for it.
package struct JobRow: Sendable, Decodable {
    package let name: String
    package let kind: String
    package let schedule: String
    package let timezone: String
    package let spec: JSONValue
    package let specHash: String
    package let paused: Bool
    package let enabled: Bool
    package let lastScheduledAt: Date?
    package let removedAt: Date?
    package let updatedAt: Date
    package let origin: JobOrigin

    static let columns = "name, kind, schedule, timezone, spec, spec_hash, paused, enabled, last_scheduled_at, removed_at, updated_at, origin"

    /// The spec rebuilt from the row's JSON copy, as the replica that claims a run sees it.
    package func jobSpec(kinds: JobKindRegistry? = nil) throws(JobSpecLoadError) -> JobSpec {
        try JobSpec(document: spec.objectValue ?? [:], defaultName: name, kinds: kinds)
    }
}

/// A run this replica claimed: it holds the lease while its fencing token matches.
package struct ClaimedRun: Sendable, Decodable {
    package let id: Int64
    package let jobName: String
    package let scheduledAt: Date
    /// Where the firing lag (what FiringLagHigh reads) counts from: when the run became due (`not_before`: its slot
    /// plus jitter, or the end of a retry's backoff), except for a catch-up of a slot missed while the job was paused
    /// or the cluster down, which counts from when it was queued. It was due an hour ago but waited for no worker. A
    /// regular slot queued late counts from `not_before`: a planner that falls behind is lag.
    package let dueAt: Date
    package let attempt: Int
    package let trigger: String
    package let leaseToken: UUID
    package let startedAt: Date
    package let spec: JSONValue
}
