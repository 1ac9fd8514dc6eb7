import Cron
package import Foundation

/// A job as `nomaly jobs list --json` and `GET /api/v1/jobs` show it: the summary's fields and `next_fire_at` in one
/// JSON object. Both answer this one type, so their fields cannot drift apart (before, the API answered the summary
/// alone, without `next_fire_at`).
package struct JobListing: Encodable, Sendable {
    package let job: JobSummary
    /// The next slot of the schedule after the listing's `now`, in the job's zone, whether or not the job is paused; nil
    /// for a job without a schedule (`api.scoring`) or one that can never fire.
    package let nextFireAt: Date?

    package init(job: JobSummary, now: Date) {
        self.job = job
        nextFireAt = Self.nextFire(of: job, after: now)
    }

    package func encode(to encoder: any Encoder) throws {
        try job.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(nextFireAt, forKey: .nextFireAt)
    }

    private enum Key: String, CodingKey { case nextFireAt }

    static func nextFire(of job: JobSummary, after now: Date) -> Date? {
        guard let schedule = try? CronSchedule(parsing: job.schedule), let zone = TimeZone(identifier: job.timezone) else { return nil }
        return schedule.next(after: now, in: zone)
    }
}

extension RunStore {
    /// ``jobSummaries(named:)`` with each job's next fire time after `now`.
    package func jobListings(named name: String? = nil, now: Date = Date()) async throws -> [JobListing] {
        try await jobSummaries(named: name).map { JobListing(job: $0, now: now) }
    }
}
