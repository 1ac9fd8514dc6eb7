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

    package static let keys = [
        "name", "kind", "schedule", "timezone", "enabled", "with", "concurrency", "misfire", "max_catchup", "starting_deadline",
        "timeout", "retries", "jitter", "history", "env",
    ]

    /// Builds a spec from a parsed document (a YAML file, or the JSON copy in the `jobs` row).
    /// - Parameters:
    ///   - defaultName: the file's name without `.yaml`, used when the document has no `name`, and required to match it.
    ///   - kinds: when given, the kind must exist and validate its `with:` settings.
    package init(document values: [String: JSONValue], defaultName: String?, kinds: JobKindRegistry?) throws(JobSpecError) {
        // Unknown keys first: `schedul:` should read as a typo, not as a missing schedule.
        if let unknown = values.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            let suggestion = JobSettings.closest(to: unknown, in: Set(Self.keys)).map { " (did you mean '\($0)'?)" } ?? ""
            throw JobSpecError(key: unknown, message: "unknown key\(suggestion)")
        }
        var reader = JobSettings(values, path: "")
        let name = try reader.string("name") ?? defaultName ?? ""
        guard name.range(of: #"^[a-z0-9][a-z0-9_.-]{0,62}$"#, options: .regularExpression) != nil else {
            throw JobSpecError(key: "name", message: "'\(name)' is not a job name (lower-case letters, digits, '_', '.', '-'; at most 63)")
        }
        if let defaultName, name != defaultName {
            throw JobSpecError(key: "name", message: "'\(name)' does not match the file name '\(defaultName)'")
        }
        self.name = name
        kind = try reader.requiredString("kind")
        let expression = try reader.requiredString("schedule")
        do {
            schedule = try CronSchedule(parsing: expression)
        } catch {
            throw JobSpecError(key: "schedule", message: "\(error)")
        }
        let zone = try reader.string("timezone") ?? "UTC"
        guard let timeZone = TimeZone(identifier: zone) else {
            throw JobSpecError(key: "timezone", message: "'\(zone)' is not an IANA time zone such as Europe/Berlin")
        }
        self.timeZone = timeZone
        timeZoneName = zone
        enabled = try reader.bool("enabled") ?? true
        concurrency = try Self.choice(&reader, "concurrency", default: .forbid)
        misfire = try Self.choice(&reader, "misfire", default: .runOnce)
        maxCatchup = try reader.integer("max_catchup", range: 1...1000) ?? 10
        startingDeadline = try reader.duration("starting_deadline")
        timeout = try reader.duration("timeout")
        jitter = try reader.duration("jitter")
        retries = Retries()
        if var section = try reader.section("retries") {
            retries.max = try section.integer("max", range: 0...100) ?? retries.max
            retries.initial = try section.duration("initial") ?? retries.initial
            retries.maxDelay = try section.duration("max_delay") ?? retries.maxDelay
            try section.finish()
        }
        history = History()
        if var section = try reader.section("history") {
            history.keepSucceeded = try section.integer("keep_succeeded", range: 0...1_000_000) ?? history.keepSucceeded
            history.keepFailed = try section.integer("keep_failed", range: 0...1_000_000) ?? history.keepFailed
            history.maxAge = try section.duration("max_age") ?? history.maxAge
            try section.finish()
        }
        env = try reader.stringMap("env") ?? [:]
        var with = try reader.section("with") ?? JobSettings([:], path: "with")
        settings = with.values
        try reader.finish()
        document = .object(values)
        if let kinds {
            guard let kindType = kinds[kind] else {
                throw JobSpecError(key: "kind", message: "unknown kind '\(kind)'; known kinds: \(kinds.names.joined(separator: ", "))")
            }
            _ = try kindType.prepare(&with)
            try with.finish()
        }
    }

    private static func choice<Choice: RawRepresentable & CaseIterable>(
        _ reader: inout JobSettings,
        _ key: String,
        default defaultValue: Choice
    ) throws(JobSpecError) -> Choice where Choice.RawValue == String {
        guard let text = try reader.string(key) else { return defaultValue }
        guard let value = Choice(rawValue: text) else {
            throw JobSpecError(key: key, message: "'\(text)' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
