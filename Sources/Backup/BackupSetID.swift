package import Foundation

/// A set's name: its UTC creation time as `YYYYMMDD_HHMMSS`, the guide's `BACKUP_DATE`, so names sort by age and an
/// operator can type them.
package struct BackupSetID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    package let value: String
    package let date: Date

    /// The id for an instant (seconds are truncated).
    package init(date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        value = String(
            format: "%04d%02d%02d_%02d%02d%02d",
            parts.year!,
            parts.month!,
            parts.day!,
            parts.hour!,
            parts.minute!,
            parts.second!
        )
        self.date = calendar.date(from: parts)!
    }

    /// Parses `YYYYMMDD_HHMMSS`; nil for anything else (other files in the backup folder are ignored, not errors).
    package init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 15, bytes[8] == UInt8(ascii: "_"),
            bytes.enumerated().allSatisfy({ $0.offset == 8 || (0x30...0x39).contains($0.element) })
        else { return nil }
        func number(_ range: Range<Int>) -> Int { Int(String(decoding: bytes[range], as: UTF8.self))! }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(
            year: number(0..<4),
            month: number(4..<6),
            day: number(6..<8),
            hour: number(9..<11),
            minute: number(11..<13),
            second: number(13..<15)
        )
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        value = text
        self.date = date
    }

    /// `YYYY/MM/DD/`: where the set goes under the bucket prefix, as the guide's `$(date +%Y/%m/%d)/`.
    package var datePath: String {
        let digits = Array(value)
        return String(digits[0..<4]) + "/" + String(digits[4..<6]) + "/" + String(digits[6..<8]) + "/"
    }

    package var description: String { value }

    package static func < (lhs: BackupSetID, rhs: BackupSetID) -> Bool { lhs.value < rhs.value }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = BackupSetID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not YYYYMMDD_HHMMSS"))
        }
        self = id
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
