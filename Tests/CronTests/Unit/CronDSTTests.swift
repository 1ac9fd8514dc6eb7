import Cron
import Foundation
import Testing

/// DST semantics (docs/cron.md): wall-clock jobs fire once per slot, elapsed-time jobs at every matching instant.
///
/// A job is a wall-clock job when none of its time-of-day fields (second, minute, hour) starts with `*`; like
/// Vixie cron, a `*` in the minute makes `*/15 2 * * *` an elapsed-time job too.
@Suite("Daylight saving time")
struct CronDSTTests {
    @Test(
        "each zone's gap and overlap",
        arguments: [
            // Europe/Berlin: 2026-03-29 02:00 → 03:00; 2026-10-25 03:00 → 02:00.
            ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]),
            ("0,15,30,45 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]),
            (
                "0 2,3 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00",
                ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00", "2026-03-30T03:00:00+02:00"]
            ),
            ("15 30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:15+02:00"]),
            ("30 2 * * *", "Europe/Berlin", "2026-03-29T00:59:59Z", ["2026-03-29T03:00:00+02:00"]),
            ("30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", ["2026-03-30T02:30:00+02:00"]),
            ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00+02:00", ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]),
            ("30 2 * * *", "Europe/Berlin", "2026-10-25T02:40:00+02:00", ["2026-10-26T02:30:00+01:00"]),
            ("30 2 * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00", ["2026-10-26T02:30:00+01:00"]),
            (
                "0 * * * *", "Europe/Berlin", "2026-03-29T00:30:00+01:00",
                ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"]
            ),
            (
                "0 * * * *", "Europe/Berlin", "2026-10-25T00:30:00+02:00",
                ["2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]
            ),
            ("0 * * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00", ["2026-10-25T03:00:00+01:00"]),
            (
                "*/15 * * * *", "Europe/Berlin", "2026-10-25T01:50:00+02:00",
                [
                    "2026-10-25T02:00:00+02:00", "2026-10-25T02:15:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:45:00+02:00",
                    "2026-10-25T02:00:00+01:00", "2026-10-25T02:15:00+01:00", "2026-10-25T02:30:00+01:00", "2026-10-25T02:45:00+01:00",
                    "2026-10-25T03:00:00+01:00",
                ]
            ),
            ("*/15 * * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00", ["2026-10-25T02:15:00+01:00"]),
            // A `*` in the minute (or second) makes an elapsed-time job: nothing in the missing hour, both passes of the repeated one.
            ("*/15 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00", ["2026-03-30T02:00:00+02:00", "2026-03-30T02:15:00+02:00"]),
            (
                "*/15 2 * * *", "Europe/Berlin", "2026-10-25T00:00:00+02:00",
                [
                    "2026-10-25T02:00:00+02:00", "2026-10-25T02:15:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:45:00+02:00",
                    "2026-10-25T02:00:00+01:00", "2026-10-25T02:15:00+01:00", "2026-10-25T02:30:00+01:00", "2026-10-25T02:45:00+01:00",
                    "2026-10-26T02:00:00+01:00",
                ]
            ),
            ("*/20 30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00", ["2026-03-30T02:30:00+02:00", "2026-03-30T02:30:20+02:00"]),
            // America/New_York: 2026-03-08 02:00 → 03:00; 2026-11-01 02:00 → 01:00.
            ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00-05:00", ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
            ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00-04:00", ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
            (
                "0 * * * *", "America/New_York", "2026-11-01T00:30:00-04:00",
                ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"]
            ),
            // Australia/Lord_Howe, half-hour DST: 2026-04-05 02:00 → 01:30; 2026-10-04 02:00 → 02:30.
            ("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00+10:30", ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]),
            ("45 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00+10:30", ["2026-10-04T02:45:00+11:00", "2026-10-05T02:45:00+11:00"]),
            ("0 * * * *", "Australia/Lord_Howe", "2026-10-04T00:30:00+10:30", ["2026-10-04T01:00:00+10:30", "2026-10-04T03:00:00+11:00"]),
            (
                "30 * * * *", "Australia/Lord_Howe", "2026-10-04T01:00:00+10:30",
                ["2026-10-04T01:30:00+10:30", "2026-10-04T02:30:00+11:00", "2026-10-04T03:30:00+11:00"]
            ),
            ("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00+11:00", ["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]),
            (
                "0 * * * *", "Australia/Lord_Howe", "2026-04-05T00:30:00+11:00",
                ["2026-04-05T01:00:00+11:00", "2026-04-05T02:00:00+10:30", "2026-04-05T03:00:00+10:30"]
            ),
            (
                "30 * * * *", "Australia/Lord_Howe", "2026-04-05T00:40:00+11:00",
                ["2026-04-05T01:30:00+11:00", "2026-04-05T01:30:00+10:30", "2026-04-05T02:30:00+10:30"]
            ),
            (
                "*/20 * * * *", "Australia/Lord_Howe", "2026-04-05T01:10:00+11:00",
                ["2026-04-05T01:20:00+11:00", "2026-04-05T01:40:00+11:00", "2026-04-05T01:40:00+10:30", "2026-04-05T02:00:00+10:30"]
            ),
            // America/Santiago, at midnight: Sunday 2026-09-06 00:00 → 01:00; Sunday 2026-04-05 00:00 → Saturday 23:00.
            ("0 0 * * *", "America/Santiago", "2026-09-05T12:00:00-04:00", ["2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"]),
            ("30 0 * * *", "America/Santiago", "2026-09-05T12:00:00-04:00", ["2026-09-06T01:00:00-03:00", "2026-09-07T00:30:00-03:00"]),
            ("0 0 * * 0", "America/Santiago", "2026-09-05T12:00:00-04:00", ["2026-09-06T01:00:00-03:00", "2026-09-13T00:00:00-03:00"]),
            (
                "0 * * * *", "America/Santiago", "2026-09-05T22:30:00-04:00",
                ["2026-09-05T23:00:00-04:00", "2026-09-06T01:00:00-03:00", "2026-09-06T02:00:00-03:00"]
            ),
            ("30 23 * * *", "America/Santiago", "2026-04-04T12:00:00-03:00", ["2026-04-04T23:30:00-03:00", "2026-04-05T23:30:00-04:00"]),
            ("0 0 * * *", "America/Santiago", "2026-04-04T12:00:00-03:00", ["2026-04-05T00:00:00-04:00", "2026-04-06T00:00:00-04:00"]),
            (
                "0 * * * *", "America/Santiago", "2026-04-04T22:30:00-03:00",
                ["2026-04-04T23:00:00-03:00", "2026-04-04T23:00:00-04:00", "2026-04-05T00:00:00-04:00"]
            ),
            // Asia/Beirut, at midnight: Sunday 2026-03-29 00:00 → 01:00; Sunday 2026-10-25 00:00 → Saturday 23:00.
            ("0 0 * * *", "Asia/Beirut", "2026-03-28T12:00:00+02:00", ["2026-03-29T01:00:00+03:00", "2026-03-30T00:00:00+03:00"]),
            ("30 23 * * 6", "Asia/Beirut", "2026-10-24T12:00:00+03:00", ["2026-10-24T23:30:00+03:00", "2026-10-31T23:30:00+02:00"]),
            (
                "0 * * * *", "Asia/Beirut", "2026-10-24T22:30:00+03:00",
                ["2026-10-24T23:00:00+03:00", "2026-10-24T23:00:00+02:00", "2026-10-25T00:00:00+02:00"]
            ),
            // America/Havana, at midnight: 2026-03-08 00:00 → 01:00; 2026-11-01 01:00 → 00:00.
            ("0 0 * * *", "America/Havana", "2026-03-07T12:00:00-05:00", ["2026-03-08T01:00:00-04:00", "2026-03-09T00:00:00-04:00"]),
            ("@daily", "America/Havana", "2026-10-31T12:00:00-04:00", ["2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"]),
            (
                "0 * * * *", "America/Havana", "2026-10-31T23:30:00-04:00",
                ["2026-11-01T00:00:00-04:00", "2026-11-01T00:00:00-05:00", "2026-11-01T01:00:00-05:00"]
            ),
            ("15,45 0 * * *", "America/Havana", "2026-11-01T00:50:00-04:00", ["2026-11-02T00:15:00-05:00", "2026-11-02T00:45:00-05:00"]),
            // Pacific/Apia skipped 2011-12-30 entirely (-10:00 → +14:00): its slot fires at the first instant after.
            (
                "0 12 * * *", "Pacific/Apia", "2011-12-29T12:00:00-10:00",
                ["2011-12-31T00:00:00+14:00", "2011-12-31T12:00:00+14:00", "2012-01-01T12:00:00+14:00"]
            ),
            (
                "0 * * * *", "Pacific/Apia", "2011-12-29T22:30:00-10:00",
                ["2011-12-29T23:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T01:00:00+14:00"]
            ),
        ]
    )
    func transitions(expression: String, zone: String, start: String, expected: [String]) throws {
        #expect(try Time.fires(expression, after: start, in: zone, count: expected.count) == expected)
    }

