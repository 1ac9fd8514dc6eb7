public import Foundation

/// `manifest.json` of a model artifact: what was trained, on what, and how to read the model file.
///
/// The manifest is the contract between `nomaly fit`, `nomaly score`, the registry and anyone inspecting a
/// tarball by hand, so its JSON field names (snake_case) are stable; a change that older readers cannot
/// follow raises ``currentFormatVersion``.
public struct ModelManifest: Codable, Sendable, Equatable {
    /// The artifact layout this build writes and the newest it reads.
    public static let currentFormatVersion = 1
    public static let fileName = "manifest.json"

    public var formatVersion: Int
    /// `isolation-forest` or `ecod`.
    public var detector: String
    public var parameters: DetectorParameters
    public var threshold: ThresholdChoice
    /// The feature columns in the order the detector expects them, with training statistics.
    public var features: [FeatureColumn]
    public var idColumn: String?
    public var labelColumn: String?
    /// The missing-value policy used in training; scoring uses it (and the medians) unless told otherwise.
    public var missingValues: String
    public var training: TrainingSource
    /// The detector's binary file inside the tarball, and its sha256 (checked when the model is loaded).
    public var modelFile: String
    public var modelSha256: String
    public var nomalyVersion: String

    public var featureNames: [String] { features.map(\.name) }
}

/// The detector's settings as used for training (unset ones do not apply to the detector).
public struct DetectorParameters: Codable, Sendable, Equatable {
    public var trees: Int?
    public var sampleSize: Int?
    public var seed: UInt64?

    public init(trees: Int? = nil, sampleSize: Int? = nil, seed: UInt64? = nil) {
        self.trees = trees
        self.sampleSize = sampleSize
        self.seed = seed
    }
}

/// The score above which a row is an anomaly, and where that number came from.
public struct ThresholdChoice: Codable, Sendable, Equatable {
    /// `contamination` (a quantile of the training scores), `explicit` (given), or `default` (the detector's).
    public var method: String
    public var value: Double
    public var contamination: Double?

    public init(method: String, value: Double, contamination: Double?) {
        self.method = method
        self.value = value
        self.contamination = contamination
    }
}

/// One feature column with the statistics of its training values (missing cells excluded).
public struct FeatureColumn: Codable, Sendable, Equatable {
    public var name: String
    public var min: Double
    public var max: Double
    public var mean: Double
    public var median: Double
}

/// Where the training rows came from.
public struct TrainingSource: Codable, Sendable, Equatable {
    /// A file path or `sql`.
    public var source: String
    /// sha256 of the input file as read (a dataset fingerprint); nil for SQL.
    public var sourceSha256: String?
    public var rows: Int
    public var skippedRows: Int
    public var fittedAt: Date
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
