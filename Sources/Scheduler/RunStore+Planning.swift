import Cron
import Foundation
import Postgres
import Units

extension RunStore {
    static let planningLock = AdvisoryLockKey(name: "scheduler.planning")

    /// Every job the planner should look at: present in `jobs/`, enabled or not (a disabled job keeps its place).
    package func plannableJobs() async throws -> [JobRow] {
        try await pool.query("SELECT \(JobRow.columns) FROM jobs WHERE removed_at IS NULL AND origin = 'file' ORDER BY name").decode(JobRow.self)
    }

    /// Queues the planned slots of many jobs and moves each job's `last_scheduled_at`, in one transaction.
    ///
    /// Only one replica plans at a time (a transaction-level advisory lock taken without waiting); the others skip
    /// the tick. Slots are unique per job, time and attempt, so even two planners could not queue a slot twice.
    /// - Returns: how many runs were queued, or nil when another replica held the planning lock.
    package func queue(_ plans: [(job: JobSpec, plan: SlotPlanner.Plan)]) async throws -> Int? {
        try await pool.withTransaction { connection -> Int? in
            guard try await !Self.claimsArePaused(on: connection) else { return nil }
            let locked = try await connection.query("SELECT pg_try_advisory_xact_lock($1)", [Self.planningLock.value]).first?.decode(Bool.self)
            guard locked == true else { return nil }
            var names: [String] = []
            var times: [Date] = []
            var notBefore: [Date] = []
            var triggers: [String] = []
            var exclusive: [Bool] = []
            for (job, plan) in plans {
                for slot in plan.slots {
                    names.append(job.name)
                    times.append(slot.scheduledAt)
                    notBefore.append(SlotPlanner.notBefore(slot.scheduledAt, jitter: job.jitter))
                    triggers.append(slot.trigger)
                    exclusive.append(job.concurrency != .allow)
                }
            }
            var queued = 0
            if !names.isEmpty {
                queued = try await connection.execute(
                    """
                    INSERT INTO job_runs (job_name, scheduled_at, attempt, trigger, not_before, exclusive)
                    SELECT s.name, s.at, 1, s.trigger, s.not_before, s.exclusive
                    FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::bool[])
                        AS s(name, at, trigger, not_before, exclusive)
                    ON CONFLICT (job_name, scheduled_at, attempt) DO NOTHING
                    """,
                    [names, times, triggers, notBefore, exclusive]
                )
            }
            try await connection.execute(
                """
                UPDATE jobs j SET last_scheduled_at = p.through
                FROM unnest($1::text[], $2::timestamptz[]) AS p(name, through)
                WHERE j.name = p.name AND (j.last_scheduled_at IS NULL OR j.last_scheduled_at < p.through)
                """,
                [plans.map(\.job.name), plans.map(\.plan.scheduledThrough)]
            )
            return queued
        }
    }
}
