import Foundation

/// The comparisons the confinement rule makes, on UTF-8 bytes, as S3 and the kernel compare names.
extension ScoringLocations {
    /// A key S3 addresses as written: relative, without empty, `.` or `..` parts or control characters.
    static func isUsableKey(_ key: [UInt8]) -> Bool {
        let parts = key.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        return !key.isEmpty && !key.contains { $0 < 0x20 || $0 == 0x7F }
            && parts.allSatisfy { !$0.isEmpty && !$0.elementsEqual(".".utf8) && !$0.elementsEqual("..".utf8) }
    }

    /// Whether `key` is in the folder `prefix` (empty: the whole bucket), or is the object `prefix` names without its
    /// slash, ignoring the case of ASCII letters.
    static func key(_ key: [UInt8], isBelow prefix: [UInt8]) -> Bool {
        var folder = foldedASCII(prefix)
        guard !folder.isEmpty else { return true }
        if folder.last == UInt8(ascii: "/") { folder.removeLast() }
        let name = foldedASCII(key)
        return name == folder || name.starts(with: folder + [UInt8(ascii: "/")])
    }

    /// Whether `path` is `folder` or inside it (both absolute and standardised).
    static func path(_ path: [UInt8], isBelow folder: [UInt8]) -> Bool {
        folder == [UInt8(ascii: "/")] || path == folder || path.starts(with: folder + [UInt8(ascii: "/")])
    }

    /// The bytes with `A`–`Z` lowered and nothing else changed: Unicode case mapping would turn the Kelvin sign into an
    /// ASCII `k` and change lengths, where S3 and the file system see different bytes.
    static func foldedASCII(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        bytes.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
    }

    /// `%XX` escapes decoded to the bytes they stand for, whatever those are (not necessarily UTF-8); anything else,
    /// malformed escapes included, kept as written.
    static func percentDecoded(_ bytes: [UInt8]) -> [UInt8] {
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return decoded
    }

    /// Whether `bytes` hold `needle` anywhere.
    static func bytes(_ bytes: [UInt8], contain needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
