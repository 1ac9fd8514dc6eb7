import Foundation

/// A snapshot of process environment variables, with the `NAME_FILE` convention for secrets.
///
/// Docker and Kubernetes mount secrets as files; every secret Nomaly reads may therefore be
/// given either inline (`DATABASE_URL=…`) or as a path (`DATABASE_URL_FILE=/run/secrets/db`).
///
/// ```swift
/// let environment = Environment(ProcessInfo.processInfo.environment)
/// let url = try environment.secret("DATABASE_URL")
/// ```
package struct Environment: Sendable {
    package let values: [String: String]

    package init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The value of `name`, or nil when it is unset or empty (an empty variable means "not set" to operators).
    package subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// Reads a secret from `name` or from the file named by `name_FILE`.
    ///
    /// Trailing newlines of the file are dropped, since `echo secret > file` adds one.
    /// - Parameter directory: what a relative `name_FILE` path is relative to; the process's current directory when nil.
    /// - Returns: nil when neither variable is set.
    /// - Throws: ``ConfigurationProblem`` naming `name_FILE` when the file is missing, unreadable (a folder, no
    ///   permission), not UTF-8 text or empty, and naming `name` when both are set.
    package func secret(_ name: String, relativeTo directory: String? = nil) throws(ConfigurationProblem) -> String? {
        let fileVariable = name + "_FILE"
        switch (self[name], self[fileVariable]) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw ConfigurationProblem(variable: name, message: "set either \(name) or \(fileVariable), not both")
        case (let value?, nil):
            return value
        case (nil, let text?):
            let path = directory.map { SettingsReader.absolutePath(text, in: $0) } ?? text
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                throw ConfigurationProblem(variable: fileVariable, message: "cannot read secret file \(path): it is a folder")
            }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw ConfigurationProblem(
                    variable: fileVariable,
                    message: "cannot read secret file \(path): \(Self.describe(error))"
                )
            }
            guard let contents = String(data: data, encoding: .utf8) else {
                throw ConfigurationProblem(variable: fileVariable, message: "secret file \(path) is not UTF-8 text")
            }
            // By scalar: "\r\n" is one Character in Swift and would not compare equal to "\n".
            var trimmed = Substring(contents).unicodeScalars[...]
            while let last = trimmed.last, last == "\n" || last == "\r" { trimmed = trimmed.dropLast() }
            guard !trimmed.isEmpty else {
                throw ConfigurationProblem(variable: fileVariable, message: "secret file \(path) is empty")
            }
            return String(trimmed)
        }
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }
}

/// One thing wrong with the configuration, named by the variable an operator has to change.
package struct ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    package let variable: String
    package let message: String

    package init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    package var description: String { "\(variable): \(message)" }
}

/// Every problem found while reading the configuration, so that `nomaly check` reports them all at once.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    package let problems: [ConfigurationProblem]

    package init(problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    package var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
