#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONReader {
    /// An object being read: where its keys start in `keySpans` and `keyArena`, and where it starts in the text.
    struct OpenObject {
        var firstKey: Int
        var arenaStart: Int
        var offset: Int
        var line: Int
        var lineStart: Int
    }

    /// Objects up to this many keys are checked for a duplicate at each key (a few comparisons, as records have);
    /// beyond it, the keys are sorted once when the object closes, so an object of a million keys costs
    /// n log n comparisons and the keys' bytes, not n².
    static let keysCheckedAtOnce = 16

    /// Remembers a key of the innermost object, refusing it if the object already has it.
    mutating func noteKey(_ key: UnsafeRawBufferPointer, at offset: Int) throws {
        guard keySpans.count < maxKeys else {
            throw syntaxError("an object has more than \(maxKeys) keys, counting those of the objects it is in", at: offset, code: .tooManyKeys)
        }
        let object = openObjects[openObjects.count - 1]
        let known = keySpans.count - object.firstKey
        if known < Self.keysCheckedAtOnce {
            for span in keySpans[object.firstKey...] where span.count == key.count && equal(span, key) {
                throw syntaxError("duplicate key \(Self.quoted(key))", at: offset)
            }
        }
        let start = keyArena.count
        keyArena.append(contentsOf: key)
        keySpans.append(start..<keyArena.count)
    }

    /// Forgets the innermost object's keys, first checking those that were not checked one by one.
    mutating func closeObjectKeys() throws {
        let object = openObjects.removeLast()
        defer {
            keySpans.removeSubrange(object.firstKey...)
            keyArena.removeSubrange(object.arenaStart...)
        }
        guard keySpans.count - object.firstKey > Self.keysCheckedAtOnce else { return }
        let arena = keyArena
        let duplicate: Range<Int>? = arena.withUnsafeBytes { bytes in
            func compare(_ a: Range<Int>, _ b: Range<Int>) -> Int32 {
                let common = memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, min(a.count, b.count))
                return common != 0 ? common : a.count < b.count ? -1 : a.count > b.count ? 1 : 0
            }
            keySpans[object.firstKey...].sort { compare($0, $1) < 0 }
            let sorted = keySpans[object.firstKey...]
            return zip(sorted, sorted.dropFirst()).first { compare($0, $1) == 0 }?.0
        }
        if let duplicate {
            let key = arena.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[duplicate]) }
            throw JSONInputError(
                code: .syntax,
                message: "duplicate key \(Self.quoted(key)) in the object that starts here",
                source: sourceName,
                line: object.line,
                column: object.offset - object.lineStart + 1
            )
        }
    }

    func equal(_ span: Range<Int>, _ key: UnsafeRawBufferPointer) -> Bool {
        guard !key.isEmpty else { return true }
        return keyArena.withUnsafeBytes { memcmp($0.baseAddress! + span.lowerBound, key.baseAddress!, key.count) == 0 }
    }

    /// A key as a message shows it: quoted, escaped, cut at 64 bytes.
    static func quoted(_ key: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: key.prefix(64), as: UTF8.self)
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += "\\u" + hex4(scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\"" + escaped + (key.count > 64 ? "…" : "") + "\""
    }
}
