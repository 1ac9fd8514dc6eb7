/// Parses operator-friendly durations: `90s`, `15m`, `1h30m`, `500ms`, `2d`, or a bare number of seconds.
///
/// ```swift
/// parseDuration("1h30m") // .seconds(5400)
/// ```
/// - Returns: nil when the text is not a non-negative duration.
public func parseDuration(_ text: String) -> Duration? {
    let trimmed = text.trimmingWhitespace()
    if trimmed.isEmpty { return nil }
    if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 {
        return .milliseconds(Int64((seconds * 1000).rounded()))
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
        total += .milliseconds(Int64((amount * unitMilliseconds).rounded()))
    }
    return total
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
