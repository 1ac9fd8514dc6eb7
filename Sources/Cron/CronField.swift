/// One of the six positions of a cron expression, with its range and names.
enum CronFieldKind: Int, Sendable, CaseIterable {
    case second
    case minute
    case hour
    case dayOfMonth
    case month
    case dayOfWeek

    /// The name used in error messages and docs: `day-of-month`.
    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// Accepted numbers; day-of-week takes 7 as a second Sunday, as Vixie cron does.
    var bounds: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// The value of a three-letter name in any case (`jan` → 1, `Sun` → 0), for the fields that have names.
    func value(ofName token: String) -> Int? {
        let upper = token.uppercased()
        switch self {
        case .month: return Self.monthNames.firstIndex(of: upper).map { $0 + 1 }
        case .dayOfWeek: return Self.weekdayNames.firstIndex(of: upper)
        default: return nil
        }
    }
}

/// A parsed field: its items as written (for `explain()` and the day rules) and the values they select.
///
/// Items keep their shape so the schedule can be described in words: `*/15` is ``Item/every(step:)``,
/// `9-17` a ``Item/range(_:_:step:)``. `L`, `W` and `#` items select days that depend on the month, so they
/// stay items and ``DayRule`` evaluates them per month.
struct CronField: Sendable, Equatable {
    enum Item: Sendable, Equatable {
        /// `*` (step 1) or `*/N`.
        case every(step: Int)
        /// `N`.
        case single(Int)
        /// `A-B` or `A-B/N`.
        case range(Int, Int, step: Int)
        /// `A/N`: from A to the end of the field, every N (Quartz and croniter read it so; Vixie refuses it).
        case from(Int, step: Int)
        /// `L` in day-of-month.
        case lastDayOfMonth
        /// `LW` in day-of-month.
        case lastWeekdayOfMonth
        /// `15W` in day-of-month.
        case nearestWeekday(Int)
        /// `5L` in day-of-week: the last Friday of the month.
        case lastWeekday(Int)
        /// `1#2` in day-of-week: the second Monday of the month.
        case nthWeekday(Int, Int)
    }

    let kind: CronFieldKind
    let text: String
    let items: [Item]

    /// Vixie's rule: a field that starts with `*` is unrestricted, even `*/2`. It decides how day-of-month and
    /// day-of-week combine, and which schedules follow elapsed time across DST changes.
    var isWildcard: Bool { text.first == "*" }

    /// The values the plain items select, as bits (day-of-week 7 folded onto 0).
    var mask: UInt64 {
        let bounds = kind.bounds
        // `*/N` and `A/N` end at Saturday: `MON/2` is Monday, Wednesday, Friday (as croniter), not Sunday too.
        let top = kind == .dayOfWeek ? 6 : bounds.upperBound
        var mask: UInt64 = 0
        for item in items {
            let (low, high, step): (Int, Int, Int)
            switch item {
            case .every(let s): (low, high, step) = (bounds.lowerBound, top, s)
            case .single(let value): (low, high, step) = (value, value, 1)
            case .range(let a, let b, let s): (low, high, step) = (a, b, s)
            case .from(let a, let s): (low, high, step) = (kind == .dayOfWeek && a == 7 ? 0 : a, top, s)
            default: continue
            }
            for value in stride(from: low, through: high, by: step) { mask |= 1 << UInt64(value) }
        }
        if kind == .dayOfWeek, mask & (1 << 7) != 0 { mask = (mask | 1) & 0x7F }
        return mask
    }

    /// The values the plain items select, in order (for `explain()`).
    var values: [Int] {
        let mask = self.mask
        return kind.bounds.filter { $0 < 64 && mask & (1 << UInt64($0)) != 0 }
    }

    /// Whether the field selects every value of its range (`*`, `*/1`, `0-59`).
    var isFull: Bool {
        let bounds = kind == .dayOfWeek ? 0...6 : kind.bounds
        return bounds.allSatisfy { mask & (1 << UInt64($0)) != 0 }
    }

    /// The only value when the field is one plain number (`30`), for `explain()`.
    var singleValue: Int? {
        if items.count == 1, case .single(let value) = items[0] { return kind == .dayOfWeek && value == 7 ? 0 : value }
        return nil
    }
}
