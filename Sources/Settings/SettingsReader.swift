import Foundation
import Units

/// Reads typed settings from an ``Environment`` and collects every problem instead of stopping at the first,
/// so that `nomaly check` can list them all. Each reader returns the default when the variable is unset or bad.
///
/// ```swift
/// var reader = SettingsReader(environment)
/// let port = reader.integer("NOMALY_HTTP_PORT", default: 8080, range: 0...65535)
/// if !reader.problems.isEmpty { throw ConfigurationError(problems: reader.problems) }
/// ```
package struct SettingsReader {
    package let environment: Environment
    /// What relative paths in settings are relative to.
    package let workingDirectory: String
    /// `NOMALY_HOME` (default `.nomaly`), absolute: the folder below which every module's defaults lie (the embedded
    /// cluster, artifacts, backups, the scoring folder).
    package let home: String
    package private(set) var problems: [ConfigurationProblem] = []

    /// - Parameter workingDirectory: resolves relative paths; the process's current directory by default.
    package init(_ environment: Environment, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.home = Self.absolutePath(environment["NOMALY_HOME"] ?? ".nomaly", in: workingDirectory)
    }

    /// `path` made absolute against ``workingDirectory`` (see ``absolutePath(_:in:)``).
    package func absolute(_ path: String) -> String {
        Self.absolutePath(path, in: workingDirectory)
    }

    /// The variable `name` as an absolute path, or nil when it is unset.
    package func path(_ name: String) -> String? {
        environment[name].map(absolute)
    }

    package mutating func report(_ problem: ConfigurationProblem) {
        problems.append(problem)
    }

    /// ``Environment/secret(_:relativeTo:)``, a relative `NAME_FILE` taken from ``workingDirectory`` like every path,
    /// with its problem recorded instead of thrown.
    package mutating func secret(_ name: String) -> String? {
        do {
            return try environment.secret(name, relativeTo: workingDirectory)
        } catch {
            problems.append(error)
            return nil
        }
    }

    package mutating func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        guard let text = environment[name] else { return defaultValue }
        guard let value = Int(text.trimmingWhitespace()), range.contains(value) else {
            problems.append(.init(variable: name, message: "'\(text)' is not an integer in \(range.lowerBound)…\(range.upperBound)"))
            return defaultValue
        }
        return value
    }

    /// A size such as `64MiB` (see ``parseByteSize(_:)``) within `range`.
    package mutating func byteSize(_ name: String, default defaultValue: Int64, range: ClosedRange<Int64> = 1...Int64.max) -> Int64 {
        guard let text = environment[name] else { return defaultValue }
        guard let value = parseByteSize(text), range.contains(value) else {
            let bounds = range.upperBound == Int64.max ? "" : " between \(Self.describe(range.lowerBound)) and \(Self.describe(range.upperBound))"
            problems.append(.init(variable: name, message: "'\(text)' is not a size\(bounds), such as 64MiB or 8GiB"))
            return defaultValue
        }
        return value
    }

    /// A positive duration such as `10s` (see ``parseDuration(_:)``).
    package mutating func duration(_ name: String, default defaultValue: Duration) -> Duration {
        guard let text = environment[name] else { return defaultValue }
        guard let value = parseDuration(text), value > .zero else {
            problems.append(.init(variable: name, message: "'\(text)' is not a positive duration such as 10s, 500ms or 2m"))
            return defaultValue
        }
        return value
    }

    package mutating func boolean(_ name: String, default defaultValue: Bool) -> Bool {
        guard let text = environment[name] else { return defaultValue }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problems.append(.init(variable: name, message: "'\(text)' is not true or false"))
            return defaultValue
        }
    }

    /// One of a fixed set of lower-case words.
    package mutating func choice(_ name: String, default defaultValue: String, from choices: [String]) -> String {
        let value = (environment[name] ?? defaultValue).lowercased()
        guard choices.contains(value) else {
            problems.append(.init(variable: name, message: "'\(value)' is not one of \(choices.joined(separator: ", "))"))
            return defaultValue
        }
        return value
    }

    /// `path` made absolute against `directory`, with `.` and `..` parts resolved; an absolute path keeps its text. Every
    /// path a setting or a command line names goes through here, so that the same text means the same folder everywhere.
    ///
    /// ```swift
    /// SettingsReader.absolutePath("jobs/../registry", in: "/srv/nomaly")   // "/srv/nomaly/registry"
    /// SettingsReader.absolutePath("/etc/nomaly", in: "/srv/nomaly")        // "/etc/nomaly"
    /// ```
    package static func absolutePath(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    static func describe(_ bytes: Int64) -> String {
        for (unit, size) in [("GiB", Int64(1) << 30), ("MiB", Int64(1) << 20), ("KiB", Int64(1) << 10)] where bytes % size == 0 && bytes >= size {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes) bytes"
    }
}
