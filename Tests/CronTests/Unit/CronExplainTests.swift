import Cron
import Foundation
import Testing

@Suite("Schedules in words, and their typical interval")
struct CronExplainTests {
    @Test(
        "explain() says it in words",
        arguments: [
            ("* * * * *", "every minute"),
            ("*/15 * * * *", "every 15 minutes"),
            ("0 * * * *", "every hour at :00"),
            ("@hourly", "every hour at :00"),
            ("0 */2 * * *", "every 2 hours at :00"),
            ("5/15 * * * *", "at minutes 5, 20, 35 and 50 of every hour"),
            ("0-10 * * * *", "at minutes 0–10 of every hour"),
            ("30 2 * * *", "at 02:30 every day"),
            ("@daily", "at 00:00 every day"),
            ("0 8,12,18 * * *", "at 08:00, 12:00 and 18:00 every day"),
            ("0 9 * * 1-5", "at 09:00 on Monday through Friday"),
            ("0 9 * * mon,wed,fri", "at 09:00 on Monday, Wednesday and Friday"),
            ("@weekly", "at 00:00 on Sunday"),
            ("@monthly", "at 00:00 on day 1 of the month"),
            ("@yearly", "at 00:00 on January 1"),
            ("0 0 29 2 *", "at 00:00 on February 29"),
            ("0 0 * 1-3 *", "at 00:00 every day in January through March"),
            ("*/15 9-17 * * 1-5", "every 15 minutes from 09:00 to 17:59 on Monday through Friday"),
            ("*/15 2 * * *", "every 15 minutes from 02:00 to 02:59"),
            ("*/15 */2 * * *", "every 15 minutes during hours 0, 2, 4, …, 22"),
            ("0,30 9-17 * * *", "at minutes 0 and 30 from 09:00 to 17:59 every day"),
            ("0 9 13 * 5", "at 09:00 on day 13 of the month or on Friday"),
            ("0 0 */2 * 1", "at 00:00 on days 1, 3, 5, …, 31 of the month, if that is a Monday"),
            ("0 0 L * *", "at 00:00 on the last day of the month"),
            ("0 0 LW * *", "at 00:00 on the last weekday of the month"),
            ("0 0 15W * *", "at 00:00 on the weekday nearest day 15 of the month"),
            ("0 0 1,L * *", "at 00:00 on day 1 and the last day of the month"),
            ("0 3 * * 5L", "at 03:00 on the last Friday of the month"),
            ("0 0 * * 1#2", "at 00:00 on the second Monday of the month"),
            ("30 0 0 * * *", "at 00:00:30 every day"),
            ("*/10 * * * * *", "every 10 seconds"),
            ("*/10 5 * * * *", "every 10 seconds during minute 5 of every hour"),
            ("@every 90s", "every 90 seconds"),
            ("@every 15m", "every 15 minutes"),
            ("@every 1h30m", "every 90 minutes, from 00:00 UTC"),
            ("@every 1d", "every day at 00:00 UTC"),
            ("@every 7m", "every 7 minutes, counted from 1970-01-01 00:00 UTC"),
            // A step that does not divide its field is not a regular interval: these fire at the values listed.
            ("*/45 * * * *", "at minutes 0 and 45 of every hour"),
            ("*/59 * * * *", "at minutes 0 and 59 of every hour"),
            ("*/7 * * * *", "at minutes 0, 7, 14, …, 56 of every hour"),
            ("0 */5 * * *", "at 00:00, 05:00, 10:00, 15:00 and 20:00 every day"),
            ("30 */7 * * *", "at 00:30, 07:30, 14:30 and 21:30 every day"),
            ("*/45 9-17 * * *", "at minutes 0 and 45 from 09:00 to 17:59 every day"),
            ("*/45 2 * * *", "at 02:00 and 02:45 every day"),
            ("*/15 */5 * * *", "every 15 minutes during hours 0, 5, 10, …, 20"),
            ("*/45 * * * * *", "at seconds 0 and 45 of every minute"),
            ("5 * * * * *", "at second 5 of every minute"),
            // Steps that divide their field are regular, across the hour and midnight too.
            ("*/20 * * * *", "every 20 minutes"),
            ("*/30 * * * *", "every 30 minutes"),
            ("0 */6 * * *", "every 6 hours at :00"),
            ("15 */8 * * *", "every 8 hours at :15"),
            ("0 */12 * * *", "every 12 hours at :00"),
            ("*/20 * * * * *", "every 20 seconds"),
        ]
    )
    func explain(expression: String, words: String) throws {
        #expect(try CronSchedule(parsing: expression).explain() == words)
    }

    /// Every `*/N` of the second, minute and hour fields, alone and beside `0 */N`: what the words claim is checked
    /// against two days of fire times.
    static let steps: [String] =
        (1...59).map { "*/\($0) * * * *" } + (1...23).map { "0 */\($0) * * *" } + (1...59).map { "*/\($0) * * * * *" }
        + (1...23).map { "30 */\($0) * * *" }

