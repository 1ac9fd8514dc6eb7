import Units

/// Proleptic Gregorian calendar arithmetic on "local seconds": the wall-clock time of a zone counted as if it
/// were UTC, so that 2026-03-29 02:30 local is `daysFromCivil(2026, 3, 29) * 86_400 + 9_000` whatever the zone.
///
/// Cron fields describe wall-clock times, so matching happens here, free of time zones; `ZoneClock` maps the
/// result to instants. Foundation's `Calendar` is avoided on purpose: it is slow on Linux and normalises
/// non-existent local times (the hour skipped by DST) silently, which is exactly what the DST rules must see.
///
/// ```swift
/// CivilTime.daysFromCivil(year: 1970, month: 1, day: 1) // 0
/// CivilTime.weekday(ofDay: 0) // 4 (Thursday)
/// ```
enum CivilTime {
    static let secondsPerDay: Int64 = 86_400

    static func daysFromCivil(year: Int64, month: Int, day: Int) -> Int64 {
        CivilDays.days(year: year, month: month, day: day)
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        CivilDays.date(ofDay: days)
    }

    /// 0 = Sunday … 6 = Saturday, as in cron.
    static func weekday(ofDay days: Int64) -> Int {
        Int(((days % 7) + 11) % 7)
    }

    static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `a / b` rounded towards negative infinity, for instants before 1970.
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}
