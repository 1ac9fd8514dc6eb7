/// Produces the fire times of a field-based schedule in one time zone, in order, applying the DST rules.
///
/// The zone is walked segment by segment (stretches of constant UTC offset, see ``ZoneClock``); inside a segment
/// wall-clock time is `instant + offset`, so the next matching wall-clock time gives the next instant directly.
///
/// - Schedules that follow elapsed time (a time-of-day field starts with `*`) fire at every instant whose wall
///   clock matches: never in a spring-forward gap, twice in a fall-back overlap.
/// - Wall-clock schedules (``CronRule/followsWallClock``) fire once per slot: a slot inside a gap fires at the
///   first instant after the gap (several such slots fire once, together), and a slot in an overlap fires at its
///   first occurrence only. `covered`, the latest wall-clock time already shown, is what enforces both.
///
/// ```swift
/// var walker = FireWalker(rule: rule, zone: ZoneClock(berlin), after: instant)
/// walker.next() // the first fire strictly after `instant`
/// ```
struct FireWalker {
    let rule: CronRule
    let zone: ZoneClock
    /// No fire before this instant.
    private var earliest: Int64
    /// Wall-clock schedules only: every local time up to this one has had its slot.
    private var covered: Int64
    private var segment: (start: Int64, offset: Int64, end: Int64)
    /// Local times past this are not searched (see ``CronRule/searchYears``).
    private let horizon: Int64
    /// The last search, reused while the next one starts inside the stretch it already covered.
    private var memo: (from: Int64, result: Int64?)?

    init(rule: CronRule, zone: ZoneClock, after instant: Int64) {
        self.rule = rule
        self.zone = zone
        earliest = instant + 1
        covered = rule.followsWallClock ? zone.latestLocalTime(before: earliest) : .min
        segment = zone.segment(containing: earliest)
        horizon = earliest + segment.offset + CronRule.searchYears * 146_097 / 400 * CivilTime.secondsPerDay
    }

    /// The next fire time, or nil when no slot matches within the horizon.
    mutating func next() -> Int64? {
        while true {
            if earliest >= segment.end { segment = zone.segment(containing: earliest) }
            let (_, offset, end) = segment
            let firstLocal = earliest + offset
            let endLocal = end + offset
            if rule.followsWallClock {
                guard let local = match(from: covered + 1) else { return nil }
                if local < firstLocal {
                    // Skipped by a spring-forward gap just before `earliest`: fire at the first instant after it.
                    let fire = earliest
                    covered = max(covered, firstLocal)
                    earliest = fire + 1
                    return fire
                }
                if local < endLocal {
                    covered = local
                    earliest = local - offset + 1
                    return local - offset
                }
                covered = max(covered, endLocal - 1)
            } else {
                guard let local = match(from: firstLocal) else { return nil }
                if local < endLocal {
                    earliest = local - offset + 1
                    return local - offset
                }
            }
            earliest = end
        }
    }

    private mutating func match(from start: Int64) -> Int64? {
        if let memo, memo.from <= start, memo.result.map({ start <= $0 }) ?? true { return memo.result }
        if let memo, start < memo.from {
            let earlier = rule.nextLocal(atOrAfter: start, before: memo.from)
            self.memo = (start, earlier ?? memo.result)
            return earlier ?? memo.result
        }
        let result = rule.nextLocal(atOrAfter: start, before: horizon)
        memo = (start, result)
        return result
    }
}
