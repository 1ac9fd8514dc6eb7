import Foundation

/// The scoring endpoint's JSON reading before the streaming parser, kept as the reference the new one must match: a
/// `JSONSerialization` tree copied into `[[Double]]` (AdminAPI's MLflowInput.swift as of issue 16, with the model
/// reduced to its feature names and medians and APIError to a message).
enum LegacyMLflowInput {
    struct Failure: Error, Equatable {
        let message: String
    }

    static func rows(from data: Data, names: [String], medians: [Double]?) throws -> [[Double]] {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw Failure(message: "the body is not a JSON object")
        }
        let rows: [[Double]]
        if let split = top["dataframe_split"] as? [String: Any] {
            guard let columns = split["columns"] as? [String], let data = split["data"] as? [[Any]] else {
                throw Failure(message: "dataframe_split needs columns (strings) and data (rows)")
            }
            let index = try names.map { name in
                guard let position = columns.firstIndex(of: name) else { throw Failure(message: "the columns lack the model's feature \(name)") }
                return position
            }
            rows = try data.enumerated().map { row, values in
                guard values.count == columns.count else {
                    throw Failure(message: "data row \(row) has \(values.count) values for \(columns.count) columns")
                }
                return try index.enumerated().map { feature, column in try number(values[column], row: row, feature: feature, names, medians) }
            }
        } else if let records = (top["dataframe_records"] ?? top["instances"] ?? top["inputs"]) as? [Any] {
            rows = try records.enumerated().map { row, record in
                if let record = record as? [String: Any] {
                    return try names.enumerated().map { feature, name in
                        try number(record[name] ?? NSNull(), row: row, feature: feature, names, medians, required: record[name] != nil)
                    }
                }
                guard let values = record as? [Any], values.count == names.count else {
                    throw Failure(message: "row \(row) must be an object of features or an array of \(names.count) values")
                }
                return try values.enumerated().map { feature, value in try number(value, row: row, feature: feature, names, medians) }
            }
        } else if let columns = top["inputs"] as? [String: Any] {
            let lists = try names.map { name -> [Any] in
                guard let list = columns[name] as? [Any] else { throw Failure(message: "inputs lacks the feature \(name)") }
                return list
            }
            let count = lists.first?.count ?? 0
            guard lists.allSatisfy({ $0.count == count }) else { throw Failure(message: "inputs' columns differ in length") }
            rows = try (0..<count).map { row in
                try lists.enumerated().map { feature, list in try number(list[row], row: row, feature: feature, names, medians) }
            }
        } else {
            throw Failure(message: "expected dataframe_split, dataframe_records, instances or inputs")
        }
        return rows
    }

    static func number(_ value: Any, row: Int, feature: Int, _ names: [String], _ medians: [Double]?, required: Bool = true) throws -> Double {
        if let number = value as? NSNumber {
            let double = number.doubleValue
            guard double.isFinite else { throw Failure(message: "row \(row): \(names[feature]) is not finite") }
            return double
        }
        if value is NSNull {
            guard required || medians != nil else { throw Failure(message: "row \(row) lacks the feature \(names[feature])") }
            guard let medians else { throw Failure(message: "row \(row): \(names[feature]) is missing and the model does not impute") }
            return medians[feature]
        }
        throw Failure(message: "row \(row): \(names[feature]) is not a number")
    }
}
