import Foundation
import Processes
import TestSupport
import Testing

@Suite("nomaly cron, run as a process")
struct CronCommandTests {
    /// A configuration `nomaly serve` would refuse: the cron commands must not read it.
    let brokenEnvironment = ["NOMALY_HTTP_PORT": "eighty", "DATABASE_URL": "not a url", "LOG_LEVEL": "loud"]

    @Test("next prints ISO 8601 times with the zone's offset, through a DST change")
    func next() async throws {
        let result = try await NomalyProcess.run(
            ["cron", "next", "30 2 * * *", "--tz", "Europe/Berlin", "--from", "2026-03-28T12:00:00Z", "--count", "3"],
            environment: brokenEnvironment
        )
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "2026-03-29T03:00:00+02:00\n2026-03-30T02:30:00+02:00\n2026-03-31T02:30:00+02:00\n")
    }

    @Test("next --json is an array of timestamps; the fields may come as separate words; --from may be wall-clock time")
    func nextJSON() async throws {
        let result = try await NomalyProcess.run(
            ["cron", "next", "0", "*", "*", "*", "*", "--tz", "Europe/Berlin", "--from", "2026-10-25T00:30", "--count", "4", "--json"],
            environment: brokenEnvironment
        )
        #expect(result.status == 0, "\(result.standardError)")
        let times = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String]
        #expect(times == ["2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"])
    }

    @Test("explain says it in words, and as {expression, description} with --json")
    func explain() async throws {
        let text = try await NomalyProcess.run(["cron", "explain", "*/15 9-17 * * MON-FRI"], environment: brokenEnvironment)
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput == "every 15 minutes from 09:00 to 17:59 on Monday through Friday\n")
        let json = try await NomalyProcess.run(["cron", "explain", "--json", "@daily"], environment: brokenEnvironment)
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: String]
        #expect(object == ["expression": "@daily", "description": "at 00:00 every day"])
    }

    @Test(
        "an invalid expression, zone or --from exits 2 with the reason on stderr",
        arguments: [
            (["cron", "next", "0 24 * * *"], "error: field 2 (hour): 24 is out of range 0–23\n"),
            (["cron", "explain", "@every 0"], "error: @every: the interval must be longer than zero\n"),
            (
                ["cron", "next", "0 2 * * *", "--tz", "Mars/Olympus"],
                "error: unknown time zone \"Mars/Olympus\" (use an IANA name such as Europe/Berlin)\n"
            ),
            (
                ["cron", "next", "0 2 * * *", "--from", "yesterday"],
                "error: --from: \"yesterday\" is not an ISO 8601 time (2026-03-28T12:00:00Z, 2026-03-28T12:00:00+01:00, or 2026-03-28T12:00 in --tz)\n"
            ),
        ]
    )
    func refusals(arguments: [String], message: String) async throws {
        let result = try await NomalyProcess.run(arguments, environment: brokenEnvironment)
        #expect(result.status == 2)
        #expect(result.standardError == message)
        #expect(result.standardOutput.isEmpty)
    }
}
