import Foundation

/// One command of a runnable block and what the page shows of its output.
struct DocCommand: Sendable, Equatable {
    /// Its lines as bash runs them (continuation lines and a here-document included).
    let text: String
    /// The page line it starts on.
    let line: Int
    /// The JSON shown in a comment after it, on its own line or the next.
    var shownJSON: JSONShape?
    /// In a terminal session, the lines printed under it.
    var shownOutput: String?
}

/// A runnable block as a bash script: `set -euo pipefail`, then its commands; a command whose output the page shows
/// writes it to a file of its own as well, for the test to compare.
struct DocScript: Sendable {
    let commands: [DocCommand]
    /// The variable naming the folder where each shown output is kept, as `N` for the Nth command (from 1), and where
    /// `started` lists the number of each command as it starts.
    static let captureVariable = "NOMALY_DOC_CAPTURE"

    init(_ example: DocExample, options: DocRunOptions) throws {
        let lines = options.apply(to: example.body.joined(separator: "\n")).components(separatedBy: "\n")
        commands = try example.isSession ? Self.session(lines, firstLine: example.line + 1) : Self.commands(lines, firstLine: example.line + 1)
    }

    var text: String {
        var script = ["set -euo pipefail"]
        for (index, command) in commands.enumerated() {
            let number = index + 1
            script.append("printf '%s\\n' \(number) >>\"$\(Self.captureVariable)/started\"")
            if command.shownJSON != nil || command.shownOutput != nil {
                script.append("{\n\(command.text)\n} >\"$\(Self.captureVariable)/\(number)\"")
                script.append("cat \"$\(Self.captureVariable)/\(number)\"")
            } else {
                script.append(command.text)
            }
        }
        return script.joined(separator: "\n") + "\n"
    }

    /// Commands of a `sh`/`bash` block: lines joined at a trailing `\`, here-documents kept with their command.
    static func commands(_ lines: [String], firstLine: Int) throws -> [DocCommand] {
        var commands: [DocCommand] = []
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                index += 1
                continue
            }
            if trimmed.hasPrefix("#") {
                // A comment line under a command shows what that command printed (`# 202 {"job": …}`).
                if let shape = try JSONShape.shown(in: String(trimmed.dropFirst())), let last = commands.indices.last,
                    commands[last].shownJSON == nil
                {
                    commands[last].shownJSON = shape
                }
                index += 1
                continue
            }
            let start = index
            var shape: JSONShape?
            while true {
                if let comment = trailingComment(lines[index]), let shown = try JSONShape.shown(in: comment) { shape = shown }
                guard !isComplete(lines[start...index].joined(separator: "\n")), index + 1 < lines.count else { break }
                index += 1
            }
            if let delimiter = hereDocumentDelimiter(lines[start...index].joined(separator: "\n")) {
                while index + 1 < lines.count {
                    index += 1
                    if lines[index].trimmingCharacters(in: .whitespaces) == delimiter { break }
                }
            }
            commands.append(DocCommand(text: lines[start...index].joined(separator: "\n"), line: firstLine + start, shownJSON: shape))
            index += 1
        }
        return commands
    }

    /// Commands of a terminal session: `$ command` lines, each followed by the output it prints.
    static func session(_ lines: [String], firstLine: Int) throws -> [DocCommand] {
        var commands: [DocCommand] = []
        var output: [String] = []
        func finish() {
            guard let last = commands.indices.last else { return }
            while output.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { output.removeLast() }
            commands[last].shownOutput = output.joined(separator: "\n")
            output = []
        }
        var index = 0
        while index < lines.count {
            guard lines[index].hasPrefix("$ ") else {
                guard !commands.isEmpty else {
                    throw JSONShape.Unreadable(description: "line \(firstLine + index): a session starts with a `$ ` command line")
                }
                output.append(lines[index])
                index += 1
                continue
            }
            finish()
            let start = index
            var text = [String(lines[index].dropFirst(2))]
            while text.last?.hasSuffix("\\") == true, index + 1 < lines.count {
                index += 1
                text.append(lines[index].hasPrefix("> ") ? String(lines[index].dropFirst(2)) : lines[index])
            }
            commands.append(DocCommand(text: text.joined(separator: "\n"), line: firstLine + start, shownOutput: ""))
            index += 1
        }
        finish()
        return commands
    }

    /// The comment at the end of a shell line: from a `#` that starts a word outside quotes.
    static func trailingComment(_ line: String) -> String? {
        var single = false
        var double = false
        var escaped = false
        var previous: Character = " "
        for index in line.indices {
            let character = line[index]
            defer { previous = character }
            if escaped {
                escaped = false
                continue
            }
            switch character {
            case "\\" where !single: escaped = true
            case "'" where !double: single.toggle()
            case "\"" where !single: double.toggle()
            case "#" where !single && !double && previous.isWhitespace:
                return String(line[line.index(after: index)...])
            default: break
            }
        }
        return nil
    }

    /// Whether bash would take `text` as whole: no quote left open and no `\` escaping its last newline. A quote or
    /// backslash inside a comment does not count (`# don't`).
    static func isComplete(_ text: String) -> Bool {
        var single = false
        var double = false
        var escaped = false
        var comment = false
        var previous: Character = "\n"
        for character in text {
            defer { previous = character }
            if comment {
                comment = character != "\n"
                continue
            }
            if escaped {
                escaped = false
                continue
            }
            switch character {
            case "\\" where !single: escaped = true
            case "'" where !double: single.toggle()
            case "\"" where !single: double.toggle()
            case "#" where !single && !double && previous.isWhitespace: comment = true
            default: break
            }
        }
        return !single && !double && !escaped
    }

    /// The word that ends the here-document a command starts (`<<'SQL'` → `SQL`), if it starts one.
    static func hereDocumentDelimiter(_ command: String) -> String? {
        guard let match = command.firstMatch(of: /<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/) else { return nil }
        return String(match.1)
    }
}
