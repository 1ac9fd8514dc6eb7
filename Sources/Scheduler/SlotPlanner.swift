import Cron
package import Foundation
import Units

/// Decides which slots of a job to queue, given where the previous tick stopped and the clock. No I/O:
/// the scheduler feeds it rows and a clock; tests feed it anything.
///
/// A slot is "regular" when its time is within the grace period (the job's `starting_deadline`, one minute by
/// default) or ahead within the look-ahead; older unqueued slots were missed (downtime, a pause) and the job's
/// `misfire` policy decides what runs for them.
package struct SlotPlanner: Sendable {
    package struct Slot: Sendable, Equatable {
        package let scheduledAt: Date
        /// `schedule` for regular slots, `catchup` for missed ones the misfire policy kept.
        package let trigger: String

        package init(scheduledAt: Date, trigger: String) {
            self.scheduledAt = scheduledAt
            self.trigger = trigger
        }
    }

    package struct Plan: Sendable, Equatable {
        package var slots: [Slot]
        /// Where the next tick continues: the end of the look-ahead window.
        package var scheduledThrough: Date

        package init(slots: [Slot], scheduledThrough: Date) {
            self.slots = slots
            self.scheduledThrough = scheduledThrough
        }
    }

    /// How far ahead slots are queued, so that workers can start them at their second rather than a tick later.
    package var lookahead: TimeInterval
    /// Bound on regular slots per job and tick (an `@every 1s` job with a long look-ahead).
    package var maximumSlots = 1000

    package init(lookahead: TimeInterval = 3) {
        self.lookahead = lookahead
    }

    package static let defaultGrace: TimeInterval = 60

    package func plan(_ job: JobSpec, scheduledThrough last: Date?, paused: Bool, now: Date) -> Plan {
        let horizon = now.addingTimeInterval(lookahead)
        // A new job starts now: its history before it existed is not "missed".
        guard let last else { return Plan(slots: [], scheduledThrough: now) }
        // A paused or disabled job queues nothing and keeps its place, so slots passed while paused count as missed on resume.
        guard job.enabled, !paused else { return Plan(slots: [], scheduledThrough: last) }
        guard horizon > last else { return Plan(slots: [], scheduledThrough: last) }

        let grace = job.startingDeadline.map { TimeInterval($0.components.seconds) } ?? Self.defaultGrace
        // A slot exactly at the edge of the grace period is still a regular one.
        let missedBefore = now.addingTimeInterval(-grace - 0.001)
        var slots: [Slot] = []

        if last < missedBefore {
            let missed = missedSlots(job, after: last, through: missedBefore)
            switch job.misfire {
            case .skip: break
            case .runOnce: slots += missed.suffix(1).map { Slot(scheduledAt: $0, trigger: "catchup") }
            case .catchUp: slots += missed.suffix(job.maxCatchup).map { Slot(scheduledAt: $0, trigger: "catchup") }
            }
        }
        let regularStart = max(last, missedBefore)
        let regular = job.schedule.fireTimes(after: regularStart, through: horizon, in: job.timeZone, limit: maximumSlots)
        slots += regular.map { Slot(scheduledAt: $0, trigger: "schedule") }
        let through = regular.count == maximumSlots ? regular.last! : horizon
        return Plan(slots: slots, scheduledThrough: through)
    }

    /// The missed fire times in (start, end]; after a long outage only the most recent stretch that the policy can
    /// use is computed, so a job firing every second after a week of downtime costs no more than a normal tick.
    func missedSlots(_ job: JobSpec, after start: Date, through end: Date) -> [Date] {
        let keep = job.misfire == .catchUp ? job.maxCatchup : 1
        var from = start
        if let interval = job.schedule.typicalInterval(in: job.timeZone, from: start), interval > 0 {
            let window = interval * Double(keep + 1) + 86_400
            from = max(start, end.addingTimeInterval(-window))
        }
        let times = job.schedule.fireTimes(after: from, through: end, in: job.timeZone, limit: maximumSlots * 10)
        return Array(times.suffix(keep))
    }

    /// When a slot's run may start: its time plus a random share of the job's jitter window.
    package static func notBefore(_ slot: Date, jitter: Duration?, random: Double = .random(in: 0..<1)) -> Date {
        guard let jitter, jitter > .zero else { return slot }
        return slot.addingTimeInterval(jitter.inSeconds * random)
    }
}

extension JobSpec.Retries {
    /// The wait before attempt `attempt + 1` after attempt `attempt` failed: `initial × 2^(attempt−1)`, capped at
    /// `max_delay`, of which a random half is dropped so that jobs failing together do not retry together.
    package func delay(afterAttempt attempt: Int, random: Double = .random(in: 0...1)) -> Duration {
        let exponent = Swift.min(Swift.max(attempt - 1, 0), 30)
        let base = Swift.min(initial * (1 << exponent), maxDelay)
        return base / 2 + base / 2 * random
    }

    /// Whether a run that ended as attempt `attempt` may be tried again.
    package func allowsRetry(afterAttempt attempt: Int) -> Bool { attempt <= max }
}
