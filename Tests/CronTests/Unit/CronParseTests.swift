import Cron
import Foundation
import Testing

@Suite("Parsing cron expressions")
struct CronParseTests {
    @Test(
        "valid expressions parse and keep their text",
        arguments: [
            "* * * * *", "*/15 * * * *", "0 0 * * *", "5,10-20/5,30 */2 1-31 1-12 0-7", "0 9 * * MON-FRI", "0 0 * jan,Jul *",
            "0 0 1 * sun", "0 12 * * 7", "0 0 L * *", "0 0 LW * *", "0 0 15W * *", "0 0 1,L,15W * *", "0 0 * * 5L",
            "0 0 * * friL", "0 0 * * 1#2", "0 0 * * MON#5,5L", "5/15 * * * *", "30 0 0 * * *", "*/10 * * * * *", "@yearly",
            "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@DAILY", "@every 90s", "@every 15m",
            "@every 1h30m", "@every 1d", "@every 45", "  0  0\t* * *  ",
        ]
    )
    func valid(expression: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        #expect(schedule.expression == expression.trimmingCharacters(in: .whitespaces))
        #expect(schedule.description == schedule.expression)
    }

    @Test(
        "invalid expressions name the field and the reason",
        arguments: [
            ("", nil, nil, "the expression is empty"),
            ("   ", nil, nil, "the expression is empty"),
            (
                "* * * *", nil, nil,
                "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, found 4"
            ),
            (
                "0 0 * * * * *", nil, nil,
                "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, found 7"
            ),
            ("0 24 * * *", 2, "hour", "24 is out of range 0–23"),
            ("60 * * * *", 1, "minute", "60 is out of range 0–59"),
            ("0 99999999999 * * *", 2, "hour", "99999999999 is out of range 0–23"),
            ("0 0 0 * *", 3, "day-of-month", "0 is out of range 1–31"),
            ("0 0 32 * *", 3, "day-of-month", "32 is out of range 1–31"),
            ("0 0 * 13 *", 4, "month", "13 is out of range 1–12"),
            ("0 0 * * 8", 5, "day-of-week", "8 is out of range 0–7"),
            ("60 0 0 * * *", 1, "second", "60 is out of range 0–59"),
            ("0 0 24 * * *", 3, "hour", "24 is out of range 0–23"),
            ("0 5-2 * * *", 2, "hour", "range 5-2 runs backwards; to wrap around, write 5-23,0-2"),
            ("0 0 * * FRI-MON", 5, "day-of-week", "range 5-1 runs backwards; to wrap around, write 5-6,0-1"),
            ("*/0 * * * *", 1, "minute", "step 0 in */0 must be at least 1"),
            ("*/60 * * * *", 1, "minute", "step 60 in */60 is larger than the field (at most 59)"),
            ("0 0-23/x * * *", 2, "hour", "step \"x\" in 0-23/x is not a number"),
            ("1/2/3 * * * *", 1, "minute", "\"1/2/3\" has more than one /"),
            ("1-2-3 * * * *", 1, "minute", "\"1-2-3\" is not a value or a range A-B"),
            ("1,,2 * * * *", 1, "minute", "\"1,,2\" has an empty list item"),
            ("1, * * * *", 1, "minute", "\"1,\" has an empty list item"),
            ("5x * * * *", 1, "minute", "\"5x\" is not a number"),
            ("*5 * * * *", 1, "minute", "\"*5\" is not a number"),
            ("-5 * * * *", 1, "minute", "\"-5\" is missing a value"),
            ("*-5 * * * *", 1, "minute", "\"*-5\": * cannot be part of a range; write * or A-B"),
            ("0 0 * FOO *", 4, "month", "\"FOO\" is not a number 1–12 or a month name (JAN–DEC)"),
            ("0 0 * * MONDAY", 5, "day-of-week", "\"MONDAY\" is not a number 0–7 or a day name (SUN–SAT)"),
            ("0 MON * * *", 2, "hour", "\"MON\" is not a number"),
            ("L * * * *", 1, "minute", "L is only allowed in day-of-month (L, LW) and day-of-week (5L)"),
            ("0 0 * L *", 4, "month", "L is only allowed in day-of-month (L, LW) and day-of-week (5L)"),
            ("0 0 * * L", 5, "day-of-week", "L in day-of-week needs a weekday before it: 5L is the last Friday"),
            ("0 15W * * *", 2, "hour", "W is only allowed in day-of-month (15W, LW)"),
            ("0 0 * * 1W", 5, "day-of-week", "W is only allowed in day-of-month (15W, LW)"),
            ("0 0 * * LW", 5, "day-of-week", "W is only allowed in day-of-month (15W, LW)"),
            ("0 0 1#2 * *", 3, "day-of-month", "# is only allowed in day-of-week (1#2 is the second Monday)"),
            ("0 0 * * 1#6", 5, "day-of-week", "week 6 in 1#6 is out of range 1–5"),
            ("0 0 * * 1#0", 5, "day-of-week", "week 0 in 1#0 is out of range 1–5"),
            ("0 0 * * 8#1", 5, "day-of-week", "8 is out of range 0–7"),
            ("0 0 * * 1#x", 5, "day-of-week", "\"1#x\" must be a weekday, #, and a week number 1–5, as in 1#2"),
            ("0 0 32W * *", 3, "day-of-month", "32 is out of range 1–31"),
            ("0 0 L-2 * *", 3, "day-of-month", "L-2: L cannot be part of a range or step"),
            ("0 0 15W/2 * *", 3, "day-of-month", "15W/2: 15W cannot be part of a range or step"),
            ("0 0 * * 5L-6", 5, "day-of-week", "5L-6: 5L cannot be part of a range or step"),
            ("0 0 * * 1#2/2", 5, "day-of-week", "\"1#2/2\" must be a weekday, #, and a week number 1–5, as in 1#2"),
            ("0 0 * * * junk", 6, "day-of-week", "\"junk\" is not a number 0–7 or a day name (SUN–SAT)"),
            ("0 0 * * 1 2 3", nil, nil, "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, found 7"),
            ("@reboot", nil, nil, "@reboot is not supported: Nomaly schedules by time only"),
            (
                "@fortnightly", nil, nil,
                "unknown macro @fortnightly (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every DURATION)"
            ),
            ("@daily now", nil, nil, "@daily takes nothing after it, found \"now\""),
            ("@every", nil, nil, "@every: needs a duration, as in @every 15m"),
            ("@every 0s", nil, nil, "@every: the interval must be longer than zero"),
            ("@every 0", nil, nil, "@every: the interval must be longer than zero"),
            ("@every soon", nil, nil, "@every: \"soon\" is not a duration (examples: 90s, 15m, 1h30m, 1d)"),
            ("@every 15m junk", nil, nil, "@every: \"15m junk\" is not a duration (examples: 90s, 15m, 1h30m, 1d)"),
            ("@every -5m", nil, nil, "@every: \"-5m\" is not a duration (examples: 90s, 15m, 1h30m, 1d)"),
            ("@every 1e300", nil, nil, "@every: \"1e300\" is not a duration (examples: 90s, 15m, 1h30m, 1d)"),
            ("@every 99999999999999d", nil, nil, "@every: \"99999999999999d\" is not a duration (examples: 90s, 15m, 1h30m, 1d)"),
            ("@every 1500ms", nil, nil, "@every: 1500ms is not a whole number of seconds"),
        ] as [(String, Int?, String?, String)]
    )
    func invalid(expression: String, field: Int?, fieldName: String?, message: String) {
        let error = #expect(throws: CronParseError.self) { try CronSchedule(parsing: expression) }
        #expect(error?.field == field)
        #expect(error?.fieldName == fieldName)
        #expect(error?.message == message)
    }

