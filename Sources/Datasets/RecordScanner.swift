/// Finds where a CSV record ends without parsing it, resuming across buffers.
///
/// Used only for the record that straddles two buffers (and the header): its bytes are collected until the
/// record's line break has arrived, so the parser always sees whole records and a record split into many
/// small buffers is scanned once instead of re-parsed for every buffer. Its notion of a record end must match
/// the parser's: a line feed outside quotes, where a quote opens a quoted field only at the start of a field.
enum RecordScanner {
    enum State: UInt8 {
        /// Nothing read yet: a UTF-8 byte order mark may come first.
        case streamStart
        case byteOrderMark1
        case byteOrderMark2
        case fieldStart
        case unquoted
        case quoted
        /// A quote inside a quoted field: either the first of a doubled quote or the closing one.
        case quoteInQuoted
    }

    /// Advances `state` over `bytes`.
    /// - Returns: the index just past the line feed that ends the record, or nil when the record goes on.
    static func findRecordEnd(_ bytes: UnsafeBufferPointer<UInt8>, state: inout State, delimiter: UInt8) -> Int? {
        let quote = UInt8(ascii: "\"")
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch state {
            case .streamStart:
                state = byte == 0xEF ? .byteOrderMark1 : .fieldStart
                if byte == 0xEF {
                    index += 1
                }
                continue
            case .byteOrderMark1:
                state = byte == 0xBB ? .byteOrderMark2 : .unquoted
                if byte == 0xBB { index += 1 }
                continue
            case .byteOrderMark2:
                state = byte == 0xBF ? .fieldStart : .unquoted
                if byte == 0xBF { index += 1 }
                continue
            case .fieldStart:
                if byte == quote {
                    state = .quoted
                } else if byte == 0x0A {
                    return index + 1
                } else if byte != delimiter {
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    state = .fieldStart
                } else if byte == 0x0A {
                    state = .fieldStart
                    return index + 1
                }
            case .quoted:
                if byte == quote { state = .quoteInQuoted }
            case .quoteInQuoted:
                if byte == quote {
                    state = .quoted
                } else if byte == delimiter {
                    state = .fieldStart
                } else if byte == 0x0A {
                    state = .fieldStart
                    return index + 1
                } else {
                    // The parser rejects anything else after a closing quote; reading on as unquoted text
                    // brings the record to the parser, which reports it.
                    state = .unquoted
                }
            }
            index += 1
        }
        return nil
    }
}
