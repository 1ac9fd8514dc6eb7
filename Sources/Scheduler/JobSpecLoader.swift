import Foundation
import Yams

/// Reads `jobs/*.yaml`, one job per file, and reports every problem with its file, line and column.
///
/// ```swift
/// let specs = try JobSpecLoader(kinds: registry).loadDirectory("jobs")
/// ```
public struct JobSpecLoader: Sendable {
    public let kinds: JobKindRegistry?

    public init(kinds: JobKindRegistry?) {
        self.kinds = kinds
    }

    /// Every `*.yaml` / `*.yml` file in `directory`, sorted by name.
    /// - Throws: ``JobSpecLoadError`` listing every broken file (the good ones are not returned then: a daemon
    ///   must not start with half its jobs), or when the folder cannot be read.
    public func loadDirectory(_ directory: String) throws(JobSpecLoadError) -> [JobSpec] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw JobSpecLoadError(problems: [
                JobSpecError(key: nil, message: "cannot read the jobs folder; set --jobs or NOMALY_JOBS_DIR", file: directory)
            ])
        }
        var specs: [JobSpec] = []
        var problems: [JobSpecError] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            do {
                specs.append(try loadFile(directory + "/" + name))
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw JobSpecLoadError(problems: problems) }
        return specs
    }

    public func loadFile(_ path: String) throws(JobSpecError) -> JobSpec {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw JobSpecError(key: nil, message: "cannot read the file as UTF-8", file: path)
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try load(text, file: path, defaultName: stem)
    }

    /// Parses one document; `file` is only used in error messages.
    public func load(_ yaml: String, file: String, defaultName: String?) throws(JobSpecError) -> JobSpec {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.syntaxError(error, file: file)
        } catch {
            throw JobSpecError(key: nil, message: "not valid YAML: \(error)", file: file)
        }
        guard let node, case .mapping = node else {
            throw JobSpecError(key: nil, message: "a job file must be a mapping of keys (name, kind, schedule, …)", file: file, line: 1)
        }
        var marks: [String: Mark] = [:]
        let document: SpecValue
        do {
            document = try Self.value(node, path: "", marks: &marks)
        } catch var error {
            error.file = file
            throw error
        }
        do {
            return try JobSpec(document: document.objectValue ?? [:], defaultName: defaultName, kinds: kinds)
        } catch var error {
            error.file = file
            if let key = error.key, let mark = Self.nearestMark(for: key, in: marks) {
                error.line = mark.line
                error.column = mark.column
            }
            throw error
        }
    }

    /// Converts YAML to JSON-shaped values, remembering where each key path was written.
    static func value(_ node: Node, path: String, marks: inout [String: Mark]) throws(JobSpecError) -> SpecValue {
        if let mark = node.mark, !path.isEmpty { marks[path] = mark }
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(SpecValue.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue: return node.float.map(SpecValue.number) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [SpecValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try value(item, path: path + "[\(index)]", marks: &marks))
            }
            return .array(items)
        case .mapping(let mapping):
            var object: [String: SpecValue] = [:]
            for (key, item) in mapping {
                guard let name = key.string else {
                    throw JobSpecError(key: path, message: "keys must be strings", line: key.mark?.line, column: key.mark?.column)
                }
                let child = path.isEmpty ? name : path + "." + name
                if object[name] != nil {
                    throw JobSpecError(key: child, message: "appears twice", line: key.mark?.line, column: key.mark?.column)
                }
                object[name] = try value(item, path: child, marks: &marks)
                if let mark = key.mark { marks[child] = marks[child] ?? mark }
            }
            return .object(object)
        case .alias:
            throw JobSpecError(key: path, message: "YAML aliases are not supported in job files", line: node.mark?.line, column: node.mark?.column)
        }
    }

    /// The mark of the key, or of its closest written parent (`with.env.X` → `with.env` when X was never written).
    static func nearestMark(for key: String, in marks: [String: Mark]) -> Mark? {
        var path = key
        while !path.isEmpty {
            if let mark = marks[path] { return mark }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = String(path[..<cut])
        }
        return nil
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

/// Every broken job file of a folder.
public struct JobSpecLoadError: Error, Sendable, CustomStringConvertible {
    public let problems: [JobSpecError]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
