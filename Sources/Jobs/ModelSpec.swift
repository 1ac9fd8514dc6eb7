package import Datasets
import Foundation
package import Modeling
package import Scheduler

/// `registry/NAME.yaml`: what to train for one model, and when a new version may take over an alias.
///
/// ```yaml
/// description: Card payments, scored nightly
/// detector: isolation-forest
/// params: {trees: 100, sample_size: 256, seed: 7}
/// contamination: 0.02              # or threshold: 0.61; default: the detector's own
/// data:
///   csv: data/payments.csv         # relative to this file; or s3://bucket/key.csv, or sql: "SELECT …"
///   delimiter: ","
///   missing: impute-median         # error | skip | impute-median
/// features: [amount, hour, merchant_risk]   # default: every column but id and label
/// id: payment_id
/// label: is_fraud                  # optional; enables ROC-AUC / PR-AUC
/// holdout: 0.2                     # share of rows kept out of training for evaluation
/// promotion:
///   policy: auto                   # manual (default) | auto
///   alias: production
///   metric: roc_auc                # roc_auc | average_precision: auto promotes when the candidate beats the alias's version
/// ```
package struct ModelSpec: Sendable, Equatable {
    package enum DataSource: Sendable, Equatable {
        /// A local path (absolute) or an `s3://` URL.
        case csv(String)
        case sql(String)
    }

    package enum Promotion: Sendable, Equatable {
        case manual
        case auto(alias: String, metric: String)
    }

    package var name: String
    package var file: String
    package var description: String
    package var detector: String
    package var parameters: DetectorParameters
    package var contamination: Double?
    package var threshold: Double?
    package var data: DataSource
    package var format: CSVFormat
    package var missing: MissingValuePolicy
    package var selection: ColumnSelection
    package var holdout: Double
    package var promotion: Promotion
    /// sha256 of the file's text: recorded with each version trained from it.
    package var specHash: String

    /// The training request this spec describes.
    package func trainingRequest(threads: Int, nomalyVersion: String) -> TrainingRequest {
        TrainingRequest(
            detector: detector,
            parameters: parameters,
            contamination: contamination,
            threshold: threshold,
            format: format,
            selection: selection,
            missing: missing,
            threads: threads,
            nomalyVersion: nomalyVersion
        )
    }
}

