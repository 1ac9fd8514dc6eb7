/// Why a scoring run may not use a location. The API answers it as 400 with ``code`` as the error code.
package struct ScoringLocationError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        package var description: String { name }

        /// An `s3://` URL outside `NOMALY_SCORING_S3_PREFIXES`.
        package static let s3NotAllowed = Code(name: "s3_not_allowed")
        /// The artifact store or the backups.
        package static let protectedLocation = Code(name: "protected_location")
        /// An API run's file outside `NOMALY_SCORING_DIR`.
        package static let outsideScoringDirectory = Code(name: "outside_scoring_dir")
        /// Neither a usable path nor an `s3://bucket/key` URL.
        package static let invalidLocation = Code(name: "invalid_location")
    }

    package let code: Code
    package let message: String

    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
