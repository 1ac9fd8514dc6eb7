import Foundation
import Units

/// Parsing and printing of Postgres's text representations.
///
/// Every session is set to `TimeZone=UTC`, `DateStyle=ISO` and `bytea_output=hex` when it opens,
/// so these are the only spellings we ever receive.
enum PostgresTextFormat {
    // MARK: Timestamps

    /// `2026-11-29 12:34:56.123456+00`, also with `+05:30`, `+01:00:00`, a `T`, or a bare `2026-11-29` date.
    static func parseTimestamp(_ text: some StringProtocol) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        let bytes = Array(text.utf8)
        var index = 0

        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
                index += 1
            }
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }

        // Years beyond 9999 have more digits; BC dates are outside anything Nomaly stores.
        var yearDigits = 0
        while index + yearDigits < bytes.count, bytes[index + yearDigits] >= 0x30, bytes[index + yearDigits] <= 0x39 { yearDigits += 1 }
        guard yearDigits >= 4, let year = number(yearDigits), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2) else {
            return nil
        }
        var seconds = Double(CivilDays.days(year: Int64(year), month: month, day: day) * 86_400)
        if index == bytes.count { return Date(timeIntervalSince1970: seconds) }
        guard expect(0x20) || expect(0x54), let hour = number(2), expect(0x3A), let minute = number(2), expect(0x3A), let second = number(2) else {
            return nil
        }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if expect(0x2E) {
            var fraction = 0.0
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            seconds += fraction
        }
        if index < bytes.count {
            let sign: Double
            if expect(0x2B) { sign = 1 } else if expect(0x2D) { sign = -1 } else if expect(0x5A) { sign = 0 } else { return nil }
            if sign != 0 {
                guard let offsetHours = number(2) else { return nil }
                var offset = offsetHours * 3600
                if expect(0x3A) {
                    guard let minutes = number(2) else { return nil }
                    offset += minutes * 60
                }
                if expect(0x3A) {
                    guard let secs = number(2) else { return nil }
                    offset += secs
                }
                seconds -= sign * Double(offset)
            }
        }
        guard index == bytes.count else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// `2026-11-29T12:34:56.123456Z`: microseconds, the precision of timestamptz.
    static func formatTimestamp(_ date: Date) -> String {
        if date == .distantFuture { return "infinity" }
        if date == .distantPast { return "-infinity" }
        let totalMicroseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var days = totalMicroseconds / 86_400_000_000
        var remainder = totalMicroseconds % 86_400_000_000
        if remainder < 0 {
            remainder += 86_400_000_000
            days -= 1
        }
        let (year64, month, day) = CivilDays.date(ofDay: days)
        let year = Int(year64)
        let secondsOfDay = Int(remainder / 1_000_000)
        let micros = Int(remainder % 1_000_000)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):"
            + "\(pad(secondsOfDay % 60, 2)).\(pad(micros, 6))Z"
    }

    // MARK: bytea

    /// `\x0a1b…` (bytea_output = hex).
    static func parseByteaHex(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard bytes.count >= 2, bytes[0] == 0x5C, bytes[1] == 0x78, bytes.count % 2 == 0 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity((bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    static func formatByteaHex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var output = [UInt8]([0x5C, 0x78])
        output.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        case 0x41...0x46: return byte - 0x41 + 10
        default: return nil
        }
    }

    // MARK: Arrays and identifiers

    static func quoteArrayElement(_ text: String) -> String {
        var quoted = "\""
        for character in text {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

/// Quotes an identifier (`"my ""odd"" table"`); a dotted name is quoted part by part (`public.jobs`).
///
/// Use it for the few places where SQL needs a name that cannot be a `$n` parameter: COPY, LISTEN.
package func quotePostgresIdentifier(_ name: String) -> String {
    name.split(separator: ".", omittingEmptySubsequences: false).map { part in
        "\"" + part.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }.joined(separator: ".")
}
