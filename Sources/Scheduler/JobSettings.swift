import Foundation
package import JSONValues
import Synchronization
import Units

/// A spec's settings (a job file, its `with:` block, a model spec), read key by key so that every mistake names its key,
/// and unknown keys are refused.
///
/// Like `Settings.SettingsReader`, the readers do not stop at the first mistake: a bad value is reported (see
/// ``problems``) and read as absent, a missing required one as empty, so that one pass finds every mistake in the
/// file. A reader and the sections it hands out share one list of problems, one per key: a mistake that follows from
/// another (a key under a `with:` that is not a mapping, an empty required value that then fails a check) is not
/// reported again.
///
/// ```swift
/// var settings = JobSettings(values, path: "with")
/// let command = settings.requiredStrings("command")
/// let workdir = settings.string("workdir")
/// settings.finish()   // "with.comand: unknown key (did you mean 'command'?)"
/// if !settings.problems.isEmpty { … }
/// ```
package struct JobSettings: Sendable {
    package let values: [String: JSONValue]
    package let path: String
    private var read: Set<String> = []
    private let found: SpecProblems

    package init(_ values: [String: JSONValue], path: String = "with") {
        self.init(values, path: path, found: SpecProblems())
    }

    private init(_ values: [String: JSONValue], path: String, found: SpecProblems) {
        self.values = values
        self.path = path
        self.found = found
    }

    /// Empty settings at `path` that report into the same list as these: a section that was not given.
    package func emptySection(_ key: String) -> JobSettings {
        JobSettings([:], path: fullKey(key), found: found)
    }

    /// Every problem reported so far, by these settings, their sections and ``report(_:)``, in the order found.
    package var problems: [JobSpecError] { found.all }

    /// Records a mistake a kind found in a value it read (its key in full: `with.output`), and goes on.
    package func report(_ problem: JobSpecError) {
        found.add(problem)
    }

    /// Throws the first problem reported so far, if any: how a kind that has read and checked everything stops when it
    /// cannot build its run from what it was given.
    package func stopIfInvalid() throws(JobSpecError) {
        if let first = found.all.first { throw first }
    }

    private func fullKey(_ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    private func problem(_ key: String, _ message: String) {
        found.add(JobSpecError(key: fullKey(key), message: message))
    }

    package mutating func string(_ key: String) -> String? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value): return Self.text(of: value)
        case .bool(let value): return String(value)
        default:
            problem(key, "must be a string")
            return nil
        }
    }

    /// The string, or "" after reporting that it is missing.
    package mutating func requiredString(_ key: String) -> String {
        guard let value = string(key), !value.isEmpty else {
            missing(key, "is required")
            return ""
        }
        return value
    }

    package mutating func strings(_ key: String) -> [String]? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .array(let items):
            var result: [String] = []
            for item in items {
                guard case .string(let value) = item else {
                    problem(key, "must be a list of strings")
                    return nil
                }
                result.append(value)
            }
            return result
        default:
            problem(key, "must be a list of strings")
            return nil
        }
    }

    /// The list, or [] after reporting that it is missing or empty.
    package mutating func requiredStrings(_ key: String) -> [String] {
        guard let value = strings(key), !value.isEmpty else {
            missing(key, "is required and must be a non-empty list")
            return []
        }
        return value
    }

    package mutating func stringMap(_ key: String) -> [String: String]? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .object(let items):
            var result: [String: String] = [:]
            for (name, item) in items.sorted(by: { $0.key < $1.key }) {
                switch item {
                case .string(let value): result[name] = value
                case .integer(let value): result[name] = String(value)
                case .number(let value): result[name] = Self.text(of: value)
                case .bool(let value): result[name] = String(value)
                default: problem(key + "." + name, "must be a string")
                }
            }
            return result
        default:
            problem(key, "must be a mapping of names to strings")
            return nil
        }
    }

    package mutating func bool(_ key: String) -> Bool? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .bool(let value): return value
        default:
            problem(key, "must be true or false")
            return nil
        }
    }

    package mutating func integer(_ key: String, range: ClosedRange<Int>) -> Int? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case let value?:
            guard let whole = value.integerValue.flatMap({ Int(exactly: $0) }), range.contains(whole) else {
                problem(key, "must be an integer in \(range.lowerBound)…\(range.upperBound)")
                return nil
            }
            return whole
        }
    }

    package mutating func number(_ key: String, range: ClosedRange<Double>) -> Double? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case let value?:
            guard let number = value.doubleValue, range.contains(number) else {
                problem(key, "must be a number in \(range.lowerBound)…\(range.upperBound)")
                return nil
            }
            return number
        }
    }

    /// `90s`, `15m`, `1h30m`, or a number of seconds.
    package mutating func duration(_ key: String) -> Duration? {
        read.insert(key)
        let value = values[key]
        switch value {
        case nil, .null: return nil
        case .integer, .number:
            // A bare number is seconds, to the millisecond, as parseDuration reads one.
            guard let seconds = value?.doubleValue, seconds >= 0, let duration = Duration(secondsRoundedToMilliseconds: seconds) else {
                problem(key, "must be a duration such as 30s, 15m or 1h30m")
                return nil
            }
            return duration
        case .string(let text):
            guard let duration = parseDuration(text) else {
                problem(key, "'\(text)' is not a duration such as 30s, 15m or 1h30m")
                return nil
            }
            return duration
        default:
            problem(key, "must be a duration such as 30s, 15m or 1h30m")
            return nil
        }
    }

    /// A nested mapping, read with its own ``JobSettings`` that reports into the same list.
    package mutating func section(_ key: String) -> JobSettings? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .object(let items): return JobSettings(items, path: fullKey(key), found: found)
        default:
            problem(key, "must be a mapping")
            return nil
        }
    }

    /// A required value is missing: reported, unless an unknown key turns out to be its misspelling (``finish()``).
    private mutating func missing(_ key: String, _ message: String) {
        problem(key, message)
        missingKeys.insert(key)
    }

    private var missingKeys: Set<String> = []

    /// A number with a fraction or an exponent given where text is expected (`env: {RATIO: 0.5}`): a whole one without
    /// its `.0` (`2.0` is "2").
    static func text(of number: Double) -> String {
        Int(exactly: number).map(String.init) ?? String(number)
    }

    /// Reports every key nobody asked for: a typo must not silently fall back to a default. A misspelt required key is
    /// reported once, as the typo (`schedul: unknown key (did you mean 'schedule'?)`), not also as a missing `schedule`.
    /// - Parameter listKnown: whether the message lists the known keys (a kind's `with:` keys; the top level of a file
    ///   has too many to list in every message).
    package func finish(listKnown: Bool = true) {
        for key in values.keys.filter({ !read.contains($0) }).sorted() {
            let closest = Self.closest(to: key, in: read)
            if let closest, missingKeys.contains(closest) { found.remove(key: fullKey(closest)) }
            let suggestion = closest.map { " (did you mean '\($0)'?)" } ?? ""
            let known = listKnown ? "; known keys: \(read.sorted().joined(separator: ", "))" : ""
            problem(key, "unknown key\(suggestion)\(known)")
        }
    }

    static func closest(to word: String, in candidates: Set<String>) -> String? {
        candidates.map { ($0, editDistance($0, word)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, left) in a.enumerated() {
            var current = [i + 1]
            for (j, right) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The problems found in one spec file, shared by a ``JobSettings`` and its sections: one per key, the first found,
/// and none under a key that already has one (its value was not what the key needs, so what is inside says nothing).
final class SpecProblems: Sendable {
    private let list = Mutex<[JobSpecError]>([])

    var all: [JobSpecError] { list.withLock { $0 } }

    func add(_ problem: JobSpecError) {
        list.withLock { list in
            if let key = problem.key, list.contains(where: { $0.key.map { Self.key(key, isWithin: $0) } ?? false }) { return }
            list.append(problem)
        }
    }

    func remove(key: String) {
        list.withLock { $0.removeAll { $0.key == key } }
    }

    /// `with.command` is within `with.command` and `with`; `env.A` within `env`; `with.commands` is not within `with.command`.
    static func key(_ key: String, isWithin other: String) -> Bool {
        guard key.hasPrefix(other) else { return false }
        let rest = key.dropFirst(other.count)
        return rest.isEmpty || rest.first == "." || rest.first == "["
    }
}
