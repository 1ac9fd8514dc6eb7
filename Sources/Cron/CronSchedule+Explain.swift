extension CronSchedule {
    /// The schedule in words, for `nomaly cron explain` and job listings.
    ///
    /// ```swift
    /// try CronSchedule(parsing: "30 2 * * *").explain() // "at 02:30 every day"
    /// try CronSchedule(parsing: "*/15 * * * *").explain() // "every 15 minutes"
    /// try CronSchedule(parsing: "*/15 9-17 * * MON-FRI").explain() // "every 15 minutes from 09:00 to 17:59 on Monday through Friday"
    /// try CronSchedule(parsing: "0 3 * * 5L").explain() // "at 03:00 on the last Friday of the month"
    /// try CronSchedule(parsing: "@every 7m").explain() // "every 7 minutes, counted from 1970-01-01 00:00 UTC"
    /// ```
    package func explain() -> String {
        switch kind {
        case .every(let seconds):
            // Fires are multiples of the interval since the epoch: say where they fall when it is not obvious.
            let words = "every " + Explanation.duration(seconds)
            if 3600 % seconds == 0 { return words }
            if seconds == CivilTime.secondsPerDay { return words + " at 00:00 UTC" }
            return words + (CivilTime.secondsPerDay % seconds == 0 ? ", from 00:00 UTC" : ", counted from 1970-01-01 00:00 UTC")
        case .fields(let rule):
            return Explanation(rule: rule).sentence
        }
    }
}

/// Builds `explain()`'s sentence: a time-of-day phrase, a day phrase, and the months.
private struct Explanation {
    let rule: CronRule

    var sentence: String {
        let time = timePhrase
        if let date = datePhrase { return time + " " + date }
        let day = dayPhrase
        let months = monthPhrase.map { " " + $0 } ?? ""
        // "every 15 minutes" and "at minute 5 of every hour" need no "every day".
        let repeatsWithinADay = time.hasPrefix("every") || rule.field(.hour)!.isFull
        if day == nil && repeatsWithinADay { return time + months }
        return time + " " + (day ?? "every day") + months
    }

    /// "on January 1": one plain day of one month, any weekday.
    private var datePhrase: String? {
        guard let month = rule.field(.month)!.singleValue, let day = rule.field(.dayOfMonth)!.singleValue,
            Self.isEverything(rule.field(.dayOfWeek)!)
        else { return nil }
        return "on \(Self.monthNames[month - 1]) \(day)"
    }

    // MARK: Time of day

    private var timePhrase: String {
        let second = rule.field(.second)
        let minute = rule.field(.minute)!
        let hour = rule.field(.hour)!
        let seconds = second?.values ?? [0]
        // A few fixed times are clearest as times, and so is a `*/N` that does not divide its field (`0 */5 * * *`
        // is 00:00, 05:00, …, 20:00: four hours from 20:00 to midnight), which "every N" would misdescribe.
        let wallClockTimes = [second, minute, hour].allSatisfy { field in
            guard let field, field.isWildcard else { return true }
            return Self.evenStep(field) == nil
        }
        if wallClockTimes, hour.values.count * minute.values.count * seconds.count <= 6 {
            let showSeconds = seconds != [0]
            let times = hour.values.flatMap { h in
                minute.values.flatMap { m in seconds.map { s in Self.clock(h, m, showSeconds ? s : nil) } }
            }
            return "at " + Self.list(times)
        }
        var parts: [String] = []
        let secondsMatter = second.map { $0.values != [0] } ?? false
        if let second, secondsMatter {
            parts.append(Self.unitPhrase(second, unit: "second"))
            if !minute.isFull { parts.append("during " + Self.plainList(minute, unit: "minute")) }
            if !minute.isFull && hour.isFull { parts.append("of every hour") }
            if minute.isFull && !parts[0].hasPrefix("every") { parts.append("of every minute") }
        } else if hour.isFull, let value = minute.singleValue {
            return "every hour at :" + Self.twoDigits(value)
        } else if let step = Self.evenStep(hour), let value = minute.singleValue {
            return "every \(step) hours at :" + Self.twoDigits(value)
        } else {
            parts.append(Self.unitPhrase(minute, unit: "minute"))
            if hour.isFull && !minute.isFull && !parts[0].hasPrefix("every") { parts.append("of every hour") }
        }
        if !hour.isFull {
            let hours = hour.values
            if let first = hours.first, let last = hours.last, last - first + 1 == hours.count {
                parts.append("from \(Self.clock(first, 0, nil)) to \(Self.clock(last, 59, nil))")
            } else {
                parts.append("during " + Self.plainList(hour, unit: "hour"))
            }
        }
        return parts.joined(separator: " ")
    }

    /// "every minute", "every 15 minutes", "at minute 5", "at minutes 0, 20 and 40", "at minutes 0 and 45".
    private static func unitPhrase(_ field: CronField, unit: String) -> String {
        if field.isFull { return "every \(unit)" }
        if let step = evenStep(field) { return "every \(step) \(unit)s" }
        return "at " + plainList(field, unit: unit)
    }

