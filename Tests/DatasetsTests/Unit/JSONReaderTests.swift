import Foundation
import Testing

@testable import Datasets

/// Writes each token as text, numbers by their bits, so comparisons are exact.
struct TokenLog: JSONTokenConsumer {
    var tokens: [String] = []

    mutating func consume(_ token: JSONReader.Token, text: UnsafeRawBufferPointer, at offset: Int) throws {
        switch token {
        case .beginObject: tokens.append("{")
        case .endObject: tokens.append("}")
        case .beginArray: tokens.append("[")
        case .endArray: tokens.append("]")
        case .key: tokens.append("key " + String(decoding: text, as: UTF8.self))
        case .string: tokens.append("string " + String(decoding: text, as: UTF8.self))
        case .number(let value): tokens.append("number \(value) \(value.bitPattern)")
        case .bool(let value): tokens.append("\(value)")
        case .null: tokens.append("null")
        }
    }
}

/// Reads `bytes` cut at `cuts`; the tokens, or the error.
func readJSON(
    _ bytes: [UInt8],
    cuts: [Int] = [],
    maxDepth: Int = 32,
    maxKeys: Int = .max,
    maxTokenBytes: Int = .max
) -> Result<[String], JSONInputError> {
    var reader = JSONReader(maxDepth: maxDepth, maxKeys: maxKeys, maxTokenBytes: maxTokenBytes)
    var log = TokenLog()
    let bounds = [0] + cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]
    do {
        for (start, end) in zip(bounds, bounds.dropFirst()) where start < end {
            try bytes[start..<end].withUnsafeBytes { try reader.read($0, into: &log) }
        }
        try reader.finish(into: &log)
        return .success(log.tokens)
    } catch let error as JSONInputError {
        return .failure(error)
    } catch {
        Issue.record("unexpected \(error)")
        return .success([])
    }
}

/// Checks that `bytes` are refused with this code and description however they are cut.
func expectRefused(
    _ bytes: [UInt8],
    _ name: String,
    code: JSONInputError.Code,
    _ description: String,
    maxDepth: Int = 32,
    maxKeys: Int = .max,
    maxTokenBytes: Int = .max,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for cuts in allCuts(bytes) {
        guard case .failure(let error) = readJSON(bytes, cuts: cuts, maxDepth: maxDepth, maxKeys: maxKeys, maxTokenBytes: maxTokenBytes) else {
            Issue.record("\(name) was accepted (cuts \(cuts))", sourceLocation: sourceLocation)
            continue
        }
        #expect(error.code == code && error.description == description, "\(name), cuts \(cuts): \(error)", sourceLocation: sourceLocation)
    }
}

/// Every way of cutting `bytes` in two, and in single bytes.
func allCuts(_ bytes: [UInt8]) -> [[Int]] {
    [[]] + (1..<max(1, bytes.count)).map { [$0] } + [Array(1..<max(1, bytes.count))]
}

@Suite("JSONReader: strict RFC 8259 over UTF-8 bytes, streamed in pieces split anywhere")
struct JSONReaderTests {
    static func number(_ value: Double) -> String { "number \(value) \(value.bitPattern)" }

