import Foundation

/// A time zone as cron needs it: the UTC offset in force at an instant, and the next instant it changes.
///
/// Between two transitions the wall clock runs in step with real time, so a zone is a sequence of segments
/// `[start, end)` each with one offset; DST gaps and overlaps are what lies between two segments. Instants are
/// whole seconds since 1970 (cron has no finer unit). Foundation answers both questions from the zone's rules
/// in well under a microsecond, so nothing is cached.
///
/// ```swift
/// let berlin = ZoneClock(TimeZone(identifier: "Europe/Berlin")!)
/// berlin.segment(containing: 1_774_746_000) // (start: 1_774_746_000, offset: 7200, end: 1_792_890_000)
/// ```
struct ZoneClock {
    /// An instant beyond any fire time we search for; stands for "no further transition".
    static let never: Int64 = 1 << 52

    let timeZone: TimeZone

    init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    func offset(at instant: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
    }

    /// The first transition strictly after `instant`, or ``never``.
    func transition(after instant: Int64) -> Int64 {
        guard let date = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(instant))) else {
            return Self.never
        }
        let next = Int64(date.timeIntervalSince1970.rounded(.up))
        return next > instant ? min(next, Self.never) : instant + 1
    }

    /// The stretch of constant offset that holds `instant`: from `instant` itself to the next transition.
    func segment(containing instant: Int64) -> (start: Int64, offset: Int64, end: Int64) {
        (instant, offset(at: instant), transition(after: instant))
    }

    /// The latest wall-clock time shown before `instant`: `instant - 1` in local time, unless the clock was
    /// turned back within the last two days, when it is the end of the repeated stretch.
    ///
    /// Fixed-time slots up to this local time have had their turn, including those the first pass of a fall-back
    /// overlap already fired, so `next(after:)` called from inside the second pass does not fire them again.
    func latestLocalTime(before instant: Int64) -> Int64 {
        var latest = Int64.min
        var cursor = instant - 2 * CivilTime.secondsPerDay
        while true {
            let (_, offset, end) = segment(containing: cursor)
            if end >= instant { return max(latest, instant - 1 + offset) }
            latest = max(latest, end - 1 + offset)
            cursor = end
        }
    }
}
