/// A job file that cannot be used, located as precisely as the YAML allows (`jobs/nightly.yaml:4:11`).
package struct JobSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, when the spec came from one.
    package var file: String?
    package var line: Int?
    package var column: Int?
    /// The key concerned (`schedule`, `with.command`, `retries.max`).
    package var key: String?
    package var message: String

    package init(key: String?, message: String, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.key = key
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    package var description: String {
        var location = file ?? ""
        if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        let prefix = location.isEmpty ? "" : location + ": "
        return prefix + (key.map { "\($0): " } ?? "") + message
    }
}