    @Test("every kind of token, with escapes, surrogate pairs, UTF-8, exponents and -0, is the same however the bytes are cut")
    func tokens() throws {
        let text = """
            {"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t": [1, -0, 0.5, -12.5e-3, 1E+2, 6.02214076e23, 123456789012345678901],
             "\\u00e9\\u20AC\\ud83d\\ude00": "café € 😀",\t"n": null, "t": true, "f": false,
             "nested": {"": [[], {}]}, "\\u0000": ""}\r\n
            """
        let bytes = [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        let expected = [
            "{", "key a\"b\\c/d\u{8}\u{C}\n\r\t", "[", Self.number(1), Self.number(-0.0), Self.number(0.5), Self.number(-12.5e-3),
            Self.number(100), Self.number(6.02214076e23), Self.number(1.23456789012345678901e20), "]",
            "key é€😀", "string café € 😀", "key n", "null", "key t", "true", "key f", "false",
            "key nested", "{", "key ", "[", "[", "]", "{", "}", "]", "}", "key \u{0}", "string ", "}",
        ]
        for cuts in allCuts(bytes) {
            #expect(try readJSON(bytes, cuts: cuts).get() == expected, "cuts \(cuts)")
        }
    }

    @Test("numbers are exactly Double(String)'s, in shortest, 17-digit and exponent forms")
    func exactNumbers() throws {
        var random = SeededGenerator(state: 5)
        var values: [Double] = [0, .leastNonzeroMagnitude, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 0.30000000000000004]
        values += (0..<3000).map { _ in Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF) }
        values += (0..<3000).map { _ in Double.random(in: -1e6...1e6, using: &random) }
        var texts = values.flatMap { [$0.description, -$0 == 0 ? "-0" : (-$0).description] }
        texts += values.prefix(2000).map { String(format17: $0) }
        let bytes = Array(("[" + texts.joined(separator: ",") + "]").utf8)
        let tokens = try readJSON(bytes, cuts: [bytes.count / 3, bytes.count / 2]).get()
        let expected = texts.map { Self.number(Double($0)!) }
        #expect(Array(tokens.dropFirst().dropLast()) == expected)
    }

    /// Bodies that are not JSON, with the error each gives: code, line, column and message.
    static let refused: [(text: String, code: JSONInputError.Code, at: String, message: String)] = [
        ("", .syntax, "1:1", "the body is empty"),
        (" \n ", .syntax, "2:2", "the body is empty"),
        ("{\"a\": 1", .syntax, "1:8", "the body ends inside an object"),
        ("[1, [2]", .syntax, "1:8", "the body ends inside an array"),
        ("[\"abc", .syntax, "1:6", "the body ends inside a string"),
        ("[1] [2]", .syntax, "1:5", "unexpected '[' after the end of the JSON document"),
        ("{} x", .syntax, "1:4", "unexpected 'x' after the end of the JSON document"),
        ("[1,]", .syntax, "1:4", "expected a value, found ']'"),
        ("[,1]", .syntax, "1:2", "expected a value, found ','"),
        ("{\"a\":1,}", .syntax, "1:8", "expected a key (a string), found '}'"),
        ("{1: 2}", .syntax, "1:2", "expected a key (a string), found '1'"),
        ("{\"a\" 1}", .syntax, "1:6", "expected ':', found '1'"),
        ("{\"a\": 1 \"b\": 2}", .syntax, "1:9", "expected ',' or '}', found '\"'"),
        ("[1 2]", .syntax, "1:4", "expected ',' or ']', found '2'"),
        ("[1}", .syntax, "1:3", "expected ',' or ']', found '}'"),
        ("{\"a\": 1]", .syntax, "1:8", "expected ',' or '}', found ']'"),
        ("[01]", .syntax, "1:2", "invalid number '01' (JSON numbers have no leading zeros)"),
        ("[-01]", .syntax, "1:2", "invalid number '-01' (JSON numbers have no leading zeros)"),
        ("[1.]", .syntax, "1:2", "invalid number '1.'"),
        ("[1.e5]", .syntax, "1:2", "invalid number '1.e5'"),
        ("[1e+]", .syntax, "1:2", "invalid number '1e+'"),
        ("[--1]", .syntax, "1:2", "invalid number '--1'"),
        ("[1-2]", .syntax, "1:2", "invalid number '1-2'"),
        ("[1.2.3]", .syntax, "1:2", "invalid number '1.2.3'"),
        ("[.5]", .syntax, "1:2", "unexpected '.'"),
        ("[+1]", .syntax, "1:2", "unexpected '+'"),
        ("[NaN]", .syntax, "1:2", "unexpected 'N'"),
        ("[-Infinity]", .syntax, "1:2", "invalid number '-'"),
        ("[True]", .syntax, "1:2", "unexpected 'T'"),
        ("[nul]", .syntax, "1:2", "invalid literal 'nul'"),
        ("[nulls]", .syntax, "1:2", "invalid literal 'nulls'"),
        ("[truex]", .syntax, "1:2", "invalid literal 'truex'"),
        ("['a']", .syntax, "1:2", "unexpected '''"),
        ("[1] // note", .syntax, "1:5", "unexpected '/' after the end of the JSON document"),
        ("[\"a\tb\"]", .syntax, "1:4", "a control character (U+0009) in a string; escape it"),
        ("[\"a\nb\"]", .syntax, "1:4", "a control character (U+000A) in a string; escape it"),
        ("[\"\\x\"]", .syntax, "1:3", "invalid escape '\\x' in a string"),
        ("[\"\\u12\"]", .syntax, "1:7", "invalid escape: \\u needs four hexadecimal digits"),
        ("[\"\\ud800\"]", .syntax, "1:9", "\\ud800 is half of a surrogate pair; the other half must follow at once"),
        ("[\"\\ud800\\n\"]", .syntax, "1:9", "\\ud800 is half of a surrogate pair; the other half must follow at once"),
        ("[\"\\ud800\\u0041\"]", .syntax, "1:9", "\\ud800 is half of a surrogate pair; the other half must follow at once"),
        ("[\"\\udfff\"]", .syntax, "1:3", "\\udfff is a lone second half of a surrogate pair"),
        ("{\"a\": 1, \"a\": 2}", .syntax, "1:10", "duplicate key \"a\""),
        ("{\"a\\u0062\": 1, \"ab\": 2}", .syntax, "1:16", "duplicate key \"ab\""),
        ("[\n  {\"a\": {}},\n  {\"b\": 1, \"b\": 2}]", .syntax, "3:12", "duplicate key \"b\""),
        ("[\u{0}]", .encoding, "1:2", "a NUL byte: the body looks like UTF-16 or UTF-32; send UTF-8"),
        ("[\"\u{0}\"]", .encoding, "1:3", "a NUL byte: the body looks like UTF-16 or UTF-32; send UTF-8"),
        ("[é]", .syntax, "1:2", "unexpected non-ASCII character (byte 0xC3) outside a string"),
    ]

