/// Why a registry operation was refused, in words an operator can act on.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// A model, version or alias that does not exist (HTTP 404).
        public static let notFound = Code(name: "not_found")
        /// A malformed model or alias name, or reference (HTTP 400).
        public static let invalidName = Code(name: "invalid_name")
        /// The artifact is not a valid model tarball (HTTP 422).
        public static let invalidArtifact = Code(name: "invalid_artifact")
        /// A compare-and-swap lost: `--expect` named another version than the alias holds (HTTP 409).
        public static let conflict = Code(name: "conflict")
        /// The operation would break an invariant: deleting a version an alias points at, rolling back with no history (HTTP 409).
        public static let refused = Code(name: "refused")
        /// Storing or reading the artifact failed (HTTP 502/503).
        public static let storage = Code(name: "storage")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
