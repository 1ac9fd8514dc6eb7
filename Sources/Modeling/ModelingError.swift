/// Why training, loading or scoring a model failed, in words an operator can act on.
package struct ModelingError: Error, Sendable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        package var description: String { name }

        /// The artifact is not a model tarball we can read: missing or malformed manifest or model file.
        package static let invalidArtifact = Code(name: "invalid_artifact")
        /// The artifact was written by a newer nomaly.
        package static let unsupportedVersion = Code(name: "unsupported_version")
        /// The model file does not match the sha256 its manifest records.
        package static let checksumMismatch = Code(name: "checksum_mismatch")
        /// The input lacks columns the model needs, or has no rows.
        package static let invalidInput = Code(name: "invalid_input")
        /// A setting is out of range (contamination, threshold, detector name).
        package static let invalidParameter = Code(name: "invalid_parameter")
        /// Reading or writing a file failed.
        package static let io = Code(name: "io")
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
