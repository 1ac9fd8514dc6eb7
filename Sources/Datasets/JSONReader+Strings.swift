extension JSONReader {
    /// Where the decoding of an escaped, non-ASCII or cut-short string stands.
    struct StringDecoding {
        enum Step { case plain, escape, unicode, utf8 }
        var step = Step.plain
        /// Offset of the backslash of the escape being read.
        var escapeStart = 0
        var hexDigits = 0
        var unit: UInt32 = 0
        /// A `\uD800`…`\uDBFF` escape waiting for its second half; 0 when none is.
        var highSurrogate: UInt32 = 0
        /// Continuation bytes the current UTF-8 character still needs, and the range the next one must be in
        /// (narrower than 80…BF after E0, ED, F0 and F4, which is how overlong forms and surrogates are refused).
        var continuations = 0
        var nextLow: UInt8 = 0x80
        var nextHigh: UInt8 = 0xBF
    }

    /// Reads the string whose opening quote is at `quote`. The common case, printable ASCII without escapes inside the
    /// buffer, is handed on straight from the buffer; anything else is decoded into `text`.
    @inline(__always)
    mutating func string<Consumer: JSONTokenConsumer>(
        at quote: UnsafePointer<UInt8>,
        _ end: UnsafePointer<UInt8>,
        _ base: UnsafePointer<UInt8>,
        _ consumer: inout Consumer
    ) throws -> UnsafePointer<UInt8> {
        let offset = consumed + (quote - base)
        let isKey: Bool
        switch expect {
        case .key, .keyOrEndObject: isKey = true
        case .value, .valueOrEndArray: isKey = false
        default: throw unexpected(UInt8(ascii: "\""), at: offset)
        }
        sawValue = true
        var cursor = quote + 1
        while cursor < end, Self.isPlain(cursor.pointee) { cursor += 1 }
        if cursor < end && cursor.pointee == UInt8(ascii: "\"") {
            if cursor - quote - 1 > maxTokenBytes { throw tooLong(isKey ? "a key" : "a string", at: offset) }
            try complete(string: UnsafeRawBufferPointer(start: quote + 1, count: cursor - quote - 1), isKey: isKey, at: offset, &consumer)
            return cursor + 1
        }
        text.removeAll(keepingCapacity: true)
        text.append(contentsOf: UnsafeBufferPointer(start: quote + 1, count: cursor - quote - 1))
        partial = .string(isKey: isKey)
        stringDecoding = StringDecoding()
        tokenStart = offset
        return try continueString(from: cursor, end, base, &consumer)
    }

    /// Decodes the string in progress byte by byte until its closing quote or the end of the buffer.
    mutating func continueString<Consumer: JSONTokenConsumer>(
        from start: UnsafePointer<UInt8>,
        _ end: UnsafePointer<UInt8>,
        _ base: UnsafePointer<UInt8>,
        _ consumer: inout Consumer
    ) throws -> UnsafePointer<UInt8> {
        var cursor = start
        var state = stringDecoding
        defer { stringDecoding = state }
        while cursor < end {
            let byte = cursor.pointee
            let offset = consumed + (cursor - base)
            switch state.step {
            case .plain:
                if state.highSurrogate != 0 && byte != UInt8(ascii: "\\") { throw halfSurrogate(state.highSurrogate, at: offset) }
                if byte == UInt8(ascii: "\"") {
                    guard case .string(let isKey) = partial else { preconditionFailure("continueString outside a string") }
                    try checkStringLength()
                    partial = .none
                    let decoded = text
                    try decoded.withUnsafeBytes { try complete(string: $0, isKey: isKey, at: tokenStart, &consumer) }
                    return cursor + 1
                }
                if byte == UInt8(ascii: "\\") {
                    state.step = .escape
                    state.escapeStart = offset
                } else if byte < 0x20 {
                    if byte == 0 { throw unexpected(0, at: offset) }
                    throw syntaxError("a control character (U+00\(Self.hex(byte))) in a string; escape it", at: offset)
                } else if byte < 0x80 {
                    var run = cursor + 1
                    while run < end, Self.isPlain(run.pointee) { run += 1 }
                    text.append(contentsOf: UnsafeBufferPointer(start: cursor, count: run - cursor))
                    cursor = run
                    continue
                } else {
                    try startCharacter(byte, &state, at: offset)
                    text.append(byte)
                }
            case .utf8:
                guard byte >= state.nextLow && byte <= state.nextHigh else {
                    throw syntaxError(
                        "the body is not UTF-8: byte 0x\(Self.hex(byte)) cannot continue the character before it",
                        at: offset,
                        code: .encoding
                    )
                }
                text.append(byte)
                state.continuations -= 1
                state.nextLow = 0x80
                state.nextHigh = 0xBF
                if state.continuations == 0 { state.step = .plain }
            case .escape:
                try escape(byte, &state)
            case .unicode:
                guard let digit = Self.hexValue(byte) else {
                    throw syntaxError("invalid escape: \\u needs four hexadecimal digits", at: offset)
                }
                state.unit = state.unit << 4 | digit
                state.hexDigits += 1
                if state.hexDigits == 4 { try unicodeEscape(&state) }
            }
            cursor += 1
        }
        // Checked once a buffer rather than at every byte: the text may pass the limit by one buffer at most.
        try checkStringLength()
        return end
    }

    /// Refuses the string being decoded once it is longer than `maxTokenBytes`.
    func checkStringLength() throws {
        guard text.count > maxTokenBytes, case .string(let isKey) = partial else { return }
        throw tooLong(isKey ? "a key" : "a string", at: tokenStart)
    }

    /// The byte after a backslash.
    mutating func escape(_ byte: UInt8, _ state: inout StringDecoding) throws {
        if state.highSurrogate != 0 && byte != UInt8(ascii: "u") { throw halfSurrogate(state.highSurrogate, at: state.escapeStart) }
        state.step = .plain
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            state.step = .unicode
            state.hexDigits = 0
            state.unit = 0
        default:
            let shown = (0x21..<0x7F).contains(byte) ? "'\\\(Character(Unicode.Scalar(byte)))'" : "'\\' + byte 0x\(Self.hex(byte))"
            throw syntaxError("invalid escape \(shown) in a string", at: state.escapeStart)
        }
    }

    /// A complete `\uXXXX`: a character, or one half of a surrogate pair.
    mutating func unicodeEscape(_ state: inout StringDecoding) throws {
        state.step = .plain
        let unit = state.unit
        if state.highSurrogate != 0 {
            guard (0xDC00...0xDFFF).contains(unit) else { throw halfSurrogate(state.highSurrogate, at: state.escapeStart) }
            appendUTF8(0x10000 + ((state.highSurrogate - 0xD800) << 10) + (unit - 0xDC00))
            state.highSurrogate = 0
        } else if (0xD800...0xDBFF).contains(unit) {
            state.highSurrogate = unit
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw syntaxError("\\u\(Self.hex4(unit)) is a lone second half of a surrogate pair", at: state.escapeStart)
        } else {
            appendUTF8(unit)
        }
    }

    /// The first byte of a multi-byte UTF-8 character (Unicode's table 3-7 of well-formed sequences).
    func startCharacter(_ byte: UInt8, _ state: inout StringDecoding, at offset: Int) throws {
        state.step = .utf8
        state.nextLow = 0x80
        state.nextHigh = 0xBF
        switch byte {
        case 0xC2...0xDF: state.continuations = 1
        case 0xE0: (state.continuations, state.nextLow) = (2, 0xA0)
        case 0xE1...0xEC, 0xEE, 0xEF: state.continuations = 2
        case 0xED: (state.continuations, state.nextHigh) = (2, 0x9F)
        case 0xF0: (state.continuations, state.nextLow) = (3, 0x90)
        case 0xF1...0xF3: state.continuations = 3
        case 0xF4: (state.continuations, state.nextHigh) = (3, 0x8F)
        default:
            throw syntaxError("the body is not UTF-8: byte 0x\(Self.hex(byte)) cannot start a character", at: offset, code: .encoding)
        }
    }

    mutating func complete<Consumer: JSONTokenConsumer>(
        string: UnsafeRawBufferPointer,
        isKey: Bool,
        at offset: Int,
        _ consumer: inout Consumer
    ) throws {
        if isKey {
            try noteKey(string, at: offset)
            expect = .colon
            try consumer.consume(.key, text: string, at: offset)
        } else {
            try consumer.consume(.string, text: string, at: offset)
            afterValue()
        }
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            text.append(UInt8(scalar))
        case ..<0x800:
            text.append(contentsOf: [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)])
        case ..<0x10000:
            text.append(contentsOf: [UInt8(0xE0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F)])
        default:
            text.append(contentsOf: [
                UInt8(0xF0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3F), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F),
            ])
        }
    }

    func halfSurrogate(_ unit: UInt32, at offset: Int) -> JSONInputError {
        syntaxError("\\u\(Self.hex4(unit)) is half of a surrogate pair; the other half must follow at once", at: offset)
    }

    /// Printable ASCII other than the quote and the backslash: bytes a string holds as they are.
    @inline(__always)
    static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func hex4(_ unit: UInt32) -> String {
        let digits = String(unit, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
