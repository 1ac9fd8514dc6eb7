import Foundation

/// The decision written before a shell block: run it (and how), or not (and why).
enum DocMarker: Sendable, Equatable {
    case run(DocRunOptions)
    case notRun(reason: String)

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// An HTML comment that starts like a marker (another comment, such as benchmarks.md's `<!-- bench:s3 -->`, is not one).
    static func looksLikeMarker(_ line: String) -> Bool { line.firstMatch(of: /^<!--\s*(run|not-run)(\s|:|-->)/) != nil }

    /// Reads `<!-- run -->`, `<!-- run: OPTIONS -->` or `<!-- not-run: REASON -->`.
    init(parsing line: String) throws {
        guard line.hasPrefix("<!--"), line.hasSuffix("-->") else {
            throw Invalid(description: "a marker is one line, <!-- … -->: \(line)")
        }
        let inner = line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        if inner.hasPrefix("not-run") {
            let rest = inner.dropFirst("not-run".count).trimmingCharacters(in: .whitespaces)
            guard rest.hasPrefix(":"), !rest.dropFirst().trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Invalid(description: "not-run needs its reason, for the reader and the next editor: <!-- not-run: why -->")
            }
            self = .notRun(reason: rest.dropFirst().trimmingCharacters(in: .whitespaces))
            return
        }
        let rest = inner.dropFirst("run".count).trimmingCharacters(in: .whitespaces)
        if rest.isEmpty {
            self = .run(DocRunOptions())
            return
        }
        guard rest.hasPrefix(":") else { throw Invalid(description: "expected <!-- run --> or <!-- run: OPTIONS -->, found \(line)") }
        self = .run(try DocRunOptions(parsing: String(rest.dropFirst())))
    }
}

/// How a runnable block is run: the exit status it must end with, and placeholders the page shows that the test
/// replaces with what exists on its server (`20261203_010000=latest`, `NAME=disk-usage`).
struct DocRunOptions: Sendable, Equatable {
    var expectedExit: Int32 = 0
    /// Text replaced before the block runs, in order, where it stands as a whole word (letters, digits and `_`), so
    /// `ID` does not touch `RUN_ID`.
    var placeholders: [Placeholder] = []

    struct Placeholder: Sendable, Equatable {
        let text: String
        let replacement: String
    }

    init() {}

    /// Reads space-separated options: `expect-exit=N`, and `TEXT=REPLACEMENT` (the replacement in double quotes when
    /// it holds spaces).
    init(parsing text: String) throws {
        for token in try Self.tokens(text) {
            guard let equals = token.firstIndex(of: "=") else {
                throw DocMarker.Invalid(
                    description: "unknown run option \(token): use expect-exit=N or TEXT=REPLACEMENT"
                )
            }
            let key = String(token[..<equals])
            let value = String(token[token.index(after: equals)...])
            guard !key.isEmpty, !value.isEmpty else {
                throw DocMarker.Invalid(description: "\(token): both sides of = must be given")
            }
            if key == "expect-exit" {
                guard let code = Int32(value), (0...255).contains(code) else {
                    throw DocMarker.Invalid(description: "expect-exit=\(value): an exit status is a number 0–255")
                }
                expectedExit = code
            } else {
                placeholders.append(Placeholder(text: key, replacement: value))
            }
        }
    }

    static func tokens(_ text: String) throws -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" {
                quoted.toggle()
            } else if character.isWhitespace && !quoted {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        guard !quoted else { throw DocMarker.Invalid(description: "an unclosed \" in the run options: \(text)") }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// `text` with every placeholder replaced where it stands as a whole word.
    func apply(to text: String) -> String {
        placeholders.reduce(text) { text, placeholder in
            var result = ""
            var rest = Substring(text)
            while let range = rest.range(of: placeholder.text) {
                let before = range.lowerBound == rest.startIndex ? result.last : rest[rest.index(before: range.lowerBound)]
                let after = range.upperBound == rest.endIndex ? nil : rest[range.upperBound]
                // A boundary matters only where the placeholder itself begins or ends with a word character.
                let startsClean = !Self.isWordCharacter(placeholder.text.first) || !Self.isWordCharacter(before)
                let endsClean = !Self.isWordCharacter(placeholder.text.last) || !Self.isWordCharacter(after)
                let whole = startsClean && endsClean
                result += rest[..<range.lowerBound]
                result += whole ? placeholder.replacement : String(rest[range])
                rest = rest[range.upperBound...]
            }
            return result + rest
        }
    }

    static func isWordCharacter(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isLetter || character.isNumber || character == "_"
    }
}
