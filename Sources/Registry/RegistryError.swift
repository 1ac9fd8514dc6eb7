/// Why a registry operation was refused, in words an operator can act on.
package struct RegistryError: Error, Sendable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        package var description: String { name }

        /// A model, version or alias that does not exist (HTTP 404).
        package static let notFound = Code(name: "not_found")
        /// A malformed model or alias name, or reference (HTTP 400).
        package static let invalidName = Code(name: "invalid_name")
        /// The artifact is not a valid model tarball (HTTP 422).
        package static let invalidArtifact = Code(name: "invalid_artifact")
        /// A compare-and-swap lost: `--expect` named another version than the alias holds (HTTP 409).
        package static let conflict = Code(name: "conflict")
        /// The operation would break an invariant: deleting a version an alias points at, rolling back with no history (HTTP 409).
        package static let refused = Code(name: "refused")
        /// Storing or reading the artifact failed (HTTP 502/503).
        package static let storage = Code(name: "storage")
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
