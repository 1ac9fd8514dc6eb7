import Cron
package import Foundation
package import JSONValues
package import Scheduler

/// What `nomaly jobs` does to jobs and runs, over the database's run store: the CLI asks this, never the store.
package struct JobOperations: Sendable {
    private let store: RunStore

    package init(store: RunStore) {
        self.store = store
    }

    /// Every job with its next fire time (now, in its zone), in the store's order.
    package func list(now: Date = Date()) async throws -> [JobListing] {
        try await store.jobListings(now: now)
    }

    /// One job's spec, state, next five fire times (within 400 days) and five newest runs.
    /// An api job (api.scoring) has no schedule: its runs carry their own specs, so it has no fire times.
    package func details(of name: String, now: Date = Date()) async throws -> JobDetails {
        let row = try await store.job(named: name)
        let spec = row.origin == .file ? try row.jobSpec() : nil
        let fires =
            spec.map { $0.schedule.fireTimes(after: now, through: now.addingTimeInterval(400 * 86_400), in: $0.timeZone, limit: 5) } ?? []
        return JobDetails(
            row: row,
            timeZone: spec?.timeZone,
            explanation: spec?.schedule.explain() ?? "none: runs are created by POST /api/v1/scoring-jobs",
            nextFires: fires,
            recentRuns: try await store.runs(job: name, limit: 5)
        )
    }

    /// A job's runs, newest first; an unknown job is an error rather than an empty list.
    package func history(of name: String, status: RunStatus?, limit: Int) async throws -> [RunRecord] {
        _ = try await store.job(named: name)
        return try await store.runs(job: name, status: status, limit: max(1, limit))
    }

    /// Queues a manual run; returns its id.
    package func trigger(_ name: String) async throws -> Int64 {
        try await store.trigger(job: name)
    }

    /// Polls run `id` until it has ended, or until `timeout` has passed, and returns its last state: not final when
    /// the time ran out (the run itself goes on).
    /// - Parameter onUnclaimed: called once when the run is still queued after 15 s: likely no scheduler runs.
    package func waitForEnd(
        of id: Int64,
        timeout: Duration?,
        onUnclaimed: () -> Void
    ) async throws -> RunRecord {
        let started = ContinuousClock.now
        let deadline = timeout.map { started + $0 }
        var warned = false
        while true {
            let (record, _) = try await store.run(id: id)
            if record.status.isFinal { return record }
            if let deadline, ContinuousClock.now > deadline { return record }
            if !warned, record.status == .queued, ContinuousClock.now - started > .seconds(15) {
                onUnclaimed()
                warned = true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// A run and the kept tail of its output.
    package func logs(of id: Int64) async throws -> (record: RunRecord, logTail: String?) {
        try await store.run(id: id)
    }

    package func setPaused(_ paused: Bool, job name: String) async throws {
        try await store.setPaused(paused, job: name)
    }

    /// Cancels a queued run or asks its worker to stop a running one; returns the run's status afterwards.
    package func cancel(_ id: Int64, reason: String) async throws -> RunStatus {
        try await store.cancel(runID: id, reason: reason)
    }
}

/// `nomaly jobs show`: encoded as {name, spec, paused, enabled, explanation, next_fires, recent_runs}.
package struct JobDetails: Encodable, Sendable {
    package let row: JobRow
    /// The job file's zone; nil for an api job.
    package let timeZone: TimeZone?
    package let explanation: String
    package let nextFires: [Date]
    package let recentRuns: [RunRecord]

    package var name: String { row.name }
    package var spec: JSONValue { row.spec }

    private enum CodingKeys: String, CodingKey {
        case name, spec, paused, enabled, explanation, nextFires, recentRuns
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(row.name, forKey: .name)
        try container.encode(row.spec, forKey: .spec)
        try container.encode(row.paused, forKey: .paused)
        try container.encode(row.enabled, forKey: .enabled)
        try container.encode(explanation, forKey: .explanation)
        try container.encode(nextFires, forKey: .nextFires)
        try container.encode(recentRuns, forKey: .recentRuns)
    }
}

extension Runtime {
    /// Runs `body` with the jobs and runs over the database: what every `nomaly jobs` command starts with.
    package func withJobs<Result>(_ body: (JobOperations) async throws -> Result) async throws -> Result {
        try await withDatabase { pool in try await body(JobOperations(store: RunStore(pool: pool))) }
    }
}
