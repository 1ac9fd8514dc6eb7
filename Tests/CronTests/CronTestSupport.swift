import Cron
import Foundation

/// Dates and zones written the way the expectations read: `2026-03-29T03:00:00+02:00`.
enum Time {
    static func zone(_ identifier: String) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else { fatalError("unknown zone \(identifier) in a test") }
        return zone
    }

    /// Parses an ISO 8601 timestamp with an offset (`Z` or `+02:00`).
    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else { fatalError("bad timestamp \(text) in a test") }
        return date
    }

    /// Formats as `2026-03-29T03:00:00+02:00`: the wall-clock time and offset in `zone` (`+00:00`, never `Z`).
    static func formatter(in zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxxxx"
        return formatter
    }

    static func format(_ date: Date, in zone: TimeZone) -> String {
        formatter(in: zone).string(from: date)
    }

    /// The next `count` fire times after `start`, formatted in the zone.
    static func fires(_ expression: String, after start: String, in zoneName: String, count: Int) throws -> [String] {
        let zone = zone(zoneName)
        let formatter = formatter(in: zone)
        let schedule = try CronSchedule(parsing: expression)
        return schedule.fireTimes(after: date(start), through: date("9999-01-01T00:00:00Z"), in: zone, limit: count).map {
            formatter.string(from: $0)
        }
    }

    /// The first fire after `start`, formatted in the zone, or nil.
    static func next(_ expression: String, after start: String, in zoneName: String = "UTC") throws -> String? {
        try fires(expression, after: start, in: zoneName, count: 1).first
    }
}
