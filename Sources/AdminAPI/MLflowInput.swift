import Detectors
import Foundation
import Hummingbird
import Modeling

/// Reads MLflow's `/invocations` JSON shapes into a feature matrix in the model's column order.
///
/// ```json
/// {"dataframe_split": {"columns": ["amount", "hour"], "data": [[12.5, 3], [900, 2]]}}
/// {"dataframe_records": [{"amount": 12.5, "hour": 3}]}
/// {"instances": [{"amount": 12.5, "hour": 3}]}    or  {"instances": [[12.5, 3]]}   (model order)
/// {"inputs": {"amount": [12.5, 900], "hour": [3, 2]}}   or  {"inputs": [[12.5, 3]]}
/// ```
/// Missing or null cells follow the model's missing-value policy (its training medians for `impute-median`).
enum MLflowInput {
    static func matrix(from data: Data, model: ModelArtifact) throws -> FeatureMatrix {
        let names = model.manifest.featureNames
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw APIError(.badRequest, code: "invalid_json", "the body is not a JSON object")
        }
        let rows: [[Double]]
        if let split = top["dataframe_split"] as? [String: Any] {
            guard let columns = split["columns"] as? [String], let data = split["data"] as? [[Any]] else {
                throw APIError(.badRequest, code: "invalid_json", "dataframe_split needs columns (strings) and data (rows)")
            }
            let index = try positions(of: names, in: columns)
            rows = try data.enumerated().map { row, values in
                guard values.count == columns.count else {
                    throw APIError(.badRequest, code: "invalid_json", "data row \(row) has \(values.count) values for \(columns.count) columns")
                }
                return try index.enumerated().map { feature, column in try number(values[column], row: row, feature: names[feature], model: model) }
            }
        } else if let records = (top["dataframe_records"] ?? top["instances"] ?? top["inputs"]) as? [Any] {
            rows = try records.enumerated().map { row, record in
                if let record = record as? [String: Any] {
                    return try names.map { name in
                        try number(record[name] ?? NSNull(), row: row, feature: name, model: model, required: record[name] != nil)
                    }
                }
                guard let values = record as? [Any], values.count == names.count else {
                    throw APIError(.badRequest, code: "invalid_json", "row \(row) must be an object of features or an array of \(names.count) values")
                }
                return try values.enumerated().map { feature, value in try number(value, row: row, feature: names[feature], model: model) }
            }
        } else if let columns = top["inputs"] as? [String: Any] {
            let lists = try names.map { name -> [Any] in
                guard let list = columns[name] as? [Any] else {
                    throw APIError(.badRequest, code: "invalid_json", "inputs lacks the feature \(name)")
                }
                return list
            }
            let count = lists.first?.count ?? 0
            guard lists.allSatisfy({ $0.count == count }) else {
                throw APIError(.badRequest, code: "invalid_json", "inputs' columns differ in length")
            }
            rows = try (0..<count).map { row in
                try lists.enumerated().map { feature, list in try number(list[row], row: row, feature: names[feature], model: model) }
            }
        } else {
            throw APIError(.badRequest, code: "invalid_json", "expected dataframe_split, dataframe_records, instances or inputs")
        }
        return FeatureMatrix(rowCount: rows.count, columnCount: names.count, values: rows.flatMap { $0 })
    }

    static func positions(of names: [String], in columns: [String]) throws -> [Int] {
        try names.map { name in
            guard let position = columns.firstIndex(of: name) else {
                throw APIError(.badRequest, code: "invalid_json", "the columns lack the model's feature \(name)")
            }
            return position
        }
    }

    static func number(_ value: Any, row: Int, feature: String, model: ModelArtifact, required: Bool = true) throws -> Double {
        if let number = value as? NSNumber {
            let double = number.doubleValue
            guard double.isFinite else { throw APIError(.badRequest, code: "invalid_input", "row \(row): \(feature) is not finite") }
            return double
        }
        if value is NSNull {
            guard required || model.manifest.missingValues == "impute-median" else {
                throw APIError(.badRequest, code: "invalid_input", "row \(row) lacks the feature \(feature)")
            }
            guard model.manifest.missingValues == "impute-median", let column = model.manifest.features.first(where: { $0.name == feature }) else {
                throw APIError(.badRequest, code: "invalid_input", "row \(row): \(feature) is missing and the model does not impute")
            }
            return column.median
        }
        throw APIError(.badRequest, code: "invalid_input", "row \(row): \(feature) is not a number")
    }
}
