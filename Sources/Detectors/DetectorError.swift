/// Why a detector could not be fitted, scored or read back.
package struct DetectorError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        /// The training data has no rows or no feature columns.
        package static let emptyInput = Code(name: "empty_input")
        /// A training value is NaN or infinite.
        package static let nonFinite = Code(name: "non_finite")
        /// Rows have a different number of features than the detector was fitted on.
        package static let featureCountMismatch = Code(name: "feature_count_mismatch")
        /// A parameter is outside the range the algorithm accepts.
        package static let invalidParameter = Code(name: "invalid_parameter")
        /// A serialised detector is damaged, truncated or not a detector at all.
        package static let corruptModel = Code(name: "corrupt_model")
        /// A serialised detector was written by a newer nomaly, or names an algorithm this one does not know.
        package static let unsupportedVersion = Code(name: "unsupported_version")
    }

    /// What kind of failure, for callers that branch on it.
    package let code: Code
    /// What went wrong and what to do about it, for people.
    package let message: String

    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
