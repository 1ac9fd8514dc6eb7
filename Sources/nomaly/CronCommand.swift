import ArgumentParser
import Cron
import Foundation

/// `nomaly cron next|explain`: try a schedule before giving it to a job. Needs no configuration or database.
struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Check a cron expression: its next fire times, or the schedule in words.",
        discussion: """
            Expressions have 5 fields (minute hour day-of-month month day-of-week), or 6 with a leading seconds field, \
            or are a macro (@daily, @hourly, …) or @every DURATION. See docs/cron.md. Quote the expression, or give its \
            fields as separate words. An invalid expression, time zone or --from exits with status 2.
            """,
        subcommands: [Next.self, Explain.self]
    )

    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next fire times, one ISO 8601 timestamp with its UTC offset per line.",
            discussion: """
                Times are computed as the scheduler does, in the job's time zone with its DST rules: a time skipped by \
                spring-forward fires at the first instant after the gap, one repeated by fall-back fires once; jobs with \
                * in the minute or hour follow elapsed time.
                """
        )

        @Argument(help: "The cron expression, e.g. \"30 2 * * *\".")
        var expression: [String]

        @Option(name: .customLong("tz"), help: "The job's IANA time zone.")
        var timeZone = "UTC"

        @Option(
            help: """
                Start strictly after this time: ISO 8601 with an offset (2026-03-28T12:00:00Z), or a wall-clock time in \
                --tz (2026-03-28T12:00). Default: now.
                """
        )
        var from: String?

        @Option(help: "How many fire times to print.")
        var count = 5

        @Flag(help: "Print a JSON array of the timestamps.")
        var json = false

        func validate() throws {
            guard (1...10_000).contains(count) else { throw ValidationError("--count must be between 1 and 10000") }
        }

        func run() async throws {
            let schedule = try CronCommand.parse(expression)
            guard let zone = TimeZone(identifier: timeZone) else {
                throw CronCommand.refuse("unknown time zone \"\(timeZone)\" (use an IANA name such as Europe/Berlin)")
            }
            let start = try from.map { try CronCommand.date($0, in: zone) } ?? Date()
            let fires = schedule.fireTimes(after: start, through: .distantFuture, in: zone, limit: count)
            let lines = fires.map { CronCommand.timestamp($0, in: zone) }
            if json {
                try JSONOutput.print(lines)
            } else {
                for line in lines { print(line) }
            }
            if fires.isEmpty {
                // Valid but impossible, like Feb 30: not an error, yet worth saying.
                let after = CronCommand.timestamp(start, in: zone)
                FileHandle.standardError.write(Data("warning: \"\(schedule)\" never fires after \(after) (searched 400 years)\n".utf8))
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say the schedule in words.")

        @Argument(help: "The cron expression, e.g. \"*/15 9-17 * * MON-FRI\".")
        var expression: [String]

        @Flag(help: "Print {expression, description} as JSON.")
        var json = false

        struct Explanation: Encodable {
            let expression: String
            let description: String
        }

        func run() async throws {
            let schedule = try CronCommand.parse(expression)
            if json {
                try JSONOutput.print(Explanation(expression: schedule.expression, description: schedule.explain()))
            } else {
                print(schedule.explain())
            }
        }
    }

    /// The expression from one quoted argument or from its fields as separate words.
    static func parse(_ words: [String]) throws -> CronSchedule {
        do {
            return try CronSchedule(parsing: words.joined(separator: " "))
        } catch {
            throw refuse(error.description)
        }
    }

    /// Exit status 2, not 64: the command line was understood, but the schedule it names is not valid.
    static func refuse(_ message: String) -> CLIError {
        CLIError(status: .invalidSchedule, message: message)
    }

    /// `--from`: an instant with an offset, or a wall-clock time in the job's zone.
    static func date(_ text: String, in zone: TimeZone) throws -> Date {
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            let formatter = posixFormatter(format, in: zone)
            if let date = formatter.date(from: text) { return date }
        }
        throw refuse(
            "--from: \"\(text)\" is not an ISO 8601 time (2026-03-28T12:00:00Z, 2026-03-28T12:00:00+01:00, or 2026-03-28T12:00 in --tz)"
        )
    }

    /// `2026-03-29T03:00:00+02:00`, the offset always numeric (`+00:00` for UTC).
    static func timestamp(_ date: Date, in zone: TimeZone) -> String {
        posixFormatter("yyyy-MM-dd'T'HH:mm:ssxxxxx", in: zone).string(from: date)
    }

    private static func posixFormatter(_ format: String, in zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = format
        formatter.isLenient = false
        return formatter
    }
}
