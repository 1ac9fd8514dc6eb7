public import Foundation
public import JSONValues

/// The states of a run. `queued` and `running` are live; the rest are final.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case cancelled
    case skipped
    case lost

    public var isFinal: Bool { self != .queued && self != .running }
    /// Failures that count against the job and may be retried.
    public var isFailure: Bool { self == .failed || self == .timedOut || self == .lost }
}

/// One row of `job_runs`, as the CLI and the API show it.
public struct RunRecord: Sendable, Codable, Equatable {
    public let id: Int64
    public let jobName: String
    public let scheduledAt: Date
    public let attempt: Int
    public let trigger: String
    public let status: RunStatus
    public let notBefore: Date
    public let queuedAt: Date
    public let claimedBy: String?
    public let startedAt: Date?
    public let finishedAt: Date?
    public let leaseExpiresAt: Date?
    public let error: String?
    public let exitCode: Int?
    public let result: JSONValue?
    public let cancelRequestedAt: Date?
    /// The spec this run executes instead of its job's: set on runs the API creates (`POST /api/v1/scoring-jobs`).
    public let spec: JSONValue?

    /// Seconds from start to finish, when both are known.
    public var durationSeconds: Double? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }

    static let columns = """
        id, job_name, scheduled_at, attempt, trigger, status, not_before, queued_at, claimed_by, started_at, finished_at,
        lease_expires_at, error, exit_code, result, cancel_requested_at, spec
        """
}

/// Where a job comes from (`jobs.origin`, migration 0003).
public enum JobOrigin: String, Sendable, Codable {
    /// Defined by `jobs/NAME.yaml`: planned by its schedule, retired when its file goes.
    case file
    /// Holds the runs the API creates (`api.scoring`), each with a spec of its own: never planned, never retired.
    case api
}

/// One row of `jobs` with the state the scheduler keeps for it.
public struct JobRow: Sendable, Decodable {
    public let name: String
    public let kind: String
    public let schedule: String
    public let timezone: String
    public let spec: JSONValue
    public let specHash: String
    public let paused: Bool
    public let enabled: Bool
    public let lastScheduledAt: Date?
    public let removedAt: Date?
    public let updatedAt: Date
    public let origin: JobOrigin

    static let columns = "name, kind, schedule, timezone, spec, spec_hash, paused, enabled, last_scheduled_at, removed_at, updated_at, origin"

    /// The spec rebuilt from the row's JSON copy, as the replica that claims a run sees it.
    public func jobSpec(kinds: JobKindRegistry? = nil) throws(JobSpecError) -> JobSpec {
        try JobSpec(document: spec.objectValue ?? [:], defaultName: name, kinds: kinds)
    }
}

/// A run this replica claimed: it holds the lease while its fencing token matches.
public struct ClaimedRun: Sendable, Decodable {
    public let id: Int64
    public let jobName: String
    public let scheduledAt: Date
    /// Where the firing lag (what FiringLagHigh reads) counts from: when the run became due (`not_before`: its slot
    /// plus jitter, or the end of a retry's backoff), except for a catch-up of a slot missed while the job was paused
    /// or the cluster down, which counts from when it was queued. It was due an hour ago but waited for no worker. A
    /// regular slot queued late counts from `not_before`: a planner that falls behind is lag.
    public let dueAt: Date
    public let attempt: Int
    public let trigger: String
    public let leaseToken: UUID
    public let startedAt: Date
    public let spec: JSONValue
}
