package import JSONValues
import Yams

/// A YAML file read as JSON-shaped values, remembering where each key was written so that a problem found
/// later (an unknown key, a bad value) is reported at its line and column. Job files and model specs share it.
///
/// ```swift
/// let document = try SpecDocument.parse(text, file: "registry/fraud.yaml", expecting: "a model spec must be a mapping")
/// var settings = JobSettings(document.values, path: "")
/// …
/// settings.finish()
/// if !settings.problems.isEmpty { throw document.locate(JobSpecLoadError(problems: settings.problems)) }
/// ```
package struct SpecDocument: Sendable {
    package let values: [String: JSONValue]
    package let file: String
    private let marks: [String: Position]

    struct Position: Sendable {
        let line: Int
        let column: Int
    }

    /// - Parameter expecting: the message when the document is not a mapping.
    package static func parse(_ yaml: String, file: String, expecting: String) throws(JobSpecError) -> SpecDocument {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw JobSpecError(key: nil, message: "not valid YAML: \(error)", file: file)
        }
        guard let node, case .mapping = node else { throw JobSpecError(key: nil, message: expecting, file: file, line: 1) }
        var marks: [String: Position] = [:]
        do {
            let document = try value(node, path: "", marks: &marks)
            return SpecDocument(values: document.objectValue ?? [:], file: file, marks: marks)
        } catch var error {
            error.file = file
            throw error
        }
    }

    /// Every problem located as one is, in the order they are written in the file; problems
    /// about a key that is not written (a missing `schedule`) come last, in the order they were found.
    package func locate(_ error: JobSpecLoadError) -> JobSpecLoadError {
        let located = error.problems.map(locate).enumerated().sorted { a, b in
            let left = (a.element.line ?? Int.max, a.element.column ?? 0, a.offset)
            let right = (b.element.line ?? Int.max, b.element.column ?? 0, b.offset)
            return left < right
        }
        return JobSpecLoadError(problems: located.map(\.element))
    }

    /// The error with this file's name and the line and column of its key (or of its closest written parent).
    package func locate(_ error: JobSpecError) -> JobSpecError {
        var located = error
        located.file = file
        var path = error.key ?? ""
        while !path.isEmpty {
            if let mark = marks[path] {
                located.line = mark.line
                located.column = mark.column
                break
            }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = String(path[..<cut])
        }
        return located
    }

    /// Converts YAML to JSON-shaped values, remembering where each key path was written.
    static func value(_ node: Node, path: String, marks: inout [String: Position]) throws(JobSpecError) -> JSONValue {
        if let mark = node.mark, !path.isEmpty { marks[path] = Position(line: mark.line, column: mark.column) }
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue:
                guard let number = node.float else { return .string(scalar.string) }
                // A decimal integer keeps every digit, which a Double (53 bits) would not. Decimal only, as Double
                // reads them: `010` stays ten (Yams's Int reads octal), and hexadecimal and base-60 integers stay
                // the numbers they were before integers were kept.
                if node.tag.rawValue == Tag.Name.int.rawValue, let whole = Int64(scalar.string.filter { $0 != "_" }, radix: 10) {
                    return .integer(whole)
                }
                return .number(number)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try value(item, path: path + "[\(index)]", marks: &marks))
            }
            return .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, item) in mapping {
                guard let name = key.string else {
                    throw JobSpecError(key: path, message: "keys must be strings", line: key.mark?.line, column: key.mark?.column)
                }
                let child = path.isEmpty ? name : path + "." + name
                if object[name] != nil {
                    throw JobSpecError(key: child, message: "appears twice", line: key.mark?.line, column: key.mark?.column)
                }
                object[name] = try value(item, path: child, marks: &marks)
                if let mark = key.mark { marks[child] = marks[child] ?? Position(line: mark.line, column: mark.column) }
            }
            return .object(object)
        case .alias:
            throw JobSpecError(key: path, message: "YAML aliases are not supported here", line: node.mark?.line, column: node.mark?.column)
        }
    }

    static func syntaxError(_ error: YamlError, file: String) -> JobSpecError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            var message = "not valid YAML: \(detail)\(problem)"
            if problem.contains("'@'") || problem.contains("reserved") || problem.contains("cannot start any token") {
                message += " (quote values that start with @ or *, e.g. schedule: \"@daily\")"
            }
            return JobSpecError(key: nil, message: message, file: file, line: mark.line, column: mark.column)
        default:
            return JobSpecError(key: nil, message: "not valid YAML: \(error)", file: file)
        }
    }
}
