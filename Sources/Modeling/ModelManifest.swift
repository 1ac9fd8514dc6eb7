package import Foundation

/// `manifest.json` of a model artifact: what was trained, on what, and how to read the model file.
///
/// The manifest is the contract between `nomaly fit`, `nomaly score`, the registry and anyone inspecting a
/// tarball by hand, so its JSON field names (snake_case) are stable; a change that older readers cannot
/// follow raises ``currentFormatVersion``.
package struct ModelManifest: Codable, Sendable, Equatable {
    /// The artifact layout this build writes and the newest it reads.
    package static let currentFormatVersion = 1
    package static let fileName = "manifest.json"

    package var formatVersion: Int
    /// `isolation-forest` or `ecod`.
    package var detector: String
    package var parameters: DetectorParameters
    package var threshold: ThresholdChoice
    /// The feature columns in the order the detector expects them, with training statistics.
    package var features: [FeatureColumn]
    package var idColumn: String?
    package var labelColumn: String?
    /// The missing-value policy used in training; scoring uses it (and the medians) unless told otherwise.
    package var missingValues: String
    package var training: TrainingSource
    /// The detector's binary file inside the tarball, and its sha256 (checked when the model is loaded).
    package var modelFile: String
    package var modelSha256: String
    package var nomalyVersion: String

    package var featureNames: [String] { features.map(\.name) }
}

/// The detector's settings as used for training (unset ones do not apply to the detector).
package struct DetectorParameters: Codable, Sendable, Equatable {
    package var trees: Int?
    package var sampleSize: Int?
    package var seed: UInt64?

    package init(trees: Int? = nil, sampleSize: Int? = nil, seed: UInt64? = nil) {
        self.trees = trees
        self.sampleSize = sampleSize
        self.seed = seed
    }
}

/// The score above which a row is an anomaly, and where that number came from.
package struct ThresholdChoice: Codable, Sendable, Equatable {
    /// `contamination` (a quantile of the training scores), `explicit` (given), or `default` (the detector's).
    package var method: String
    package var value: Double
    package var contamination: Double?

    package init(method: String, value: Double, contamination: Double?) {
        self.method = method
        self.value = value
        self.contamination = contamination
    }
}

/// One feature column with the statistics of its training values (missing cells excluded).
package struct FeatureColumn: Codable, Sendable, Equatable {
    package var name: String
    package var min: Double
    package var max: Double
    package var mean: Double
    package var median: Double
}

/// Where the training rows came from.
package struct TrainingSource: Codable, Sendable, Equatable {
    /// A file path or `sql`.
    package var source: String
    /// sha256 of the input file as read (a dataset fingerprint); nil for SQL.
    package var sourceSha256: String?
    package var rows: Int
    package var skippedRows: Int
    package var fittedAt: Date
}

extension ModelManifest {
    /// The JSON coding every manifest and metrics file uses.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
