/// A strict, streaming reader of JSON text (RFC 8259) in UTF-8: bytes in, tokens out, no object tree.
///
/// Feed it buffers of any size, split anywhere (inside a number, a string, an escape or a UTF-8 character); it hands
/// every token to a ``JSONTokenConsumer`` as soon as the token is complete and keeps between buffers only the
/// unfinished token and one entry per open array or object. Numbers are parsed exactly from the bytes (correctly
/// rounded, as the CSV reader does); strings arrive as UTF-8 with their escapes decoded, surrogate pairs joined.
///
/// It refuses, naming the line and byte column: anything outside the grammar (leading zeros, `1.`, `+1`, `NaN`,
/// single quotes, comments, trailing commas), raw control characters in strings, lone surrogates, duplicate keys in
/// an object, anything but whitespace after the document, an early end, and nesting deeper than `maxDepth`. Bytes
/// that cannot be UTF-8 (a UTF-16 or UTF-32 byte order mark, a NUL, an invalid sequence) are
/// ``JSONInputError/Code/encoding`` errors; a UTF-8 byte order mark is skipped.
///
/// Memory: besides the unfinished token, the reader holds the keys of the objects still open, to refuse duplicates.
/// A caller reading text from strangers bounds both: `maxKeys` caps the keys held at once (an object's and those of the
/// objects around it, so nesting cannot multiply them; ``JSONInputError/Code/tooManyKeys``), and `maxTokenBytes` the
/// length of a string, key or number (``JSONInputError/Code/tooLong``). A run of letters that cannot be a literal is
/// refused once it is longer than any literal could be.
///
/// ```swift
/// struct Counter: JSONTokenConsumer {
///     var numbers = 0
///     mutating func consume(_ token: JSONReader.Token, text: UnsafeRawBufferPointer, at offset: Int) throws {
///         if case .number = token { numbers += 1 }
///     }
/// }
/// var reader = JSONReader(maxDepth: 32)
/// var counter = Counter()
/// try Array(#"{"a": [1, 2.5e3"#.utf8).withUnsafeBytes { try reader.read($0, into: &counter) }
/// try Array("]}".utf8).withUnsafeBytes { try reader.read($0, into: &counter) }
/// try reader.finish(into: &counter)    // counter.numbers == 2
/// ```
package struct JSONReader {
    package enum Token: Equatable, Sendable {
        case beginObject, endObject, beginArray, endArray
        /// An object's key; the consumer gets its text.
        case key
        /// A string value; the consumer gets its text.
        case string
        case number(Double)
        case bool(Bool)
        case null
    }

    /// What the grammar allows next.
    enum Expect: UInt8 {
        case value, valueOrEndArray, keyOrEndObject, key, colon, commaOrEnd, end
    }

    /// A token that the end of a buffer cut short.
    enum Partial: Equatable {
        case none
        case string(isKey: Bool)
        case number
        case literal
        case byteOrderMark(matched: Int)
    }

    /// Arrays and objects may nest this deep; one more is a ``JSONInputError/Code/tooDeep`` error.
    package let maxDepth: Int
    /// Keys held at once: those of an object and of the objects it is in.
    package let maxKeys: Int
    /// The longest string (decoded), key or number, in bytes.
    package let maxTokenBytes: Int
    /// How errors name the input.
    package let sourceName: String

    var expect = Expect.value
    var partial = Partial.none
    /// One entry per open container, innermost last: true for an object.
    var containers: [Bool] = []
    /// The open objects' keys, for refusing duplicates (JSONReader+Keys.swift).
    var openObjects: [OpenObject] = []
    var keyArena: [UInt8] = []
    var keySpans: [Range<Int>] = []
    /// The unfinished string's decoded bytes (or a string with escapes, while it is decoded).
    var text: [UInt8] = []
    var stringDecoding = StringDecoding()
    /// The unfinished number or literal.
    var tokenBytes: [UInt8] = []
    /// Where the unfinished token started.
    var tokenStart = 0
    /// Bytes read in earlier buffers.
    var consumed = 0
    var line = 1
    /// Offset of the first byte of `line`.
    var lineStart = 0
    var sawValue = false

    package init(maxDepth: Int, maxKeys: Int = .max, maxTokenBytes: Int = .max, sourceName: String = "body") {
        self.maxDepth = maxDepth
        self.maxKeys = maxKeys
        self.maxTokenBytes = maxTokenBytes
        self.sourceName = sourceName
    }

    /// The bytes the reader holds (capacities): its unfinished token, its open containers and their keys.
    package var retainedBytes: Int {
        text.capacity + tokenBytes.capacity + keyArena.capacity + keySpans.capacity * MemoryLayout<Range<Int>>.stride + containers.capacity
            + openObjects.capacity * MemoryLayout<OpenObject>.stride
    }

    /// Whether a whole document has been read (only whitespace may follow).
    package var isComplete: Bool { expect == .end && partial == .none }

    /// Reads `bytes`, the next part of the text, handing each completed token to `consumer`.
    /// - Throws: ``JSONInputError`` at the first problem; the reader is unusable afterwards.
    package mutating func read<Consumer: JSONTokenConsumer>(_ bytes: UnsafeRawBufferPointer, into consumer: inout Consumer) throws {
        guard let raw = bytes.baseAddress, !bytes.isEmpty else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + bytes.count
        var cursor = base
        if partial != .none { cursor = try continuePartial(cursor, end, base, &consumer) }
        while cursor < end {
            let byte = cursor.pointee
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                cursor += 1
            case UInt8(ascii: "\n"):
                cursor += 1
                line += 1
                lineStart = consumed + (cursor - base)
            case UInt8(ascii: "\""):
                cursor = try string(at: cursor, end, base, &consumer)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                cursor = try scalar(.number, at: cursor, end, base, &consumer)
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                cursor = try scalar(.literal, at: cursor, end, base, &consumer)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                try open(isObject: byte == UInt8(ascii: "{"), at: consumed + (cursor - base), &consumer)
                cursor += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                try close(isObject: byte == UInt8(ascii: "}"), at: consumed + (cursor - base), &consumer)
                cursor += 1
            case UInt8(ascii: ","):
                guard expect == .commaOrEnd else { throw unexpected(byte, at: consumed + (cursor - base)) }
                expect = containers[containers.count - 1] ? .key : .value
                cursor += 1
            case UInt8(ascii: ":"):
                guard expect == .colon else { throw unexpected(byte, at: consumed + (cursor - base)) }
                expect = .value
                cursor += 1
            case 0xEF where consumed + (cursor - base) == 0:
                partial = .byteOrderMark(matched: 1)
                cursor = try continuePartial(cursor + 1, end, base, &consumer)
            default:
                throw unexpected(byte, at: consumed + (cursor - base))
            }
        }
        consumed += bytes.count
    }

    /// Ends the text: completes a number or literal at its very end, and refuses an unfinished document.
    package mutating func finish<Consumer: JSONTokenConsumer>(into consumer: inout Consumer) throws {
        switch partial {
        case .number, .literal:
            try completeScalar(&consumer)
        case .string:
            throw syntaxError("the body ends inside a string", at: consumed)
        case .byteOrderMark:
            throw syntaxError("the body ends inside a byte order mark", at: consumed)
        case .none:
            break
        }
        guard expect != .end else { return }
        if !sawValue { throw syntaxError("the body is empty", at: consumed) }
        throw syntaxError(containers.last == true ? "the body ends inside an object" : "the body ends inside an array", at: consumed)
    }

    /// Checks that `bytes` are one complete JSON document in UTF-8, nested at most `maxDepth` deep.
    /// - Throws: ``JSONInputError`` naming the first problem.
    package static func validate(_ bytes: UnsafeRawBufferPointer, maxDepth: Int, sourceName: String = "body") throws {
        struct Ignore: JSONTokenConsumer {
            mutating func consume(_ token: Token, text: UnsafeRawBufferPointer, at offset: Int) throws {}
        }
        var reader = JSONReader(maxDepth: maxDepth, sourceName: sourceName)
        var ignore = Ignore()
        try reader.read(bytes, into: &ignore)
        try reader.finish(into: &ignore)
    }

    // MARK: Structure

    mutating func open<Consumer: JSONTokenConsumer>(isObject: Bool, at offset: Int, _ consumer: inout Consumer) throws {
        guard expect == .value || expect == .valueOrEndArray else { throw unexpected(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["), at: offset) }
        guard containers.count < maxDepth else {
            throw JSONInputError(
                code: .tooDeep,
                message: "arrays and objects nest deeper than \(maxDepth) levels",
                source: sourceName,
                line: line,
                column: offset - lineStart + 1
            )
        }
        sawValue = true
        containers.append(isObject)
        if isObject {
            openObjects.append(OpenObject(firstKey: keySpans.count, arenaStart: keyArena.count, offset: offset, line: line, lineStart: lineStart))
            expect = .keyOrEndObject
            try consumer.consume(.beginObject, text: Self.noText, at: offset)
        } else {
            expect = .valueOrEndArray
            try consumer.consume(.beginArray, text: Self.noText, at: offset)
        }
    }

    mutating func close<Consumer: JSONTokenConsumer>(isObject: Bool, at offset: Int, _ consumer: inout Consumer) throws {
        let allowed = expect == .commaOrEnd || expect == (isObject ? .keyOrEndObject : .valueOrEndArray)
        guard allowed, containers.last == isObject else { throw unexpected(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"), at: offset) }
        containers.removeLast()
        if isObject { try closeObjectKeys() }
        try consumer.consume(isObject ? .endObject : .endArray, text: Self.noText, at: offset)
        afterValue()
    }

    @inline(__always)
    mutating func afterValue() {
        expect = containers.isEmpty ? .end : .commaOrEnd
    }

    /// Whether a value may start here; otherwise the error for finding `byte`.
    @inline(__always)
    mutating func beginValue(_ byte: UInt8, at offset: Int) throws {
        guard expect == .value || expect == .valueOrEndArray else { throw unexpected(byte, at: offset) }
        sawValue = true
    }

    // MARK: Errors

    static var noText: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    func syntaxError(_ message: String, at offset: Int, code: JSONInputError.Code = .syntax) -> JSONInputError {
        JSONInputError(code: code, message: message, source: sourceName, line: line, column: offset - lineStart + 1)
    }

    /// The error for a token longer than `maxTokenBytes`.
    func tooLong(_ kind: String, at offset: Int) -> JSONInputError {
        syntaxError("\(kind) is longer than \(maxTokenBytes) bytes", at: offset, code: .tooLong)
    }

    /// The error for `byte` where the grammar wants something else, worded by what it wants.
    func unexpected(_ byte: UInt8, at offset: Int) -> JSONInputError {
        if byte == 0 {
            return syntaxError("a NUL byte: the body looks like UTF-16 or UTF-32; send UTF-8", at: offset, code: .encoding)
        }
        if byte >= 0x80 {
            if offset == 0 && (byte == 0xFE || byte == 0xFF) {
                return syntaxError("the body starts with a UTF-16 or UTF-32 byte order mark; send UTF-8", at: offset, code: .encoding)
            }
            if byte < 0xC2 || byte > 0xF4 {
                return syntaxError("the body is not UTF-8: byte 0x\(Self.hex(byte)) cannot occur in UTF-8", at: offset, code: .encoding)
            }
            return syntaxError("unexpected non-ASCII character (byte 0x\(Self.hex(byte))) outside a string", at: offset)
        }
        let shown = Self.show(byte)
        let structural = Array("{}[],:".utf8).contains(byte)
        switch expect {
        case .end:
            return syntaxError("unexpected \(shown) after the end of the JSON document", at: offset)
        case .colon:
            return syntaxError("expected ':', found \(shown)", at: offset)
        case .commaOrEnd:
            return syntaxError("expected ',' or '\(containers.last == true ? "}" : "]")', found \(shown)", at: offset)
        case .key, .keyOrEndObject:
            let startsValue = structural || Array("-0123456789tfn".utf8).contains(byte)
            return syntaxError(startsValue ? "expected a key (a string), found \(shown)" : "unexpected \(shown)", at: offset)
        case .value, .valueOrEndArray:
            return syntaxError(structural ? "expected a value, found \(shown)" : "unexpected \(shown)", at: offset)
        }
    }

    /// `'x'` for printable ASCII, `byte 0x09` otherwise.
    static func show(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(hex(byte))"
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}

/// Receives the tokens of a ``JSONReader`` in document order.
package protocol JSONTokenConsumer {
    /// - Parameters:
    ///   - text: for ``JSONReader/Token/key`` and ``JSONReader/Token/string``, the UTF-8 bytes with escapes decoded;
    ///     empty otherwise. Valid only during the call.
    ///   - offset: where the token starts in the text, counted in bytes from 0 over every buffer read so far.
    mutating func consume(_ token: JSONReader.Token, text: UnsafeRawBufferPointer, at offset: Int) throws
}
