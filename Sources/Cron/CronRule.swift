/// A five- or six-field schedule reduced to bit sets, and the search for the next matching wall-clock time.
///
/// The search jumps field by field (month, day, hour, minute, second) instead of stepping minute by minute,
/// so `0 0 29 2 *` from March costs a handful of month checks, and an expression that never matches
/// (`0 0 30 2 *`) gives up after the month checks of ``CronRule/searchYears`` years.
///
/// ```swift
/// let rule = try CronRule(fields: ["30", "2", "*", "*", "*"])
/// rule.nextLocal(atOrAfter: 0, before: .max) // 9_000: 1970-01-01 02:30 local
/// ```
struct CronRule: Sendable, Equatable {
    /// The Gregorian calendar repeats every 400 years, weekdays included: a day pattern with no match in
    /// 400 years has none at all, so searching that far makes `nil` mean "never" rather than "not soon".
    static let searchYears: Int64 = 400

    /// The fields as written (five, or six with seconds first).
    let fields: [CronField]
    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let months: UInt64
    let days: DayRule
    /// Vixie's "fixed-time" job: no time-of-day field starts with `*`, so each slot is a wall-clock time that
    /// must fire once per day even across DST changes. The others follow elapsed time.
    let followsWallClock: Bool

    init(fields texts: [String]) throws(CronParseError) {
        let kinds: [CronFieldKind] =
            texts.count == 6
            ? [.second, .minute, .hour, .dayOfMonth, .month, .dayOfWeek] : [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        var fields: [CronField] = []
        for (index, (text, kind)) in zip(texts, kinds).enumerated() {
            fields.append(try CronField(parsing: text, kind: kind, position: index + 1))
        }
        self.fields = fields
        let byKind = { (kind: CronFieldKind) in fields.first { $0.kind == kind } }
        seconds = byKind(.second)?.mask ?? 1
        minutes = byKind(.minute)!.mask
        hours = byKind(.hour)!.mask
        months = byKind(.month)!.mask
        days = DayRule(dayOfMonth: byKind(.dayOfMonth)!, dayOfWeek: byKind(.dayOfWeek)!)
        followsWallClock = fields.allSatisfy { field in
            ![.second, .minute, .hour].contains(field.kind) || !field.isWildcard
        }
    }

    func field(_ kind: CronFieldKind) -> CronField? {
        fields.first { $0.kind == kind }
    }

    /// The first wall-clock time at or after `start` that matches, if it is before `limit` (both local seconds).
    func nextLocal(atOrAfter start: Int64, before limit: Int64) -> Int64? {
        let startDay = CivilTime.floorDivide(start, CivilTime.secondsPerDay)
        var secondOfDay = Int(start - startDay * CivilTime.secondsPerDay)
        var (year, month, day) = CivilTime.civil(fromDays: startDay)
        var hour = secondOfDay / 3600
        var minute = secondOfDay % 3600 / 60
        var second = secondOfDay % 60
        var dayMask: (year: Int64, month: Int, mask: UInt32)?
        while true {
            if month > 12 {
                year += 1
                month = 1
            }
            let monthStart = CivilTime.daysFromCivil(year: year, month: month, day: 1)
            if monthStart * CivilTime.secondsPerDay >= limit { return nil }
            guard let nextMonth = Self.first(in: months, from: month) else {
                (month, day, hour, minute, second) = (13, 1, 0, 0, 0)
                continue
            }
            if nextMonth != month { (month, day, hour, minute, second) = (nextMonth, 1, 0, 0, 0) }
            if dayMask?.year != year || dayMask?.month != month {
                dayMask = (year, month, days.days(year: year, month: month))
            }
            guard let nextDay = Self.first(in: UInt64(dayMask!.mask), from: day) else {
                (month, day, hour, minute, second) = (month + 1, 1, 0, 0, 0)
                continue
            }
            if nextDay != day { (day, hour, minute, second) = (nextDay, 0, 0, 0) }
            guard let nextHour = Self.first(in: hours, from: hour) else {
                (day, hour, minute, second) = (day + 1, 0, 0, 0)
                continue
            }
            if nextHour != hour { (hour, minute, second) = (nextHour, 0, 0) }
            guard let nextMinute = Self.first(in: minutes, from: minute) else {
                (hour, minute, second) = (hour + 1, 0, 0)
                continue
            }
            if nextMinute != minute { (minute, second) = (nextMinute, 0) }
            guard let nextSecond = Self.first(in: seconds, from: second) else {
                (minute, second) = (minute + 1, 0)
                continue
            }
            secondOfDay = hour * 3600 + minute * 60 + nextSecond
            let result = CivilTime.daysFromCivil(year: year, month: month, day: day) * CivilTime.secondsPerDay + Int64(secondOfDay)
            return result < limit ? result : nil
        }
    }

    /// The lowest set bit at or above `from`, if any.
    private static func first(in mask: UInt64, from: Int) -> Int? {
        guard from < 64 else { return nil }
        let rest = mask >> UInt64(from)
        return rest == 0 ? nil : from + rest.trailingZeroBitCount
    }
}
