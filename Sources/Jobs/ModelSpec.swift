package import Datasets
import Foundation
import JSONValues
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

/// Reads model specs, reporting every mistake of a file with its file, key, line and column.
package enum ModelSpecLoader {

    /// Every `*.yaml` / `*.yml` in `directory`; a missing folder holds no specs.
    package static func loadDirectory(_ directory: String) throws(JobSpecLoadError) -> [ModelSpec] {
        try SpecDirectory.load(directory, unreadable: .holdsNothing, file: loadFile)
    }

    /// The spec of model `name` in `directory`.
    package static func load(model name: String, directory: String) throws(JobSpecLoadError) -> ModelSpec {
        for suffix in [".yaml", ".yml"] where FileManager.default.fileExists(atPath: directory + "/" + name + suffix) {
            return try loadFile(directory + "/" + name + suffix)
        }
        throw JobSpecLoadError(problems: [JobSpecError(key: nil, message: "no model spec \(name).yaml in \(directory)")])
    }

    /// - Throws: ``JobSpecLoadError`` with every mistake in the file, in the order they are written.
    package static func loadFile(_ path: String) throws(JobSpecLoadError) -> ModelSpec {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw JobSpecLoadError(problems: [JobSpecError(key: nil, message: "cannot read the file as UTF-8", file: path)])
        }
        let document: SpecDocument
        do {
            document = try SpecDocument.parse(text, file: path, expecting: "a model spec must be a mapping of keys (detector, data, …)")
        } catch {
            throw JobSpecLoadError(problems: [error])
        }
        do {
            return try read(document, text: text, path: path)
        } catch {
            throw document.locate(error)
        }
    }

    static func read(_ document: SpecDocument, text: String, path: String) throws(JobSpecLoadError) -> ModelSpec {
        var settings = JobSettings(document.values, path: "")
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let name = settings.string("name") ?? stem
        if name.wholeMatch(of: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/) == nil {
            settings.report(JobSpecError(key: "name", message: "'\(name)' is not a model name (letters, digits, _ . -; at most 128)"))
        }
        let detector = settings.requiredString("detector")
        if !ModelTrainer.detectors.contains(detector) {
            settings.report(
                JobSpecError(
                    key: "detector",
                    message: "unknown detector '\(detector)'; choose one of \(ModelTrainer.detectors.joined(separator: ", "))"
                )
            )
        }
        var parameters = DetectorParameters()
        if var params = settings.section("params") {
            parameters.trees = params.integer("trees", range: 1...10_000)
            parameters.sampleSize = params.integer("sample_size", range: 2...65_536)
            parameters.seed = params.integer("seed", range: 0...Int.max).map(UInt64.init)
            params.finish()
            if detector == "ecod", parameters.trees != nil || parameters.sampleSize != nil {
                settings.report(JobSpecError(key: "params", message: "ecod is parameter-free: trees and sample_size apply to isolation-forest only"))
            }
        }
        let contamination = settings.number("contamination", range: 0.000_001...0.5)
        let threshold = settings.number("threshold", range: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        let (source, format, missing) = readData(&settings, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        let selection = ColumnSelection(
            features: settings.strings("features"),
            id: settings.string("id"),
            label: settings.string("label")
        )
        let holdout = settings.number("holdout", range: 0...0.9) ?? 0
        let promotion = readPromotion(&settings, hasLabel: selection.label != nil)
        let description = settings.string("description") ?? ""
        settings.finish()
        guard settings.problems.isEmpty, let source else { throw JobSpecLoadError(problems: settings.problems) }
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

    /// `data:`: where the rows come from (nil, reported, when that is not given), and how to read them.
    static func readData(
        _ settings: inout JobSettings,
        folder: String
    ) -> (source: ModelSpec.DataSource?, format: CSVFormat, missing: MissingValuePolicy) {
        var format = CSVFormat()
        guard var data = settings.section("data") else {
            if settings.values["data"] == nil || settings.values["data"] == .null {
                settings.report(JobSpecError(key: "data", message: "is required (csv: PATH or sql: QUERY)"))
            }
            return (nil, format, .error)
        }
        var source: ModelSpec.DataSource?
        switch (data.string("csv"), data.string("sql")) {
        case (let csv?, nil):
            source = .csv(csv.hasPrefix("s3://") || csv.hasPrefix("/") ? csv : folder + "/" + csv)
        case (nil, let sql?):
            source = .sql(sql)
        default:
            settings.report(JobSpecError(key: "data", message: "give exactly one of csv: PATH (or s3:// URL) and sql: QUERY"))
        }
        if let delimiter = data.string("delimiter") {
            if let byte = delimiter == "tab" ? 0x09 : (delimiter.utf8.count == 1 ? delimiter.utf8.first : nil), byte < 0x80 {
                format.delimiter = byte
            } else {
                settings.report(JobSpecError(key: "data.delimiter", message: "must be one ASCII character or 'tab'"))
            }
        }
        let missingText = data.string("missing") ?? "error"
        let missing = MissingValuePolicy(rawValue: missingText)
        if missing == nil {
            settings.report(JobSpecError(key: "data.missing", message: "must be error, skip or impute-median"))
        }
        data.finish()
        return (source, format, missing ?? .error)
    }

    static func readPromotion(_ settings: inout JobSettings, hasLabel: Bool) -> ModelSpec.Promotion {
        guard var section = settings.section("promotion") else { return .manual }
        let policy = section.string("policy") ?? "manual"
        let alias = section.string("alias") ?? "production"
        let metric = section.string("metric") ?? "roc_auc"
        section.finish()
        switch policy {
        case "manual":
            return .manual
        case "auto":
            var valid = true
            if alias.wholeMatch(of: /^[a-z][a-z0-9_-]{0,62}$/) == nil {
                settings.report(JobSpecError(key: "promotion.alias", message: "'\(alias)' is not an alias name (lower-case letters, digits, _ -)"))
                valid = false
            }
            if !ModelMetrics.promotionMetrics.contains(metric) {
                settings.report(
                    JobSpecError(key: "promotion.metric", message: "must be one of \(ModelMetrics.promotionMetrics.joined(separator: ", "))")
                )
                valid = false
            } else if !hasLabel {
                settings.report(
                    JobSpecError(key: "promotion.metric", message: "\(metric) needs a label column: add label: COLUMN or use policy: manual")
                )
                valid = false
            }
            return valid ? .auto(alias: alias, metric: metric) : .manual
        default:
            settings.report(JobSpecError(key: "promotion.policy", message: "must be manual or auto"))
            return .manual
        }
    }
}
