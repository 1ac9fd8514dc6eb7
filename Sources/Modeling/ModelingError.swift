/// Why training, loading or scoring a model failed, in words an operator can act on.
public struct ModelingError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The artifact is not a model tarball we can read: missing or malformed manifest or model file.
        public static let invalidArtifact = Code(name: "invalid_artifact")
        /// The artifact was written by a newer nomaly.
        public static let unsupportedVersion = Code(name: "unsupported_version")
        /// The model file does not match the sha256 its manifest records.
        public static let checksumMismatch = Code(name: "checksum_mismatch")
        /// The input lacks columns the model needs, or has no rows.
        public static let invalidInput = Code(name: "invalid_input")
        /// A setting is out of range (contamination, threshold, detector name).
        public static let invalidParameter = Code(name: "invalid_parameter")
        /// Reading or writing a file failed.
        public static let io = Code(name: "io")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