    @Test("malformed text is refused with the line and column of the problem, however the bytes are cut")
    func refusals() {
        for (text, code, at, message) in Self.refused {
            expectRefused(Array(text.utf8), text.debugDescription, code: code, "body:\(at): \(message)")
        }
    }

    @Test("bytes that are not UTF-8 are encoding errors: BOMs of UTF-16 and UTF-32, UTF-16 text, invalid sequences")
    func encodings() {
        let document = Array(#"{"a": ["x"]}"#.utf8)
        let utf16 = Array(#"{"a": ["x"]}"#.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let refused: [(String, [UInt8], String)] = [
            ("UTF-16LE BOM", [0xFF, 0xFE] + utf16, "body:1:1: the body starts with a UTF-16 or UTF-32 byte order mark; send UTF-8"),
            ("UTF-16BE BOM", [0xFE, 0xFF, 0, 0x7B], "body:1:1: the body starts with a UTF-16 or UTF-32 byte order mark; send UTF-8"),
            ("UTF-32BE BOM", [0, 0, 0xFE, 0xFF], "body:1:1: a NUL byte: the body looks like UTF-16 or UTF-32; send UTF-8"),
            ("UTF-16LE", utf16, "body:1:2: a NUL byte: the body looks like UTF-16 or UTF-32; send UTF-8"),
            (
                "lone continuation", Array(#"["a"#.utf8) + [0x80] + Array(#""]"#.utf8),
                "body:1:4: the body is not UTF-8: byte 0x80 cannot start a character"
            ),
            (
                "overlong /", Array(#"["a"#.utf8) + [0xC0, 0xAF] + Array(#""]"#.utf8),
                "body:1:4: the body is not UTF-8: byte 0xC0 cannot start a character"
            ),
            (
                "overlong 3-byte", Array(#"["a"#.utf8) + [0xE0, 0x80, 0xAF] + Array(#""]"#.utf8),
                "body:1:5: the body is not UTF-8: byte 0x80 cannot continue the character before it"
            ),
            (
                "surrogate", Array(#"["a"#.utf8) + [0xED, 0xA0, 0x80] + Array(#""]"#.utf8),
                "body:1:5: the body is not UTF-8: byte 0xA0 cannot continue the character before it"
            ),
            (
                "above U+10FFFF", Array(#"["a"#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#""]"#.utf8),
                "body:1:5: the body is not UTF-8: byte 0x90 cannot continue the character before it"
            ),
            (
                "Latin-1 é", Array(#"["caf"#.utf8) + [0xE9] + Array(#""]"#.utf8),
                "body:1:7: the body is not UTF-8: byte 0x22 cannot continue the character before it"
            ),
            (
                "truncated", Array(#"["a"#.utf8) + [0xE2, 0x82] + Array(#""]"#.utf8),
                "body:1:6: the body is not UTF-8: byte 0x22 cannot continue the character before it"
            ),
            (
                "0xFF outside a string", Array("[1,".utf8) + [0xFF] + Array("]".utf8),
                "body:1:4: the body is not UTF-8: byte 0xFF cannot occur in UTF-8"
            ),
        ]
        for (name, bytes, message) in refused { expectRefused(bytes, name, code: .encoding, message) }
        let withMark = [0xEF, 0xBB, 0xBF] + document
        for cuts in allCuts(withMark) {
            #expect((try? readJSON(withMark, cuts: cuts).get()) == ["{", "key a", "[", "string x", "]", "}"], "UTF-8 BOM, cuts \(cuts)")
        }
        #expect(throws: JSONInputError.self) { try readJSON([0xEF, 0xBB, 0x7B, 0x7D]).get() }
    }

    @Test("nesting up to maxDepth is read; one level more is too_deep at the bracket that opens it")
    func depth() throws {
        let deepest = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        #expect(try readJSON(Array(deepest.utf8), maxDepth: 8).get().count == 16)
        let tooDeep = "{\"a\": " + deepest + "}"
        expectRefused(Array(tooDeep.utf8), "nesting 9 deep", code: .tooDeep, "body:1:14: arrays and objects nest deeper than 8 levels", maxDepth: 8)
        // Brackets in strings are text.
        #expect(try readJSON(Array(#"["[[[[[[[[[[[[[["]"#.utf8), maxDepth: 2).get() == ["[", "string [[[[[[[[[[[[[[", "]"])
    }

    @Test("duplicate keys: found at once in small objects, when the object ends in large ones; other objects may reuse keys")
    func duplicateKeys() throws {
        let siblings = #"[{"a": 1, "b": {"a": 2}}, {"a": 3}]"#
        #expect(try readJSON(Array(siblings.utf8)).get().filter { $0 == "key a" }.count == 3)
        let keys = (0..<500).map { "\"k\($0)\": \($0)" }
        let large = "{" + keys.joined(separator: ", ") + "}"
        #expect(try readJSON(Array(large.utf8)).get().count == 1002)
        let repeated = "{\n" + (keys + ["\"k250\": 0"]).joined(separator: ",\n") + "}"
        for cuts in [[], [repeated.utf8.count / 2]] {
            guard case .failure(let error) = readJSON(Array(repeated.utf8), cuts: cuts) else {
                Issue.record("a repeated key among 501 was accepted")
                continue
            }
            #expect(error.description == #"body:1:1: duplicate key "k250" in the object that starts here"#)
        }
        let early = "{" + (["\"k3\": 0"] + keys).joined(separator: ", ") + "}"
        #expect(throws: JSONInputError.self) { try readJSON(Array(early.utf8)).get() }
    }

    @Test("keys held at once are limited, counting those of enclosing objects; closed objects give theirs back")
    func keyLimit() throws {
        let fits = #"{"a": {"b": 1, "c": 2}, "d": {"e": 3, "f": 4}}"#
        for cuts in allCuts(Array(fits.utf8)) {
            #expect((try? readJSON(Array(fits.utf8), cuts: cuts, maxKeys: 4).get())?.count == 16, "cuts \(cuts)")
        }
        let message = "an object has more than 3 keys, counting those of the objects it is in"
        expectRefused(Array(#"{"a": {"b": 1, "c": 2, "d": 3}}"#.utf8), "four keys open", code: .tooManyKeys, "body:1:24: \(message)", maxKeys: 3)
        expectRefused(Array(#"[{"a": 1, "b": 2, "c": 3, "d": 4}]"#.utf8), "four keys in one", code: .tooManyKeys, "body:1:27: \(message)", maxKeys: 3)
    }

    @Test("strings, keys and numbers longer than maxTokenBytes, and letters that cannot be a literal, are refused where they start")
    func tokenLimit() throws {
        let fits = #"{"abcd": ["wxyz", 1234, -1.5, "\u00e9\u00e9"]}"#
        for cuts in allCuts(Array(fits.utf8)) {
            #expect((try? readJSON(Array(fits.utf8), cuts: cuts, maxTokenBytes: 4).get())?.count == 9, "cuts \(cuts)")
        }
        expectRefused(Array(#"{"abcde": 1}"#.utf8), "key", code: .tooLong, "body:1:2: a key is longer than 4 bytes", maxTokenBytes: 4)
        expectRefused(Array(#"["a", "abcde"]"#.utf8), "string", code: .tooLong, "body:1:7: a string is longer than 4 bytes", maxTokenBytes: 4)
        expectRefused(
            Array(#"["\u00e9\u00e9é"]"#.utf8),
            "escaped string",
            code: .tooLong,
            "body:1:2: a string is longer than 4 bytes",
            maxTokenBytes: 4
        )
        expectRefused(Array("[1, -1234]".utf8), "number", code: .tooLong, "body:1:5: a number is longer than 4 bytes", maxTokenBytes: 4)
        let letters = "t" + String(repeating: "r", count: 60)
        expectRefused(Array("[\(letters)]".utf8), "letters", code: .syntax, "body:1:2: invalid literal '\(letters.prefix(40))…'")
    }

    @Test("every token is handed on with the offset where it starts, however the bytes are cut")
    func offsets() throws {
        struct Offsets: JSONTokenConsumer {
            var offsets: [Int] = []
            mutating func consume(_ token: JSONReader.Token, text: UnsafeRawBufferPointer, at offset: Int) throws { offsets.append(offset) }
        }
        let text = Array(" {\"ab\": [12.5, true, \"x\\ny\", null, {}]}\n".utf8)
        for cuts in allCuts(text) {
            var reader = JSONReader(maxDepth: 8)
            var consumer = Offsets()
            let bounds = [0] + cuts + [text.count]
            for (start, end) in zip(bounds, bounds.dropFirst()) {
                try text[start..<end].withUnsafeBytes { try reader.read($0, into: &consumer) }
            }
            try reader.finish(into: &consumer)
            #expect(consumer.offsets == [1, 2, 8, 9, 15, 21, 29, 35, 36, 37, 38], "cuts \(cuts)")
        }
    }

    @Test("validate checks a whole document in one call")
    func validate() throws {
        try Array(#"{"version": 1}"#.utf8).withUnsafeBytes { try JSONReader.validate($0, maxDepth: 4) }
        #expect(throws: JSONInputError.self) {
            try Array(#"{"version": 1,}"#.utf8).withUnsafeBytes { try JSONReader.validate($0, maxDepth: 4) }
        }
    }
}

extension String {
    /// The 17 significant digits that always round-trip, as Python's `repr` of old and `%.17g` write.
    init(format17 value: Double) {
        var digits = [CChar](repeating: 0, count: 40)
        _ = withVaList([value]) { vsnprintf(&digits, digits.count, "%.17g", $0) }
        self = String(decoding: digits.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
