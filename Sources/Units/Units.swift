/// Parses operator-friendly durations: `90s`, `15m`, `1h30m`, `500ms`, `2d`, or a bare number of seconds.
///
/// ```swift
/// parseDuration("1h30m") // .seconds(5400)
/// ```
/// - Returns: nil when the text is not a non-negative duration of at most ``maximumDuration``.
package func parseDuration(_ text: String) -> Duration? {
    let trimmed = text.trimmingWhitespace()
    if trimmed.isEmpty { return nil }
    // A bare number is plain digits and a point: "1e300" or "inf" is not a duration anyone meant.
    if trimmed.allSatisfy({ $0.isNumber || $0 == "." }), let seconds = Double(trimmed), seconds <= maximumDurationSeconds {
        return Duration(secondsRoundedToMilliseconds: seconds)
    }
    var total = Duration.zero
    var scanner = Substring(trimmed)
    while !scanner.isEmpty {
        let digits = scanner.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let amount = Double(digits), amount.isFinite else { return nil }
        scanner = scanner.dropFirst(digits.count)
        let unit = scanner.prefix { $0.isLetter }
        scanner = scanner.dropFirst(unit.count)
        let unitMilliseconds: Double
        switch unit {
        case "ms": unitMilliseconds = 1
        case "s": unitMilliseconds = 1000
        case "m": unitMilliseconds = 60_000
        case "h": unitMilliseconds = 3_600_000
        case "d": unitMilliseconds = 86_400_000
        default: return nil
        }
        let milliseconds = amount * unitMilliseconds
        guard milliseconds / 1000 <= maximumDurationSeconds else { return nil }
        total += .milliseconds(Int64(milliseconds.rounded()))
        guard total <= .seconds(maximumDurationSeconds) else { return nil }
    }
    return total
}

/// The longest duration accepted anywhere: 100 years, far beyond any timeout or schedule, and far from overflow.
package let maximumDurationSeconds: Double = 100 * 366 * 86_400

/// Parses byte sizes: `512`, `64KiB`, `64MiB`, `2GiB`, `1TiB`, and the decimal `64MB`, `2GB` (powers of 1000),
/// case-insensitively, with an optional space (`16 MiB`).
///
/// ```swift
/// parseByteSize("64MiB") // 67_108_864
/// ```
/// - Returns: nil when the text is not a non-negative size.
package func parseByteSize(_ text: String) -> Int64? {
    let trimmed = text.trimmingWhitespace()
    let digits = trimmed.prefix { $0.isNumber || $0 == "." }
    guard !digits.isEmpty, let amount = Double(digits), amount.isFinite, amount >= 0 else { return nil }
    let unit = String(trimmed.dropFirst(digits.count)).trimmingWhitespace().lowercased()
    let multipliers: [String: Double] = [
        "": 1, "b": 1,
        "k": 1024, "kib": 1024, "kb": 1000,
        "m": Double(1 << 20), "mib": Double(1 << 20), "mb": 1e6,
        "g": Double(1 << 30), "gib": Double(1 << 30), "gb": 1e9,
        "t": Double(1 << 40), "tib": Double(1 << 40), "tb": 1e12,
    ]
    guard let multiplier = multipliers[unit] else { return nil }
    let value = amount * multiplier
    guard value < Double(Int64.max) else { return nil }
    return Int64(value.rounded())
}

extension String {
    /// The string without leading and trailing whitespace (Foundation-free, so this module needs nothing).
    package func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
