/// Which days of a given month fire: day-of-month and day-of-week, with `L`, `W` and `#`, combined as Vixie cron does.
///
/// When both fields are restricted a day matching either fires (`0 0 13 * 5`: the 13th and every Friday). A field
/// that starts with `*` counts as unrestricted, so then a day must match both (`0 0 */2 * 1`: odd days that are
/// Mondays). The masks are computed per month because `L`, `15W`, `5L` and `1#2` move with it.
///
/// ```swift
/// rule.days(year: 2026, month: 2) // bit 1 set for Feb 1st, … (bit 0 unused)
/// ```
struct DayRule: Sendable, Equatable {
    /// Plain days of the month, bits 1–31.
    var monthDays: UInt32 = 0
    var lastDay = false
    var lastWeekdayOfMonth = false
    /// Days written as `15W`, bits 1–31.
    var nearestWeekdays: UInt32 = 0
    /// Plain weekdays, bits 0–6 (Sunday = 0).
    var weekdays: UInt8 = 0
    /// Weekdays written as `5L`, bits 0–6.
    var lastWeekdays: UInt8 = 0
    /// `W#K` as bit `W * 5 + K - 1`.
    var nthWeekdays: UInt64 = 0
    /// Both fields are restricted (neither starts with `*`): a day matching either fires.
    var either = false

    init(dayOfMonth: CronField, dayOfWeek: CronField) {
        monthDays = UInt32(truncatingIfNeeded: dayOfMonth.mask)
        for item in dayOfMonth.items {
            switch item {
            case .lastDayOfMonth: lastDay = true
            case .lastWeekdayOfMonth: lastWeekdayOfMonth = true
            case .nearestWeekday(let day): nearestWeekdays |= 1 << UInt32(day)
            default: break
            }
        }
        weekdays = UInt8(truncatingIfNeeded: dayOfWeek.mask)
        for item in dayOfWeek.items {
            switch item {
            case .lastWeekday(let weekday): lastWeekdays |= 1 << UInt8(weekday)
            case .nthWeekday(let weekday, let week): nthWeekdays |= 1 << UInt64(weekday * 5 + week - 1)
            default: break
            }
        }
        either = !dayOfMonth.isWildcard && !dayOfWeek.isWildcard
    }

    /// Bits 1…31 of the days that fire in this month (days past its end are never set).
    func days(year: Int64, month: Int) -> UInt32 {
        let length = CivilTime.daysInMonth(year: year, month: month)
        let inMonth: UInt32 = (UInt32.max >> UInt32(31 - length)) & ~1
        let firstWeekday = CivilTime.weekday(ofDay: CivilTime.daysFromCivil(year: year, month: month, day: 1))
        let byMonth = monthDaysMask(length: length, firstWeekday: firstWeekday) & inMonth
        let byWeek = weekdaysMask(length: length, firstWeekday: firstWeekday) & inMonth
        return either ? byMonth | byWeek : byMonth & byWeek
    }

    private func monthDaysMask(length: Int, firstWeekday: Int) -> UInt32 {
        var mask = monthDays
        let weekdayOf = { (day: Int) in (firstWeekday + day - 1) % 7 }
        if lastDay { mask |= 1 << UInt32(length) }
        if lastWeekdayOfMonth {
            let last =
                switch weekdayOf(length) {
                case 6: length - 1
                case 0: length - 2
                default: length
                }
            mask |= 1 << UInt32(last)
        }
        var nearest = nearestWeekdays
        while nearest != 0 {
            let day = nearest.trailingZeroBitCount
            nearest &= nearest - 1
            // A day the month does not have (31W in April) does not fire, like a plain 31.
            guard day <= length else { continue }
            let target =
                switch weekdayOf(day) {
                case 6: day == 1 ? day + 2 : day - 1  // Saturday: Friday before, unless that leaves the month
                case 0: day == length ? day - 2 : day + 1  // Sunday: Monday after, unless that leaves the month
                default: day
                }
            mask |= 1 << UInt32(target)
        }
        return mask
    }

    private func weekdaysMask(length: Int, firstWeekday: Int) -> UInt32 {
        // Days 1, 8, 15, 22, 29: every day with the weekday of the 1st.
        let sameAsFirst: UInt32 = 1 << 1 | 1 << 8 | 1 << 15 | 1 << 22 | 1 << 29
        var mask: UInt32 = 0
        for weekday in 0..<7 {
            let first = 1 + (weekday - firstWeekday + 7) % 7
            if weekdays & (1 << UInt8(weekday)) != 0 { mask |= sameAsFirst << UInt32(first - 1) }
            if lastWeekdays & (1 << UInt8(weekday)) != 0 {
                mask |= 1 << UInt32(first + (length - first) / 7 * 7)
            }
            for week in 1...5 where nthWeekdays & (1 << UInt64(weekday * 5 + week - 1)) != 0 {
                let day = first + (week - 1) * 7
                if day <= length { mask |= 1 << UInt32(day) }
            }
        }
        return mask
    }
}