    static let zones = [
        "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut", "America/Havana",
        "Asia/Kathmandu", "Pacific/Chatham",
    ]

    @Test("a daily wall-clock job fires exactly once on every local day of the year", arguments: zones)
    func oncePerDay(zoneName: String) throws {
        let zone = Time.zone(zoneName)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.date(from: DateComponents(year: 2025, month: 12, day: 31, hour: 12))!
        let end = calendar.date(from: DateComponents(year: 2026, month: 12, day: 31, hour: 12))!
        for time in ["0 0", "30 0", "0 1", "45 1", "0 2", "15 2", "30 2", "59 2", "30 23"] {
            let minuteHour = time.split(separator: " ")
            let schedule = try CronSchedule(parsing: "\(minuteHour[0]) \(minuteHour[1]) * * *")
            let fires = schedule.fireTimes(after: start, through: end, in: zone, limit: 1000)
            let days = fires.map { calendar.dateComponents([.year, .month, .day], from: $0) }
            #expect(fires.count == 365, "\(time) in \(zoneName): \(fires.count) fires")
            #expect(Set(days).count == 365, "\(time) in \(zoneName): some day fired twice")
        }
    }

    @Test("elapsed-time jobs fire at exactly the instants whose wall clock matches (minute by minute, via Calendar)", arguments: zones)
    func elapsedTimeOracle(zoneName: String) throws {
        let cases: [(String, (DateComponents) -> Bool)] = [
            ("0 * * * *", { $0.minute == 0 }),
            ("*/15 * * * *", { $0.minute! % 15 == 0 }),
            ("30 * * * *", { $0.minute == 30 }),
            ("*/10 2 * * *", { $0.hour == 2 && $0.minute! % 10 == 0 }),
            ("*/20 0,23 * * *", { ($0.hour == 0 || $0.hour == 23) && $0.minute! % 20 == 0 }),
            ("45 */2 * * 0,6", { $0.minute == 45 && $0.hour! % 2 == 0 && [1, 7].contains($0.weekday!) }),
        ]
        try checkOracle(zoneName: zoneName, cases: cases, wallClock: false)
    }

