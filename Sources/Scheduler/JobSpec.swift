package import Cron
package import Foundation
package import JSONValues

/// One job, as `jobs/NAME.yaml` defines it. The file is the source of truth for the spec; the `jobs` row holds
/// state (paused, last slot) and a copy of the spec as JSON, from which any replica can run it.
package struct JobSpec: Sendable, Equatable {
    package enum Concurrency: String, Sendable, CaseIterable {
        /// A slot due while the previous run is still running is skipped.
        case forbid
        /// Runs may overlap.
        case allow
        /// The running run is cancelled and the new one starts when it has stopped.
        case replace
    }

    package enum Misfire: String, Sendable, CaseIterable {
        /// Slots missed during downtime are dropped.
        case skip
        /// One run replaces all missed slots.
        case runOnce = "run_once"
        /// The most recent `max_catchup` missed slots run, oldest first.
        case catchUp = "catch_up"
    }

    package struct Retries: Sendable, Equatable {
        /// Attempts after the first; 0 means no retry.
        package var max = 0
        package var initial: Duration = .seconds(10)
        package var maxDelay: Duration = .seconds(600)

        package init(max: Int = 0, initial: Duration = .seconds(10), maxDelay: Duration = .seconds(600)) {
            self.max = max
            self.initial = initial
            self.maxDelay = maxDelay
        }
    }

    package struct History: Sendable, Equatable {
        package var keepSucceeded = 100
        package var keepFailed = 100
        package var maxAge: Duration = .seconds(30 * 86_400)

        package init(keepSucceeded: Int = 100, keepFailed: Int = 100, maxAge: Duration = .seconds(30 * 86_400)) {
            self.keepSucceeded = keepSucceeded
            self.keepFailed = keepFailed
            self.maxAge = maxAge
        }
    }

    package var name: String
    package var kind: String
    package var schedule: CronSchedule
    package var timeZone: TimeZone
    /// The zone as written (`UTC`, `Europe/Berlin`); Foundation reports UTC as "GMT".
    package var timeZoneName: String
    package var enabled: Bool
    /// The kind's `with:` settings, validated by the kind when the spec was loaded.
    package var settings: [String: JSONValue]
    package var concurrency: Concurrency
    package var misfire: Misfire
    package var maxCatchup: Int
    /// A slot that has not started this long after its time is skipped (also the grace period before a slot counts as missed).
    package var startingDeadline: Duration?
    package var timeout: Duration?
    package var retries: Retries
    /// Each run starts at a random moment within this window after its slot, to spread load.
    package var jitter: Duration?
    package var history: History
    /// Added to the environment of the run (command jobs see it).
    package var env: [String: String]
    /// The spec as given, in canonical JSON: what the `jobs` row stores and hashes.
    package var document: JSONValue

    /// sha256 of ``document``'s canonical JSON: changes exactly when the spec changes.
    package var specHash: String { SpecHash.of(document.json) }

    /// Builds a spec from a parsed document (a YAML file, or the JSON copy in the `jobs` row).
    /// - Parameters:
    ///   - defaultName: the file's name without `.yaml`, used when the document has no `name`, and required to match it.
    ///   - kinds: when given, the kind must exist and validate its `with:` settings.
    /// - Throws: ``JobSpecLoadError`` with every mistake found, each naming its key, in the order they were found.
    package init(document values: [String: JSONValue], defaultName: String?, kinds: JobKindRegistry?) throws(JobSpecLoadError) {
        var reader = JobSettings(values, path: "")
        let name = reader.string("name") ?? defaultName ?? ""
        if name.range(of: #"^[a-z0-9][a-z0-9_.-]{0,62}$"#, options: .regularExpression) == nil {
            reader.report(JobSpecError(key: "name", message: "'\(name)' is not a job name (lower-case letters, digits, '_', '.', '-'; at most 63)"))
        } else if let defaultName, name != defaultName {
            reader.report(JobSpecError(key: "name", message: "'\(name)' does not match the file name '\(defaultName)'"))
        }
        let kind = reader.requiredString("kind")
        let expression = reader.requiredString("schedule")
        var schedule: CronSchedule?
        do {
            if !expression.isEmpty { schedule = try CronSchedule(parsing: expression) }
        } catch {
            reader.report(JobSpecError(key: "schedule", message: "\(error)"))
        }
        let zone = reader.string("timezone") ?? "UTC"
        let timeZone = TimeZone(identifier: zone)
        if timeZone == nil {
            reader.report(JobSpecError(key: "timezone", message: "'\(zone)' is not an IANA time zone such as Europe/Berlin"))
        }
        let enabled = reader.bool("enabled") ?? true
        let concurrency = Self.choice(&reader, "concurrency", default: Concurrency.forbid)
        let misfire = Self.choice(&reader, "misfire", default: Misfire.runOnce)
        let maxCatchup = reader.integer("max_catchup", range: 1...1000) ?? 10
        let startingDeadline = reader.duration("starting_deadline")
        let timeout = reader.duration("timeout")
        let jitter = reader.duration("jitter")
        var retries = Retries()
        if var section = reader.section("retries") {
            retries.max = section.integer("max", range: 0...100) ?? retries.max
            retries.initial = section.duration("initial") ?? retries.initial
            retries.maxDelay = section.duration("max_delay") ?? retries.maxDelay
            section.finish()
        }
        var history = History()
        if var section = reader.section("history") {
            history.keepSucceeded = section.integer("keep_succeeded", range: 0...1_000_000) ?? history.keepSucceeded
            history.keepFailed = section.integer("keep_failed", range: 0...1_000_000) ?? history.keepFailed
            history.maxAge = section.duration("max_age") ?? history.maxAge
            section.finish()
        }
        let env = reader.stringMap("env") ?? [:]
        var with = reader.section("with") ?? reader.emptySection("with")
        reader.finish(listKnown: false)
        if let kinds, !kind.isEmpty {
            if let kindType = kinds[kind] {
                do {
                    _ = try kindType.prepare(&with)
                } catch {
                    reader.report(error)
                }
                with.finish()
            } else {
                reader.report(JobSpecError(key: "kind", message: "unknown kind '\(kind)'; known kinds: \(kinds.names.joined(separator: ", "))"))
            }
        }
        guard reader.problems.isEmpty, let schedule, let timeZone else { throw JobSpecLoadError(problems: reader.problems) }
        self.name = name
        self.kind = kind
        self.schedule = schedule
        self.timeZone = timeZone
        timeZoneName = zone
        self.enabled = enabled
        settings = with.values
        self.concurrency = concurrency
        self.misfire = misfire
        self.maxCatchup = maxCatchup
        self.startingDeadline = startingDeadline
        self.timeout = timeout
        self.retries = retries
        self.jitter = jitter
        self.history = history
        self.env = env
        document = .object(values)
    }

    private static func choice<Choice: RawRepresentable & CaseIterable>(
        _ reader: inout JobSettings,
        _ key: String,
        default defaultValue: Choice
    ) -> Choice where Choice.RawValue == String {
        guard let text = reader.string(key) else { return defaultValue }
        guard let value = Choice(rawValue: text) else {
            reader.report(JobSpecError(key: key, message: "'\(text)' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))"))
            return defaultValue
        }
        return value
    }
}
