import Foundation
package import JSONValues
import Units

/// A kind's `with:` settings, read key by key so that every mistake names its key, and unknown keys are refused.
///
/// ```swift
/// var settings = JobSettings(values, path: "with")
/// let command = try settings.requiredStrings("command")
/// let workdir = try settings.string("workdir")
/// try settings.finish()   // "with.comand: unknown key (expected command, env, workdir)"
/// ```
package struct JobSettings: Sendable {
    package let values: [String: JSONValue]
    package let path: String
    private var read: Set<String> = []

    package init(_ values: [String: JSONValue], path: String = "with") {
        self.values = values
        self.path = path
    }

    private func error(_ key: String, _ message: String) -> JobSpecError {
        JobSpecError(key: path.isEmpty ? key : path + "." + key, message: message)
    }

    package mutating func string(_ key: String) throws(JobSpecError) -> String? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value): return Self.text(of: value)
        case .bool(let value): return String(value)
        default: throw error(key, "must be a string")
        }
    }

    package mutating func requiredString(_ key: String) throws(JobSpecError) -> String {
        guard let value = try string(key), !value.isEmpty else { throw error(key, "is required") }
        return value
    }

    package mutating func strings(_ key: String) throws(JobSpecError) -> [String]? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .array(let items):
            return try items.map { (item) throws(JobSpecError) -> String in
                guard case .string(let value) = item else { throw error(key, "must be a list of strings") }
                return value
            }
        default: throw error(key, "must be a list of strings")
        }
    }

    package mutating func requiredStrings(_ key: String) throws(JobSpecError) -> [String] {
        guard let value = try strings(key), !value.isEmpty else { throw error(key, "is required and must be a non-empty list") }
        return value
    }

    package mutating func stringMap(_ key: String) throws(JobSpecError) -> [String: String]? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .object(let items):
            var result: [String: String] = [:]
            for (name, item) in items {
                switch item {
                case .string(let value): result[name] = value
                case .integer(let value): result[name] = String(value)
                case .number(let value): result[name] = Self.text(of: value)
                case .bool(let value): result[name] = String(value)
                default: throw error(key + "." + name, "must be a string")
                }
            }
            return result
        default: throw error(key, "must be a mapping of names to strings")
        }
    }

    package mutating func bool(_ key: String) throws(JobSpecError) -> Bool? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .bool(let value): return value
        default: throw error(key, "must be true or false")
        }
    }

    package mutating func integer(_ key: String, range: ClosedRange<Int>) throws(JobSpecError) -> Int? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case let value?:
            guard let whole = value.integerValue.flatMap({ Int(exactly: $0) }), range.contains(whole) else {
                throw error(key, "must be an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            return whole
        }
    }

    package mutating func number(_ key: String, range: ClosedRange<Double>) throws(JobSpecError) -> Double? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case let value?:
            guard let number = value.doubleValue, range.contains(number) else {
                throw error(key, "must be a number in \(range.lowerBound)…\(range.upperBound)")
            }
            return number
        }
    }

    /// `90s`, `15m`, `1h30m`, or a number of seconds.
    package mutating func duration(_ key: String) throws(JobSpecError) -> Duration? {
        read.insert(key)
        let value = values[key]
        switch value {
        case nil, .null: return nil
        case .integer, .number:
            // A bare number is seconds, to the millisecond, as parseDuration reads one.
            guard let seconds = value?.doubleValue, seconds >= 0, let duration = Duration(secondsRoundedToMilliseconds: seconds) else {
                throw error(key, "must be a duration such as 30s, 15m or 1h30m")
            }
            return duration
        case .string(let text):
            guard let value = parseDuration(text) else { throw error(key, "'\(text)' is not a duration such as 30s, 15m or 1h30m") }
            return value
        default: throw error(key, "must be a duration such as 30s, 15m or 1h30m")
        }
    }

    /// A nested mapping, read with its own ``JobSettings``.
    package mutating func section(_ key: String) throws(JobSpecError) -> JobSettings? {
        read.insert(key)
        switch values[key] {
        case nil, .null: return nil
        case .object(let items): return JobSettings(items, path: path.isEmpty ? key : path + "." + key)
        default: throw error(key, "must be a mapping")
        }
    }

    /// A number with a fraction or an exponent given where text is expected (`env: {RATIO: 0.5}`): a whole one without
    /// its `.0` (`2.0` is "2").
    static func text(of number: Double) -> String {
        Int(exactly: number).map(String.init) ?? String(number)
    }

    /// Refuses keys nobody asked for: a typo must not silently fall back to a default.
    package func finish() throws(JobSpecError) {
        let unknown = values.keys.filter { !read.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let suggestion = Self.closest(to: first, in: read).map { " (did you mean '\($0)'?)" } ?? ""
        throw error(first, "unknown key\(suggestion); known keys: \(read.sorted().joined(separator: ", "))")
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