    @Test("wall-clock jobs fire once per slot: first occurrence, or first instant after a gap (via Calendar)", arguments: zones)
    func wallClockOracle(zoneName: String) throws {
        let cases: [(String, (DateComponents) -> Bool)] = [
            ("0 0 * * *", { $0.hour == 0 && $0.minute == 0 }),
            ("30 2 * * *", { $0.hour == 2 && $0.minute == 30 }),
            ("0,20,40 1,2 * * *", { [1, 2].contains($0.hour!) && $0.minute! % 20 == 0 }),
            ("15,45 23,0 * * *", { [23, 0].contains($0.hour!) && [15, 45].contains($0.minute!) }),
            ("0-59/10 0-3 * * 0", { $0.hour! <= 3 && $0.minute! % 10 == 0 && $0.weekday == 1 }),
        ]
        try checkOracle(zoneName: zoneName, cases: cases, wallClock: true)
    }

    /// Compares our fire times over each 2026 transition (± 2 days) with a brute-force walk over every minute.
    private func checkOracle(zoneName: String, cases: [(String, (DateComponents) -> Bool)], wallClock: Bool) throws {
        let zone = Time.zone(zoneName)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var windows = [Time.date("2026-06-15T00:00:00Z")]
        var cursor = Time.date("2026-01-01T00:00:00Z")
        while let transition = zone.nextDaylightSavingTimeTransition(after: cursor), transition < Time.date("2027-01-01T00:00:00Z") {
            windows.append(transition)
            cursor = transition
        }
        for center in windows {
            let start = center.addingTimeInterval(-2 * 86_400)
            let end = center.addingTimeInterval(2 * 86_400)
            // Every minute instant with its wall-clock time, as Foundation's Calendar reports it.
            let minutes = stride(from: start.timeIntervalSince1970 + 60, through: end.timeIntervalSince1970, by: 60).map {
                let instant = Date(timeIntervalSince1970: $0)
                return (instant, calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: instant))
            }
            for (expression, matches) in cases {
                var expected: [Date]
                if wallClock {
                    expected = wallClockFires(minutes: minutes, matches: matches)
                } else {
                    expected = minutes.filter { matches($0.1) }.map(\.0)
                }
                // Slots before the first full day of the window may have had their first occurrence before it.
                let settled = start.addingTimeInterval(86_400)
                expected = expected.filter { $0 > settled }
                let schedule = try CronSchedule(parsing: expression)
                let actual = schedule.fireTimes(after: settled, through: end, in: zone, limit: 10_000)
                #expect(actual == expected, "\(expression) in \(zoneName) around \(center)")
            }
        }
    }

    /// Each matching wall-clock slot fires at its first occurrence, or, if it never occurs, at the first instant after it.
    private func wallClockFires(minutes: [(Date, DateComponents)], matches: (DateComponents) -> Bool) -> [Date] {
        func key(_ c: DateComponents) -> [Int] { [c.year!, c.month!, c.day!, c.hour!, c.minute!] }
        var slots: [[Int]: DateComponents] = [:]
        var days: Set<[Int]> = []
        for (_, components) in minutes { days.insert([components.year!, components.month!, components.day!]) }
        // Every slot of every day seen, including those whose time never shows (skipped by a gap).
        for day in days {
            let weekdayProbe = minutes.first { [$0.1.year!, $0.1.month!, $0.1.day!] == day }!.1.weekday!
            for hour in 0..<24 {
                for minute in 0..<60 {
                    let slot = DateComponents(year: day[0], month: day[1], day: day[2], hour: hour, minute: minute, weekday: weekdayProbe)
                    if matches(slot) { slots[key(slot)] = slot }
                }
            }
        }
        var fires: Set<Date> = []
        for slotKey in slots.keys {
            if let exact = minutes.first(where: { key($0.1) == slotKey }) {
                fires.insert(exact.0)
            } else if let after = minutes.first(where: { key($0.1).lexicographicallyPrecedes(slotKey) == false }) {
                fires.insert(after.0)
            }
        }
        return fires.sorted()
    }
}
