import Cron
import Foundation
import Testing

@Suite("Next fire times")
struct CronNextTests {
    @Test(
        "the first fire strictly after the start",
        arguments: [
            // Plain fields.
            ("* * * * *", "2026-01-01T00:00:00Z", "UTC", "2026-01-01T00:01:00+00:00"),
            ("*/15 * * * *", "2026-01-01T00:07:30Z", "UTC", "2026-01-01T00:15:00+00:00"),
            ("0 * * * *", "2026-01-01T00:00:00Z", "UTC", "2026-01-01T01:00:00+00:00"),
            ("30 2 * * *", "2026-01-01T00:00:00Z", "UTC", "2026-01-01T02:30:00+00:00"),
            ("30 2 * * *", "2026-01-01T02:30:00Z", "UTC", "2026-01-02T02:30:00+00:00"),
            ("0 9 * * 1-5", "2026-01-01T10:00:00Z", "UTC", "2026-01-02T09:00:00+00:00"),
            ("0 9 * * 1-5", "2026-01-02T10:00:00Z", "UTC", "2026-01-05T09:00:00+00:00"),
            ("0 0 1 1 *", "2026-06-01T00:00:00Z", "UTC", "2027-01-01T00:00:00+00:00"),
            ("5/20 * * * *", "2026-01-01T00:45:00Z", "UTC", "2026-01-01T01:05:00+00:00"),
            ("0 0 * * 1/2", "2026-01-03T00:00:00Z", "UTC", "2026-01-05T00:00:00+00:00"),
            // Vixie's day rule: both restricted means either; a field starting with * means both.
            ("0 0 13 * 5", "2026-01-01T00:00:00Z", "UTC", "2026-01-02T00:00:00+00:00"),
            ("0 0 13 * 5", "2026-01-09T00:00:00Z", "UTC", "2026-01-13T00:00:00+00:00"),
            ("0 0 1-7 * 1", "2026-01-07T00:00:00Z", "UTC", "2026-01-12T00:00:00+00:00"),
            ("0 0 */2 * 1", "2026-01-01T00:00:00Z", "UTC", "2026-01-05T00:00:00+00:00"),
            ("0 0 */2 * 1", "2026-01-05T00:00:00Z", "UTC", "2026-01-19T00:00:00+00:00"),
            ("0 0 */2 * 1", "2026-01-19T00:00:00Z", "UTC", "2026-02-09T00:00:00+00:00"),
            ("0 0 1-7 * */7", "2026-01-01T00:00:00Z", "UTC", "2026-01-04T00:00:00+00:00"),
            // L, W and #.
            ("0 0 L * *", "2026-01-01T00:00:00Z", "UTC", "2026-01-31T00:00:00+00:00"),
            ("0 0 L * *", "2026-01-31T00:00:00Z", "UTC", "2026-02-28T00:00:00+00:00"),
            ("0 0 L * *", "2028-02-01T00:00:00Z", "UTC", "2028-02-29T00:00:00+00:00"),
            ("0 0 LW * *", "2026-01-01T00:00:00Z", "UTC", "2026-01-30T00:00:00+00:00"),
            ("0 0 LW * *", "2026-05-01T00:00:00Z", "UTC", "2026-05-29T00:00:00+00:00"),
            ("0 0 15W * *", "2026-02-01T00:00:00Z", "UTC", "2026-02-16T00:00:00+00:00"),
            ("0 0 15W * *", "2026-08-01T00:00:00Z", "UTC", "2026-08-14T00:00:00+00:00"),
            ("0 0 1W * *", "2026-01-31T00:00:00Z", "UTC", "2026-02-02T00:00:00+00:00"),
            ("0 0 1W * *", "2026-07-31T00:00:00Z", "UTC", "2026-08-03T00:00:00+00:00"),
            ("0 0 31W * *", "2026-04-01T00:00:00Z", "UTC", "2026-05-29T00:00:00+00:00"),
            ("0 0 * * 5L", "2026-01-01T00:00:00Z", "UTC", "2026-01-30T00:00:00+00:00"),
            ("0 0 * * 5L", "2026-01-30T00:00:00Z", "UTC", "2026-02-27T00:00:00+00:00"),
            ("0 0 * * 1#2", "2026-01-01T00:00:00Z", "UTC", "2026-01-12T00:00:00+00:00"),
            ("0 0 * * 0#5", "2026-01-01T00:00:00Z", "UTC", "2026-03-29T00:00:00+00:00"),
            ("0 0 * 2 1#5", "2026-01-01T00:00:00Z", "UTC", "2044-02-29T00:00:00+00:00"),
            ("0 0 15 * 1#2", "2026-01-01T00:00:00Z", "UTC", "2026-01-12T00:00:00+00:00"),
            ("0 0 15 * 1#2", "2026-01-12T00:00:00Z", "UTC", "2026-01-15T00:00:00+00:00"),
            // February 29th, across 2100, which is not a leap year.
            ("0 0 29 2 *", "2026-01-01T00:00:00Z", "UTC", "2028-02-29T00:00:00+00:00"),
            ("0 0 29 2 *", "2096-03-01T00:00:00Z", "UTC", "2104-02-29T00:00:00+00:00"),
            // Seconds, fractions, before 1970, odd offsets.
            ("30 0 0 * * *", "2026-01-01T00:00:00Z", "UTC", "2026-01-01T00:00:30+00:00"),
            ("*/10 * * * * *", "2026-01-01T00:00:05Z", "UTC", "2026-01-01T00:00:10+00:00"),
            ("0 0 1 1 *", "1960-06-01T00:00:00Z", "UTC", "1961-01-01T00:00:00+00:00"),
            ("0 9 * * *", "2026-01-01T00:00:00Z", "Asia/Kathmandu", "2026-01-01T09:00:00+05:45"),
            ("0 9 * * *", "2026-01-01T04:00:00Z", "Asia/Kathmandu", "2026-01-02T09:00:00+05:45"),
            // @every counts from the Unix epoch, whatever the zone.
            ("@every 7m", "2026-01-01T00:03:00Z", "UTC", "2026-01-01T00:07:00+00:00"),
            ("@every 90s", "2026-01-01T00:00:00Z", "UTC", "2026-01-01T00:01:30+00:00"),
            ("@every 1h", "2026-01-01T00:10:00Z", "Asia/Kathmandu", "2026-01-01T06:45:00+05:45"),
            ("@every 1d", "2026-03-28T12:00:00Z", "Europe/Berlin", "2026-03-29T01:00:00+01:00"),
        ]
    )
    func next(expression: String, start: String, zone: String, expected: String) throws {
        #expect(try Time.next(expression, after: start, in: zone) == expected)
    }