    @Test("the description puts the field before the message; whole-expression errors have none")
    func errorDescription() {
        let hour = #expect(throws: CronParseError.self) { try CronSchedule(parsing: "0 24 * * *") }
        #expect(hour?.description == "field 2 (hour): 24 is out of range 0–23")
        #expect(hour?.code == .outOfRange)
        let seconds = #expect(throws: CronParseError.self) { try CronSchedule(parsing: "0 0 24 * * *") }
        #expect(seconds?.description == "field 3 (hour): 24 is out of range 0–23")
        let count = #expect(throws: CronParseError.self) { try CronSchedule(parsing: "* *") }
        #expect(count?.code == .fieldCount)
        #expect(count?.description == count?.message)
        #expect(count?.field == nil)
    }

    @Test(
        "error codes classify the mistake",
        arguments: [
            ("0 5-2 * * *", CronParseError.Code.backwardsRange), ("*/0 * * * *", .invalidStep), ("0 0 * * 1W", .notAllowed),
            ("x * * * *", .syntax), ("@often", .unknownMacro), ("@every 0", .invalidInterval), ("0 0 * 13 *", .outOfRange),
        ]
    )
    func codes(expression: String, code: CronParseError.Code) {
        let error = #expect(throws: CronParseError.self) { try CronSchedule(parsing: expression) }
        #expect(error?.code == code)
    }

    @Test("names are case-insensitive and 7 is Sunday, like 0")
    func namesAndSunday() throws {
        let start = "2026-01-01T00:00:00Z"
        let reference = try Time.fires("0 9 * 1,7 1-5", after: start, in: "UTC", count: 20)
        for spelling in ["0 9 * JAN,JUL MON-FRI", "0 9 * jan,jul mon-fri", "0 9 * Jan,Jul Mon-Fri"] {
            #expect(try Time.fires(spelling, after: start, in: "UTC", count: 20) == reference, "\(spelling)")
        }
        let sundays = try Time.fires("0 0 * * 0", after: start, in: "UTC", count: 10)
        #expect(try Time.fires("0 0 * * 7", after: start, in: "UTC", count: 10) == sundays)
        #expect(try Time.fires("0 0 * * SUN", after: start, in: "UTC", count: 10) == sundays)
        #expect(try Time.fires("0 0 * * 0-7", after: start, in: "UTC", count: 10) == Time.fires("0 0 * * *", after: start, in: "UTC", count: 10))
    }

    @Test("macros mean their five-field expansions")
    func macros() throws {
        let start = "2026-05-17T08:13:20Z"
        let expansions = [
            ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"),
            ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@hourly", "0 * * * *"),
        ]
        for (macro, fields) in expansions {
            for zone in ["UTC", "Europe/Berlin"] {
                #expect(try Time.fires(macro, after: start, in: zone, count: 5) == Time.fires(fields, after: start, in: zone, count: 5))
            }
        }
    }

    @Test("equal expressions are equal schedules")
    func equality() throws {
        #expect(try CronSchedule(parsing: "0 0 * * *") == CronSchedule(parsing: " 0 0 * * * "))
        #expect(try CronSchedule(parsing: "0 0 * * *") != CronSchedule(parsing: "0 1 * * *"))
    }
}
