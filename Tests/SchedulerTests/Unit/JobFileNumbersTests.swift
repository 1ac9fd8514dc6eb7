import JSONValues
import Scheduler
import Testing

@Suite("Numbers in job files")
struct JobFileNumbersTests {
    static func load(_ lines: String) throws -> JobSpec {
        try JobSpecLoader(kinds: nil).load("kind: command\nschedule: \"@daily\"\n" + lines, file: "jobs/job.yaml", defaultName: "job")
    }

    @Test("integers stay integers with every digit, in the stored spec, its hash and the environment")
    func integersKeepTheirDigits() throws {
        let job = try Self.load("with: {rows: 100, account: 12345678901234567}\nenv: {ACCOUNT: 12345678901234567, LEVEL: 3}\n")
        #expect(job.settings["rows"] == .integer(100))
        #expect(job.settings["account"] == .integer(12_345_678_901_234_567))
        #expect(job.env == ["ACCOUNT": "12345678901234567", "LEVEL": "3"])
        // Before integers were kept this was 1.2345678901234568e+16 in the stored spec and "12345678901234568" in the
        // environment; the hash changes once for such a file, so the corrected spec is stored.
        #expect(
            job.document.json
                == #"{"env":{"ACCOUNT":12345678901234567,"LEVEL":3},"kind":"command","schedule":"@daily","with":{"account":12345678901234567,"rows":100}}"#
        )
    }

    @Test("floats stay floats, and YAML integers that are not decimal stay what they were")
    func otherNumbers() throws {
        let job = try Self.load("with: {ratio: 0.5, whole: 2.0, exponent: 1e3, octal: 010, hex: 0x1F, base60: 1:30, letter: 0o17, big: 1e19}\n")
        #expect(job.settings["ratio"] == .number(0.5))
        #expect(job.settings["whole"] == .number(2))
        #expect(job.settings["exponent"] == .number(1000))
        #expect(job.settings["octal"] == .integer(10), "a leading zero is decimal, as it always was here")
        #expect(job.settings["hex"] == .number(31))
        #expect(job.settings["base60"] == .number(90))
        #expect(job.settings["letter"] == .string("0o17"))
        #expect(job.settings["big"] == .number(1e19))
        #expect(job.settings["ratio"]?.json == "0.5" && job.settings["whole"]?.json == "2")
    }

    @Test("integer, number and duration settings read integers and floats alike")
    func readers() throws {
        let job = try Self.load("max_catchup: 4.0\nstarting_deadline: 90\ntimeout: 1.5\nretries: {max: 3}\nhistory: {keep_succeeded: 1e2}\n")
        #expect(job.maxCatchup == 4)
        #expect(job.startingDeadline == .seconds(90))
        #expect(job.timeout == .milliseconds(1500))
        #expect(job.retries.max == 3)
        #expect(job.history.keepSucceeded == 100)
        var settings = JobSettings(["limit": .integer(7), "ratio": .integer(1), "rate": .number(0.25), "half": .number(2.5)])
        #expect(settings.integer("limit", range: 0...10) == 7)
        #expect(settings.number("ratio", range: 0...1) == 1)
        #expect(settings.number("rate", range: 0...1) == 0.25)
        #expect(settings.problems.isEmpty)
        #expect(settings.integer("half", range: 0...10) == nil)
        #expect(settings.problems.map(\.description) == ["with.half: must be an integer in 0…10"])
    }

    /// Each of these stopped the process (a Double converted to Int that does not fit) before.
    @Test(
        "numbers too large or infinite are refused with the key's message",
        arguments: [
            ("max_catchup: 1e19\n", "jobs/job.yaml:3:14: max_catchup: must be an integer in 1…1000"),
            ("max_catchup: .inf\n", "jobs/job.yaml:3:14: max_catchup: must be an integer in 1…1000"),
            ("retries: {max: 99999999999999999999}\n", "jobs/job.yaml:3:16: retries.max: must be an integer in 0…100"),
            ("timeout: .inf\n", "jobs/job.yaml:3:10: timeout: must be a duration such as 30s, 15m or 1h30m"),
            ("timeout: 1e300\n", "jobs/job.yaml:3:10: timeout: must be a duration such as 30s, 15m or 1h30m"),
            ("jitter: -1\n", "jobs/job.yaml:3:9: jitter: must be a duration such as 30s, 15m or 1h30m"),
        ]
    )
    func outOfRange(lines: String, message: String) {
        let error = #expect(throws: JobSpecLoadError.self) { try Self.load(lines) }
        #expect(error?.problems.map(\.description) == [message])
    }

    @Test("a number too large for an integer is still text where text is expected")
    func largeNumbersAsText() throws {
        let job = try Self.load("env: {HUGE: 1e19, INFINITE: .inf, WHOLE: 2.0, RATIO: 0.5}\n")
        #expect(job.env == ["HUGE": "1e+19", "INFINITE": "inf", "WHOLE": "2", "RATIO": "0.5"])
    }
}
