package import Foundation
import Units

/// A parsed cron expression: five fields (minute hour day-of-month month day-of-week), six with a leading
/// seconds field, a macro (`@daily`), or `@every DURATION`.
///
/// Parsing is strict so a typo is refused when the job is saved, not discovered when it fails to run. Fire
/// times are computed for a job's IANA time zone with Vixie cron's DST rules (docs/cron.md):
///
/// ```swift
/// let schedule = try CronSchedule(parsing: "30 2 * * *")
/// let berlin = TimeZone(identifier: "Europe/Berlin")!
/// schedule.next(after: saturdayNoon, in: berlin) // 2026-03-29T03:00:00+02:00: 02:30 does not exist that day
/// schedule.explain() // "at 02:30 every day"
/// ```
package struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case fields(CronRule)
        /// `@every`: whole seconds, fired at multiples of it since the Unix epoch.
        case every(seconds: Int64)
    }

    /// The expression as given, without surrounding whitespace.
    package let expression: String
    let kind: Kind

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses and validates an expression.
    ///
    /// - Throws: ``CronParseError`` naming the field and the reason: `field 2 (hour): 24 is out of range 0–23`.
    package init(parsing expression: String) throws(CronParseError) {
        let trimmed = expression.trimmingWhitespace()
        self.expression = trimmed
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else {
            throw CronParseError(code: .fieldCount, message: "the expression is empty")
        }
        if first.hasPrefix("@") {
            let name = first.lowercased()
            if name == "@every" {
                kind = .every(seconds: try Self.interval(words.dropFirst().joined(separator: " ")))
                return
            }
            if name == "@reboot" {
                throw CronParseError(code: .unknownMacro, message: "@reboot is not supported: Nomaly schedules by time only")
            }
            guard let fields = Self.macros[name] else {
                let known = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every DURATION"
                throw CronParseError(code: .unknownMacro, message: "unknown macro \(first) (known: \(known))")
            }
            guard words.count == 1 else {
                throw CronParseError(code: .unknownMacro, message: "\(first) takes nothing after it, found \"\(words[1])\"")
            }
            kind = .fields(try CronRule(fields: fields.split(separator: " ").map(String.init)))
            return
        }
        guard words.count == 5 || words.count == 6 else {
            throw CronParseError(
                code: .fieldCount,
                message:
                    "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, found \(words.count)"
            )
        }
        kind = .fields(try CronRule(fields: words))
    }

    /// `@every`'s duration in whole seconds, refusing what would make it fire never or unpredictably.
    private static func interval(_ text: String) throws(CronParseError) -> Int64 {
        func refuse(_ message: String) -> CronParseError { CronParseError(code: .invalidInterval, message: "@every: " + message) }
        guard !text.isEmpty else { throw refuse("needs a duration, as in @every 15m") }
        // parseDuration traps on values past Int64 milliseconds and reads exponents (1e9) as numbers: keep to plain,
        // modest numbers and units.
        let plain = text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || "smhd".contains($0)) }
        let longestDigits = text.split(whereSeparator: { !$0.isNumber }).map(\.count).max() ?? 0
        guard plain, longestDigits <= 9, let duration = parseDuration(text) else {
            throw refuse("\"\(text)\" is not a duration (examples: 90s, 15m, 1h30m, 1d)")
        }
        let (seconds, attoseconds) = duration.components
        guard seconds > 0 || attoseconds > 0 else { throw refuse("the interval must be longer than zero") }
        guard attoseconds == 0 else { throw refuse("\(text) is not a whole number of seconds") }
        return seconds
    }

    package var description: String { expression }

    /// The first fire time strictly after `date`, for a job in `timeZone`; nil if there is none (e.g. Feb 30).
    ///
    /// ```swift
    /// try CronSchedule(parsing: "0 0 29 2 *").next(after: march2026, in: .gmt) // 2028-02-29T00:00:00Z
    /// try CronSchedule(parsing: "0 0 30 2 *").next(after: march2026, in: .gmt) // nil, after a 400-year search
    /// ```
    package func next(after date: Date, in timeZone: TimeZone) -> Date? {
        fireTimes(after: date, through: Self.latest, in: timeZone, limit: 1).first
    }

    /// Fire times in (start, end], in order, at most `limit` — the scheduler materialises due slots with it.
    ///
    /// Equal to calling ``next(after:in:)`` repeatedly, but each step reuses the previous one's position.
    package func fireTimes(after start: Date, through end: Date, in timeZone: TimeZone, limit: Int) -> [Date] {
        guard limit > 0, end > start, let first = Self.instant(max(start, Self.earliest)) else { return [] }
        let last = min(end, Self.latest).timeIntervalSince1970
        var fires: [Date] = []
        switch kind {
        case .every(let interval):
            var fire = (CivilTime.floorDivide(first, interval) + 1) * interval
            while fires.count < limit, Double(fire) <= last {
                fires.append(Date(timeIntervalSince1970: Double(fire)))
                fire += interval
            }
        case .fields(let rule):
            var walker = FireWalker(rule: rule, zone: ZoneClock(timeZone), after: first)
            while fires.count < limit, let fire = walker.next(), Double(fire) <= last {
                fires.append(Date(timeIntervalSince1970: Double(fire)))
            }
        }
        return fires
    }

    /// The shortest gap between consecutive fires over the next few fires, for alerting ("no success for twice its interval").
    ///
    /// Looks at the next 10 fires after `date`, so a weekday job reports one day and `@monthly` 28 to 31 days.
    /// Around a DST change a daily job may report 23 hours. Nil when the schedule fires fewer than twice.
    package func typicalInterval(in timeZone: TimeZone, from date: Date) -> TimeInterval? {
        if case .every(let interval) = kind { return TimeInterval(interval) }
        let fires = fireTimes(after: date, through: Self.latest, in: timeZone, limit: 10)
        return zip(fires, fires.dropFirst()).map { $1.timeIntervalSince($0) }.min()
    }

    /// The longest gap between consecutive fires over the next five weeks, for alerting ("no success for twice its
    /// interval"): a weekday job reports the weekend's 72 hours, `0 9,17 * * *` the night's 16.
    ///
    /// Five weeks hold every weekly pattern and a month boundary. At most 1,000 fires are walked (a job firing every
    /// second repeats long before). A schedule that fires fewer than three times in the window is measured over its
    /// next three fires, so yearly jobs report a year. Nil when the schedule fires fewer than twice.
    package func longestInterval(in timeZone: TimeZone, from date: Date) -> TimeInterval? {
        if case .every(let interval) = kind { return TimeInterval(interval) }
        var fires = fireTimes(after: date, through: date.addingTimeInterval(35 * 86_400), in: timeZone, limit: 1_000)
        if fires.count < 3 { fires = fireTimes(after: date, through: Self.latest, in: timeZone, limit: 3) }
        return zip(fires, fires.dropFirst()).map { $1.timeIntervalSince($0) }.max()
    }

    /// Dates from year 1 to 9999 are searched; beyond, there are no fire times.
    static let earliest = Date(timeIntervalSince1970: -62_135_596_800)
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// Whole seconds since 1970 of the last second at or before `date`, if within years 1–9999.
    private static func instant(_ date: Date) -> Int64? {
        guard date >= earliest, date <= latest else { return nil }
        return Int64(date.timeIntervalSince1970.rounded(.down))
    }
}