    /// The N of a `*/N` second, minute or hour field whose fires are N apart everywhere, across the turn of the minute,
    /// hour or day too: N divides 60 (or 24). `*/45` minutes fires at :00 and :45, 45 and then 15 minutes apart, and
    /// `*/5` hours leaves four hours from 20:00 to midnight: neither is "every N", and both are listed instead.
    private static func evenStep(_ field: CronField) -> Int? {
        guard field.items.count == 1, case .every(let step) = field.items[0] else { return nil }
        return field.kind.bounds.count % step == 0 ? step : nil
    }

    /// "minute 5", "minutes 0–10 and 30", "hours 0, 2, 4, …, 22".
    private static func plainList(_ field: CronField, unit: String) -> String {
        let values = field.values
        if values.count == 1 { return "\(unit) \(values[0])" }
        let steps = Set(zip(values, values.dropFirst()).map { $1 - $0 })
        if values.count >= 5, steps.count == 1, steps.first! > 1 {
            return "\(unit)s " + values.prefix(3).map(String.init).joined(separator: ", ") + ", …, \(values.last!)"
        }
        return "\(unit)s " + list(runs(values).map { $0.map(String.init) })
    }

    // MARK: Days and months

    private var dayPhrase: String? {
        let dayOfMonth = rule.field(.dayOfMonth)!
        let dayOfWeek = rule.field(.dayOfWeek)!
        let monthPart = Self.isEverything(dayOfMonth) ? nil : monthDayPhrase(dayOfMonth)
        let weekPart = Self.isEverything(dayOfWeek) ? nil : weekdayPhrase(dayOfWeek)
        switch (monthPart, weekPart) {
        case (nil, nil): return nil
        case (let month?, nil): return "on " + month
        case (nil, let week?): return "on " + week
        case (let month?, let week?):
            return rule.days.either ? "on \(month) or on \(week)" : "on \(month), if that is a \(week)"
        }
    }

    /// "day 1 of the month", "days 1 and 15 and the last day of the month".
    private func monthDayPhrase(_ field: CronField) -> String {
        var parts: [String] = []
        let values = field.values
        if !values.isEmpty { parts.append(Self.plainList(field, unit: "day")) }
        for item in field.items {
            switch item {
            case .lastDayOfMonth: parts.append("the last day")
            case .lastWeekdayOfMonth: parts.append("the last weekday")
            case .nearestWeekday(let day): parts.append("the weekday nearest day \(day)")
            default: break
            }
        }
        return parts.joined(separator: " and ") + " of the month"
    }

    /// "Monday through Friday", "Sunday", "the last Friday of the month", "the second Monday of the month".
    private func weekdayPhrase(_ field: CronField) -> String {
        let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let ordinals = ["first", "second", "third", "fourth", "fifth"]
        var parts: [String] = []
        let values = field.values.map { $0 % 7 }
        let unique = Array(Set(values)).sorted()
        if !unique.isEmpty { parts.append(Self.list(Self.runs(unique, joiner: " through ").map { $0.map { names[$0] } })) }
        for item in field.items {
            switch item {
            case .lastWeekday(let weekday): parts.append("the last \(names[weekday]) of the month")
            case .nthWeekday(let weekday, let week): parts.append("the \(ordinals[week - 1]) \(names[weekday]) of the month")
            default: break
            }
        }
        return parts.joined(separator: " and ")
    }

    private var monthPhrase: String? {
        let field = rule.field(.month)!
        guard !field.isFull else { return nil }
        return "in " + Self.list(Self.runs(field.values, joiner: " through ").map { $0.map { Self.monthNames[$0 - 1] } })
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    /// A day field that lets every day through: `*`, `*/1`, `1-31`, `0-7` and no `L`/`W`/`#` items.
    private static func isEverything(_ field: CronField) -> Bool {
        field.isFull
            && field.items.allSatisfy { item in
                switch item {
                case .every, .single, .range, .from: true
                default: false
                }
            }
    }

    // MARK: Formatting

    /// Collapses three or more consecutive values into one `first–last` entry.
    private static func runs(_ values: [Int], joiner: String = "–") -> [Run] {
        var runs: [Run] = []
        for value in values {
            if let last = runs.last, last.last + 1 == value {
                runs[runs.count - 1].last = value
            } else {
                runs.append(Run(first: value, last: value, joiner: joiner))
            }
        }
        return runs.flatMap { run in
            run.last - run.first >= 2
                ? [run] : (run.first...run.last).map { Run(first: $0, last: $0, joiner: joiner) }
        }
    }

    private struct Run {
        var first: Int
        var last: Int
        let joiner: String

        func map(_ name: (Int) -> String) -> String {
            first == last ? name(first) : name(first) + joiner + name(last)
        }
    }

    /// "a", "a and b", "a, b and c".
    private static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    private static func clock(_ hour: Int, _ minute: Int, _ second: Int?) -> String {
        twoDigits(hour) + ":" + twoDigits(minute) + (second.map { ":" + twoDigits($0) } ?? "")
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    /// "15 minutes", "hour", "90 seconds", "2 days": the largest unit that divides evenly.
    static func duration(_ seconds: Int64) -> String {
        let units: [(Int64, String)] = [(86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second")]
        let (size, name) = units.first { seconds % $0.0 == 0 }!
        let count = seconds / size
        return count == 1 ? name : "\(count) \(name)s"
    }
}
