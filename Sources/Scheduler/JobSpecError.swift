/// A job file that cannot be used, located as precisely as the YAML allows (`jobs/nightly.yaml:4:11`).
public struct JobSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, when the spec came from one.
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// The key concerned (`schedule`, `with.command`, `retries.max`).
    public var key: String?
    public var message: String

    public init(key: String?, message: String, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.key = key
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var location = file ?? ""
        if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        let prefix = location.isEmpty ? "" : location + ": "
        return prefix + (key.map { "\($0): " } ?? "") + message
    }
}
