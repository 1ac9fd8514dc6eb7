public import Foundation

/// A set's name: its UTC creation time as `YYYYMMDD_HHMMSS`, the guide's `BACKUP_DATE`, so names sort by age and an
/// operator can type them.
public struct BackupSetID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let value: String
    public let date: Date

    /// The id for an instant (seconds are truncated).
    public init(date: Date) {
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
    public init?(_ text: String) {
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
    public var datePath: String {
        let digits = Array(value)
        return String(digits[0..<4]) + "/" + String(digits[4..<6]) + "/" + String(digits[6..<8]) + "/"
    }

    public var description: String { value }

    public static func < (lhs: BackupSetID, rhs: BackupSetID) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = BackupSetID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not YYYYMMDD_HHMMSS"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
