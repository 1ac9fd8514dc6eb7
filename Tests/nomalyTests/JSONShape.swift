import Foundation

/// A JSON document as the decoder found it, keeping booleans, numbers and null apart (JSONSerialization answers
/// NSNumber for both booleans and numbers).
indirect enum DocJSON: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([DocJSON])
    case object([String: DocJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([DocJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: DocJSON].self))
        }
    }

    static func parse(_ text: String) throws -> DocJSON {
        try JSONDecoder().decode(DocJSON.self, from: Data(text.utf8))
    }
}

/// The JSON an example shows in a comment after its command, as the test checks it: every key shown is present (at
/// any depth), strings and booleans are equal, numbers are numbers, and `null` stands for any value. Arrays match
/// when they are not empty and every element matches the first element shown. Besides JSON, the pages' field-list
/// notation is read: `[{id, kind, status}]`, `{run: {id, status}, log_tail}`, with `name?` for a key that may be
/// absent.
indirect enum JSONShape: Sendable, Equatable {
    case object([Field])
    case array(JSONShape?)
    case string(String)
    case bool(Bool)
    case number
    /// `null` in JSON, or a bare name in a field list: any value.
    case any

    struct Field: Sendable, Equatable {
        let name: String
        let shape: JSONShape
        let optional: Bool
    }

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    /// The shape a comment shows, from its first `{` or `[` to the bracket that closes it; nil when the comment shows
    /// no JSON (`# list them for scripts`). An HTTP status before it (`# 202 {…}`) and text after it are allowed.
    static func shown(in comment: String) throws -> JSONShape? {
        var text = Substring(comment.trimmingCharacters(in: .whitespaces))
        if let status = text.firstMatch(of: /^[1-5][0-9][0-9]\s+/) { text = text[status.range.upperBound...] }
        guard let first = text.first, first == "{" || first == "[" else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var end = text.endIndex
        for index in text.indices {
            let character = text[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{", "[": depth += 1
            case "}", "]":
                depth -= 1
                if depth == 0 { end = text.index(after: index) }
            default: break
            }
            if end != text.endIndex { break }
        }
        guard depth == 0 || end != text.endIndex else { throw Unreadable(description: "unbalanced brackets in the JSON shown: \(comment)") }
        let shown = String(text[..<end])
        if let json = try? DocJSON.parse(shown) { return JSONShape(json) }
        var reader = FieldListReader(text: shown)
        return try reader.read()
    }

    init(_ json: DocJSON) {
        switch json {
        case .null: self = .any
        case .bool(let value): self = .bool(value)
        case .number: self = .number
        case .string(let value): self = .string(value)
        case .array(let elements): self = .array(elements.first.map(JSONShape.init))
        case .object(let members):
            self = .object(members.keys.sorted().map { Field(name: $0, shape: JSONShape(members[$0]!), optional: false) })
        }
    }

    /// What in `value` differs from the shape, each with its path (`$.files[2].sha256`); empty when it matches.
    func mismatches(_ value: DocJSON, at path: String = "$") -> [String] {
        switch (self, value) {
        case (.any, _): return []
        case (.object(let fields), .object(let members)):
            return fields.flatMap { field -> [String] in
                guard let member = members[field.name] else { return field.optional ? [] : ["\(path).\(field.name) is missing"] }
                return field.shape.mismatches(member, at: "\(path).\(field.name)")
            }
        case (.array(nil), .array): return []
        case (.array(let element?), .array(let elements)):
            guard !elements.isEmpty else { return ["\(path) is an empty array, but the example shows elements"] }
            return elements.indices.flatMap { element.mismatches(elements[$0], at: "\(path)[\($0)]") }
        case (.string(let expected), .string(let actual)):
            return expected == actual ? [] : ["\(path) is \"\(actual)\", the example shows \"\(expected)\""]
        case (.bool(let expected), .bool(let actual)):
            return expected == actual ? [] : ["\(path) is \(actual), the example shows \(expected)"]
        case (.number, .number): return []
        default: return ["\(path) is \(value.kind), the example shows \(kind)"]
        }
    }

    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .bool: "a boolean"
        case .number: "a number"
        case .any: "any value"
        }
    }
}

extension DocJSON {
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads the pages' field-list notation: `{a, b{c, d}, e: [{f}], g?, h{…}|null}`.
struct FieldListReader {
    let characters: [Character]
    var position = 0

    init(text: String) { characters = Array(text) }

    mutating func read() throws -> JSONShape {
        let shape = try value()
        skipSpaces()
        guard position == characters.count else { throw unreadable("unexpected \(characters[position])") }
        return shape
    }

    mutating func value() throws -> JSONShape {
        skipSpaces()
        switch peek() {
        case "{": return try object()
        case "[":
            position += 1
            skipSpaces()
            if peek() == "]" {
                position += 1
                return .array(nil)
            }
            let element = try value()
            // `[{…}, {…}, …]`: the first element stands for all; the rest is skipped to the closing bracket.
            var depth = 1
            while depth > 0 {
                guard let next = peek() else { throw unreadable("expected ]") }
                if next == "[" || next == "{" { depth += 1 }
                if next == "]" || next == "}" { depth -= 1 }
                position += 1
            }
            return .array(element)
        default: throw unreadable("expected { or [")
        }
    }

    mutating func object() throws -> JSONShape {
        try expect("{")
        var fields: [JSONShape.Field] = []
        while true {
            skipSpaces()
            if peek() == "}" { break }
            if peek() == "…" {
                position += 1
                skipSpaces()
                if peek() == "," { position += 1 }
                continue
            }
            var name = ""
            while let character = peek(), character.isLetter || character.isNumber || character == "_" {
                name.append(character)
                position += 1
            }
            guard let initial = name.first, initial.isLetter || initial == "_" else { throw unreadable("expected a field name") }
            var optional = false
            if peek() == "?" {
                optional = true
                position += 1
            }
            skipSpaces()
            if peek() == ":" {
                position += 1
                skipSpaces()
            }
            var shape = JSONShape.any
            if peek() == "{" || peek() == "[" { shape = try value() }
            if characters[position...].starts(with: Array("|null")) {
                // `encryption{…}|null`: the key is there, holding the object or null.
                position += 5
                shape = .any
            }
            fields.append(JSONShape.Field(name: name, shape: shape, optional: optional))
            skipSpaces()
            guard peek() == "," else { break }
            position += 1
        }
        try expect("}")
        return .object(fields)
    }

    func peek() -> Character? { position < characters.count ? characters[position] : nil }

    mutating func skipSpaces() {
        while let character = peek(), character.isWhitespace { position += 1 }
    }

    mutating func expect(_ character: Character) throws {
        skipSpaces()
        guard peek() == character else { throw unreadable("expected \(character)") }
        position += 1
    }

    func unreadable(_ what: String) -> JSONShape.Unreadable {
        JSONShape.Unreadable(description: "\(what) at character \(position + 1) of \(String(characters))")
    }
}
