extension JSONReader {
    /// Reads the number, or `true`, `false` or `null`, at `start`; one that reaches the end of the buffer is kept to be
    /// completed by the next.
    @inline(__always)
    mutating func scalar<Consumer: JSONTokenConsumer>(
        _ kind: Partial,
        at start: UnsafePointer<UInt8>,
        _ end: UnsafePointer<UInt8>,
        _ base: UnsafePointer<UInt8>,
        _ consumer: inout Consumer
    ) throws -> UnsafePointer<UInt8> {
        let offset = consumed + (start - base)
        try beginValue(start.pointee, at: offset)
        let isNumber = kind == .number
        var cursor = start + 1
        while cursor < end, isNumber ? Self.continuesNumber(cursor.pointee) : Self.continuesLiteral(cursor.pointee) { cursor += 1 }
        guard cursor < end else { return try keepPartial(kind, from: start, to: end, at: offset) }
        if isNumber && cursor - start > maxTokenBytes { throw tooLong("a number", at: offset) }
        try consumer.consume(try scalarToken(isNumber: isNumber, start, cursor, at: offset), text: Self.noText, at: offset)
        afterValue()
        return cursor
    }

    mutating func keepPartial(
        _ kind: Partial,
        from start: UnsafePointer<UInt8>,
        to end: UnsafePointer<UInt8>,
        at offset: Int
    ) throws -> UnsafePointer<UInt8> {
        tokenBytes.removeAll(keepingCapacity: true)
        tokenBytes.append(contentsOf: UnsafeBufferPointer(start: start, count: end - start))
        tokenStart = offset
        partial = kind
        try checkPartialLength()
        return end
    }

    /// Refuses an unfinished number longer than `maxTokenBytes`, or a run of letters longer than the excerpt an
    /// invalid literal shows (no literal is longer than five), before it grows further.
    func checkPartialLength() throws {
        if partial == .number && tokenBytes.count > maxTokenBytes { throw tooLong("a number", at: tokenStart) }
        if partial == .literal && tokenBytes.count > Self.excerptLength {
            try tokenBytes.withUnsafeBufferPointer { bytes in
                throw syntaxError("invalid literal '\(Self.excerpt(bytes.baseAddress!, bytes.baseAddress! + bytes.count))'", at: tokenStart)
            }
        }
    }

    /// Carries on with the token the previous buffer ended in.
    /// - Returns: where the rest of the buffer starts.
    mutating func continuePartial<Consumer: JSONTokenConsumer>(
        _ start: UnsafePointer<UInt8>,
        _ end: UnsafePointer<UInt8>,
        _ base: UnsafePointer<UInt8>,
        _ consumer: inout Consumer
    ) throws -> UnsafePointer<UInt8> {
        var cursor = start
        switch partial {
        case .none:
            return start
        case .string:
            return try continueString(from: start, end, base, &consumer)
        case .number, .literal:
            let continues = partial == .number ? Self.continuesNumber : Self.continuesLiteral
            while cursor < end, continues(cursor.pointee) { cursor += 1 }
            tokenBytes.append(contentsOf: UnsafeBufferPointer(start: start, count: cursor - start))
            try checkPartialLength()
            if cursor < end { try completeScalar(&consumer) }
            return cursor
        case .byteOrderMark(var matched):
            let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
            while cursor < end, matched < 3 {
                guard cursor.pointee == mark[matched] else {
                    throw syntaxError("the body starts with byte 0xEF but not with a UTF-8 byte order mark", at: 0)
                }
                matched += 1
                cursor += 1
            }
            partial = matched == 3 ? .none : .byteOrderMark(matched: matched)
            return cursor
        }
    }

    /// Hands on the number or literal collected in `tokenBytes`.
    mutating func completeScalar<Consumer: JSONTokenConsumer>(_ consumer: inout Consumer) throws {
        let isNumber = partial == .number
        partial = .none
        let token = try tokenBytes.withUnsafeBufferPointer { bytes in
            try scalarToken(isNumber: isNumber, bytes.baseAddress!, bytes.baseAddress! + bytes.count, at: tokenStart)
        }
        try consumer.consume(token, text: Self.noText, at: tokenStart)
        afterValue()
    }

    /// The value of the number in `start..<end`, after checking RFC 8259's grammar, which is stricter than the CSV
    /// reader's: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    func numberValue(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, at offset: Int) throws -> Double {
        func isDigit(_ pointer: UnsafePointer<UInt8>) -> Bool { pointer < end && pointer.pointee &- UInt8(ascii: "0") < 10 }
        var cursor = start
        if cursor.pointee == UInt8(ascii: "-") { cursor += 1 }
        var valid = isDigit(cursor)
        if valid && cursor.pointee == UInt8(ascii: "0") && isDigit(cursor + 1) {
            throw syntaxError("invalid number '\(Self.excerpt(start, end))' (JSON numbers have no leading zeros)", at: offset)
        }
        while isDigit(cursor) { cursor += 1 }
        if valid && cursor < end && cursor.pointee == UInt8(ascii: ".") {
            cursor += 1
            valid = isDigit(cursor)
            while isDigit(cursor) { cursor += 1 }
        }
        if valid && cursor < end && cursor.pointee | 0x20 == UInt8(ascii: "e") {
            cursor += 1
            if cursor < end && (cursor.pointee == UInt8(ascii: "+") || cursor.pointee == UInt8(ascii: "-")) { cursor += 1 }
            valid = isDigit(cursor)
            while isDigit(cursor) { cursor += 1 }
        }
        guard valid, cursor == end, let (value, next) = FloatParser.scan(start, end), next == end else {
            throw syntaxError("invalid number '\(Self.excerpt(start, end))'", at: offset)
        }
        return value
    }

    func scalarToken(isNumber: Bool, _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, at offset: Int) throws -> Token {
        if isNumber { return .number(try numberValue(start, end, at: offset)) }
        let bytes = UnsafeBufferPointer(start: start, count: end - start)
        if bytes.elementsEqual("true".utf8) { return .bool(true) }
        if bytes.elementsEqual("false".utf8) { return .bool(false) }
        if bytes.elementsEqual("null".utf8) { return .null }
        throw syntaxError("invalid literal '\(Self.excerpt(start, end))'", at: offset)
    }

    /// Digits, `.`, `e`, `E`, `+` and `-`: what a number's token is scanned as, before its grammar is checked.
    @inline(__always)
    static func continuesNumber(_ byte: UInt8) -> Bool {
        let characters: UInt64 = 0x03FF_6800_0000_0000  // '+' '-' '.' and '0'…'9', as bits below 64
        return byte < 64 ? (characters >> UInt64(byte)) & 1 == 1 : byte | 0x20 == UInt8(ascii: "e")
    }

    @inline(__always)
    static func continuesLiteral(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26
    }

    static let excerptLength = 40

    /// The token's text for a message, cut at 40 bytes.
    static func excerpt(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> String {
        let count = end - start
        let text = String(decoding: UnsafeBufferPointer(start: start, count: min(count, excerptLength)), as: UTF8.self)
        return count > excerptLength ? text + "…" : text
    }
}
