/// Why a detector could not be fitted, scored or read back.
public struct DetectorError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The training data has no rows or no feature columns.
        public static let emptyInput = Code(name: "empty_input")
        /// A training value is NaN or infinite.
        public static let nonFinite = Code(name: "non_finite")
        /// Rows have a different number of features than the detector was fitted on.
        public static let featureCountMismatch = Code(name: "feature_count_mismatch")
        /// A parameter is outside the range the algorithm accepts.
        public static let invalidParameter = Code(name: "invalid_parameter")
        /// A serialised detector is damaged, truncated or not a detector at all.
        public static let corruptModel = Code(name: "corrupt_model")
        /// A serialised detector was written by a newer nomaly, or names an algorithm this one does not know.
        public static let unsupportedVersion = Code(name: "unsupported_version")
    }

    /// What kind of failure, for callers that branch on it.
    public let code: Code
    /// What went wrong and what to do about it, for people.
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