    @Test("explain() says \"every N\" exactly when consecutive fires are always N apart", arguments: steps)
    func intervalsAreTrue(expression: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        let start = Time.date("2026-01-20T00:00:00Z")
        let fires = schedule.fireTimes(after: start, through: start.addingTimeInterval(2 * 86_400), in: .gmt, limit: 200_000)
        let gaps = Set(zip(fires, fires.dropFirst()).map { Int($1.timeIntervalSince($0)) })
        let words = schedule.explain()
        let claimed = words.firstMatch(of: #/^every (?:(\d+) )?(second|minute|hour)s?\b/#).map { match in
            let units = ["second": 1, "minute": 60, "hour": 3600]
            return (match.output.1.map { Int($0)! } ?? 1) * units[String(match.output.2)]!
        }
        if let claimed {
            #expect(gaps == [claimed], "\(expression): \"\(words)\" but the gaps are \(gaps.sorted()) seconds")
        } else {
            #expect(gaps.count > 1, "\(expression): \"\(words)\" hides a regular interval of \(gaps.sorted()) seconds")
        }
    }

    @Test(
        "typicalInterval is the shortest gap over the next fires",
        arguments: [
            ("*/15 * * * *", "UTC", "2026-01-20T00:00:00Z", 900.0),
            ("0 9 * * 1-5", "UTC", "2026-01-20T00:00:00Z", 86_400),
            ("0 0 1 * *", "UTC", "2026-01-20T00:00:00Z", 28 * 86_400),
            ("0 0 1 * *", "UTC", "2026-03-20T00:00:00Z", 30 * 86_400),
            ("@every 90s", "UTC", "2026-01-20T00:00:00Z", 90),
            ("@every 7m", "Asia/Kathmandu", "2026-01-20T00:00:00Z", 420),
            ("0 0 29 2 *", "UTC", "2026-01-20T00:00:00Z", 4 * 365 * 86_400 + 86_400),
            // The daily job's gap across the spring-forward night is 23 hours.
            ("0 2 * * *", "Europe/Berlin", "2026-01-20T00:00:00Z", 24 * 3600),
            ("0 2 * * *", "Europe/Berlin", "2026-03-25T00:00:00Z", 23 * 3600),
            ("0 * * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00Z", 3600),
        ] as [(String, String, String, Double)]
    )
    func typicalInterval(expression: String, zone: String, from start: String, seconds: Double) throws {
        let schedule = try CronSchedule(parsing: expression)
        #expect(schedule.typicalInterval(in: Time.zone(zone), from: Time.date(start)) == seconds)
    }

    @Test(
        "longestInterval is the longest gap over the next five weeks: weekends, nights, month ends",
        arguments: [
            ("*/15 * * * *", "UTC", "2026-01-20T00:00:00Z", 900.0),
            ("0 9 * * 1-5", "UTC", "2026-01-20T00:00:00Z", 3 * 86_400),
            ("0 9,17 * * *", "UTC", "2026-01-20T00:00:00Z", 16 * 3600),
            ("*/15 9-17 * * 1-5", "UTC", "2026-01-20T00:00:00Z", 2 * 86_400 + 15 * 3600 + 15 * 60),
            ("0 0 1 * *", "UTC", "2026-01-20T00:00:00Z", 31 * 86_400),
            ("0 0 1 1 *", "UTC", "2026-01-20T00:00:00Z", 366 * 86_400),
            ("@every 90s", "UTC", "2026-01-20T00:00:00Z", 90),
            // The daily job's gap across the autumn-back night is 25 hours.
            ("0 2 * * *", "Europe/Berlin", "2026-10-20T00:00:00Z", 25 * 3600),
        ] as [(String, String, String, Double)]
    )
    func longestInterval(expression: String, zone: String, from start: String, seconds: Double) throws {
        let schedule = try CronSchedule(parsing: expression)
        #expect(schedule.longestInterval(in: Time.zone(zone), from: Time.date(start)) == seconds)
    }

    @Test("a schedule that fires at most once has no typical interval")
    func noInterval() throws {
        #expect(try CronSchedule(parsing: "0 0 30 2 *").typicalInterval(in: .gmt, from: .now) == nil)
        #expect(try CronSchedule(parsing: "0 0 1 1 *").typicalInterval(in: .gmt, from: Time.date("9998-06-01T00:00:00Z")) == nil)
        #expect(try CronSchedule(parsing: "0 0 30 2 *").longestInterval(in: .gmt, from: .now) == nil)
        #expect(try CronSchedule(parsing: "0 0 1 1 *").longestInterval(in: .gmt, from: Time.date("9998-06-01T00:00:00Z")) == nil)
    }
}