/// Reads model specs, reporting every problem with its file, key, line and column.
package enum ModelSpecLoader {

    /// Every `*.yaml` / `*.yml` in `directory`; a missing folder holds no specs.
    package static func loadDirectory(_ directory: String) throws(JobSpecLoadError) -> [ModelSpec] {
        try SpecDirectory.load(directory, unreadable: .holdsNothing, file: loadFile)
    }

    /// The spec of model `name` in `directory`.
    package static func load(model name: String, directory: String) throws(JobSpecError) -> ModelSpec {
        for suffix in [".yaml", ".yml"] where FileManager.default.fileExists(atPath: directory + "/" + name + suffix) {
            return try loadFile(directory + "/" + name + suffix)
        }
        throw JobSpecError(key: nil, message: "no model spec \(name).yaml in \(directory)")
    }

    package static func loadFile(_ path: String) throws(JobSpecError) -> ModelSpec {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw JobSpecError(key: nil, message: "cannot read the file as UTF-8", file: path)
        }
        let document = try SpecDocument.parse(text, file: path, expecting: "a model spec must be a mapping of keys (detector, data, …)")
        do {
            return try read(document, text: text, path: path)
        } catch {
            throw document.locate(error)
        }
    }

    static func read(_ document: SpecDocument, text: String, path: String) throws(JobSpecError) -> ModelSpec {
        var settings = JobSettings(document.values, path: "")
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let name = try settings.string("name") ?? stem
        guard name.wholeMatch(of: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/) != nil else {
            throw JobSpecError(key: "name", message: "'\(name)' is not a model name (letters, digits, _ . -; at most 128)")
        }
        let detector = try settings.requiredString("detector")
        guard ModelTrainer.detectors.contains(detector) else {
            throw JobSpecError(
                key: "detector",
                message: "unknown detector '\(detector)'; choose one of \(ModelTrainer.detectors.joined(separator: ", "))"
            )
        }
        var parameters = DetectorParameters()
        if var params = try settings.section("params") {
            parameters.trees = try params.integer("trees", range: 1...10_000)
            parameters.sampleSize = try params.integer("sample_size", range: 2...65_536)
            parameters.seed = try params.integer("seed", range: 0...Int.max).map(UInt64.init)
            try params.finish()
            if detector == "ecod", parameters.trees != nil || parameters.sampleSize != nil {
                throw JobSpecError(key: "params", message: "ecod is parameter-free: trees and sample_size apply to isolation-forest only")
            }
        }
        let contamination = try settings.number("contamination", range: 0.000_001...0.5)
        let threshold = try settings.number("threshold", range: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)

        guard var data = try settings.section("data") else { throw JobSpecError(key: "data", message: "is required (csv: PATH or sql: QUERY)") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let source: ModelSpec.DataSource
        switch (try data.string("csv"), try data.string("sql")) {
        case (let csv?, nil):
            source = .csv(csv.hasPrefix("s3://") || csv.hasPrefix("/") ? csv : folder + "/" + csv)
        case (nil, let sql?):
            source = .sql(sql)
        default:
            throw JobSpecError(key: "data", message: "give exactly one of csv: PATH (or s3:// URL) and sql: QUERY")
        }
        var format = CSVFormat()
        if let delimiter = try data.string("delimiter") {
            guard let byte = delimiter == "tab" ? 0x09 : (delimiter.utf8.count == 1 ? delimiter.utf8.first : nil), byte < 0x80 else {
                throw JobSpecError(key: "data.delimiter", message: "must be one ASCII character or 'tab'")
            }
            format.delimiter = byte
        }
        let missingText = try data.string("missing") ?? "error"
        guard let missing = MissingValuePolicy(rawValue: missingText) else {
            throw JobSpecError(key: "data.missing", message: "must be error, skip or impute-median")
        }
        try data.finish()

        let selection = ColumnSelection(
            features: try settings.strings("features"),
            id: try settings.string("id"),
            label: try settings.string("label")
        )
        let holdout = try settings.number("holdout", range: 0...0.9) ?? 0
        let promotion = try readPromotion(&settings, hasLabel: selection.label != nil)
        let description = try settings.string("description") ?? ""
        try settings.finish()
        return ModelSpec(
            name: name,
            file: path,
            description: description,
            detector: detector,
            parameters: parameters,
            contamination: contamination,
            threshold: threshold,
            data: source,
            format: format,
            missing: missing,
            selection: selection,
            holdout: holdout,
            promotion: promotion,
            specHash: SpecHash.of(text)
        )
    }

    static func readPromotion(_ settings: inout JobSettings, hasLabel: Bool) throws(JobSpecError) -> ModelSpec.Promotion {
        guard var section = try settings.section("promotion") else { return .manual }
        let policy = try section.string("policy") ?? "manual"
        let alias = try section.string("alias") ?? "production"
        let metric = try section.string("metric") ?? "roc_auc"
        try section.finish()
        switch policy {
        case "manual":
            return .manual
        case "auto":
            guard alias.wholeMatch(of: /^[a-z][a-z0-9_-]{0,62}$/) != nil else {
                throw JobSpecError(key: "promotion.alias", message: "'\(alias)' is not an alias name (lower-case letters, digits, _ -)")
            }
            guard ModelMetrics.promotionMetrics.contains(metric) else {
                throw JobSpecError(key: "promotion.metric", message: "must be one of \(ModelMetrics.promotionMetrics.joined(separator: ", "))")
            }
            guard hasLabel else {
                throw JobSpecError(key: "promotion.metric", message: "\(metric) needs a label column: add label: COLUMN or use policy: manual")
            }
            return .auto(alias: alias, metric: metric)
        default:
            throw JobSpecError(key: "promotion.policy", message: "must be manual or auto")
        }
    }
}