    @Test("a start with a fraction of a second fires at the next whole second")
    func fractionalStart() throws {
        let schedule = try CronSchedule(parsing: "* * * * *")
        let start = Time.date("2026-01-01T00:00:59Z").addingTimeInterval(0.5)
        #expect(schedule.next(after: start, in: .gmt) == Time.date("2026-01-01T00:01:00Z"))
        let every = try CronSchedule(parsing: "@every 1m")
        #expect(every.next(after: start, in: .gmt) == Time.date("2026-01-01T00:01:00Z"))
        #expect(every.next(after: Time.date("2026-01-01T00:01:00Z"), in: .gmt) == Time.date("2026-01-01T00:02:00Z"))
    }

    @Test("expressions that can never fire return nil after a bounded search, quickly")
    func impossible() throws {
        let clock = ContinuousClock()
        let zones = [TimeZone.gmt, Time.zone("Europe/Berlin"), Time.zone("Australia/Lord_Howe")]
        let elapsed = try clock.measure {
            for expression in ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30,31 2 *", "0 0 0 30 2 *", "* * 31 11 *"] {
                let schedule = try CronSchedule(parsing: expression)
                for zone in zones {
                    #expect(schedule.next(after: Time.date("2026-01-01T00:00:00Z"), in: zone) == nil, "\(expression)")
                    #expect(schedule.fireTimes(after: .now, through: .distantFuture, in: zone, limit: 10).isEmpty)
                }
            }
        }
        // A bound, not a benchmark: an impossible schedule must give up instead of searching to .distantFuture.
        #expect(elapsed < .seconds(30), "\(elapsed)")
    }

    @Test("fifth weekday of February: found decades away, not given up on")
    func rareButPossible() throws {
        let schedule = try CronSchedule(parsing: "0 0 * 2 0#5")  // Feb 29th on a Sunday
        let fires = schedule.fireTimes(after: Time.date("2026-01-01T00:00:00Z"), through: .distantFuture, in: .gmt, limit: 3)
        #expect(fires.map { Time.format($0, in: .gmt) } == ["2032-02-29T00:00:00+00:00", "2060-02-29T00:00:00+00:00", "2088-02-29T00:00:00+00:00"])
    }

    @Test("fireTimes honours the window (start, end] and the limit")
    func window() throws {
        let schedule = try CronSchedule(parsing: "0 * * * *")
        let start = Time.date("2026-01-01T00:00:00Z")
        let end = Time.date("2026-01-01T05:00:00Z")
        let fires = schedule.fireTimes(after: start, through: end, in: .gmt, limit: 100)
        #expect(fires.map { Time.format($0, in: .gmt) }.map { String($0.dropFirst(11).prefix(5)) } == ["01:00", "02:00", "03:00", "04:00", "05:00"])
        #expect(schedule.fireTimes(after: start, through: end, in: .gmt, limit: 2).count == 2)
        #expect(schedule.fireTimes(after: start, through: end, in: .gmt, limit: 0).isEmpty)
        #expect(schedule.fireTimes(after: end, through: start, in: .gmt, limit: 10).isEmpty)
        #expect(schedule.fireTimes(after: start, through: start, in: .gmt, limit: 10).isEmpty)
        let every = try CronSchedule(parsing: "@every 2h")
        #expect(every.fireTimes(after: start, through: end, in: .gmt, limit: 100).count == 2)
    }

    @Test(
        "fireTimes gives what repeated next() gives, across DST changes too",
        arguments: [
            "0 * * * *", "*/15 * * * *", "30 2 * * *", "0 2,3 * * *", "*/15 2 * * *", "15,45 0-3 * * *", "0 0 * * *", "0-59/10 1 * * *",
            "*/20 0 2 * * *", "0 0 L * *", "0 9 * * 1-5", "@every 25m",
        ]
    )
    func fireTimesMatchesNext(expression: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        let starts = ["2026-03-28T22:00:00Z", "2026-10-24T21:30:00Z", "2026-04-04T12:00:00Z", "2026-09-05T20:00:00Z"]
        for zoneName in ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut", "America/Havana"] {
            let zone = Time.zone(zoneName)
            for start in starts.map(Time.date) {
                let batch = schedule.fireTimes(after: start, through: start.addingTimeInterval(40 * 86_400), in: zone, limit: 60)
                var stepped: [Date] = []
                var cursor = start
                while stepped.count < batch.count, let fire = schedule.next(after: cursor, in: zone) {
                    stepped.append(fire)
                    cursor = fire
                }
                #expect(batch == stepped, "\(expression) in \(zoneName) after \(start)")
                #expect(batch == batch.sorted() && Set(batch).count == batch.count, "\(expression) in \(zoneName): not strictly increasing")
                #expect(!batch.isEmpty)
            }
        }
    }

    @Test("next(after:) from just before a fire time returns that fire time")
    func justBefore() throws {
        for (expression, zoneName) in [("30 2 * * *", "Europe/Berlin"), ("0 * * * *", "Australia/Lord_Howe"), ("0 0 * * *", "America/Santiago")] {
            let schedule = try CronSchedule(parsing: expression)
            let zone = Time.zone(zoneName)
            for fire in schedule.fireTimes(after: Time.date("2026-03-01T00:00:00Z"), through: .distantFuture, in: zone, limit: 200) {
                #expect(schedule.next(after: fire.addingTimeInterval(-1), in: zone) == fire, "\(expression) \(fire)")
                #expect(schedule.next(after: fire.addingTimeInterval(-0.25), in: zone) == fire, "\(expression) \(fire)")
            }
        }
    }
}
