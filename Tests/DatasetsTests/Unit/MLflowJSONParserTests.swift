import Foundation
import Testing

@testable import Datasets

/// Parses `text` cut at `cuts`, draining after every piece as the scoring endpoint does.
/// - Returns: the rows, and how many were drained before the last piece was read.
func parseMLflow(
    _ text: String,
    features: [String] = ["amount", "hour", "velocity"],
    medians: [Double]? = nil,
    maxRows: Int = 1_000,
    cuts: [Int] = [],
    blockRows: Int = 2
) throws -> (rows: [[Double]], drainedEarly: Int) {
    let bytes = Array(text.utf8)
    var parser = MLflowJSONParser(features: features, medians: medians, maxRows: maxRows, maxDepth: 32)
    var values: [Double] = []
    func drain() throws {
        try parser.drainRows(maxRows: blockRows) { block in
            #expect(block.count <= blockRows * features.count && block.count % features.count == 0)
            values += block
        }
    }
    let bounds = [0] + cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]
    var drainedEarly = 0
    for (start, end) in zip(bounds, bounds.dropFirst()) where start < end {
        if end == bytes.count { drainedEarly = values.count / features.count }
        try bytes[start..<end].withUnsafeBytes { try parser.parse($0) }
        try drain()
    }
    try parser.finish()
    try drain()
    #expect(parser.rowCount == values.count / features.count)
    return (stride(from: 0, to: values.count, by: features.count).map { Array(values[$0..<$0 + features.count]) }, drainedEarly)
}

@Suite("MLflowJSONParser: MLflow's shapes straight into rows, exactly as the JSONSerialization reader gave them")
struct MLflowJSONParserTests {
    static let medians: [Double] = [50, 12, 1]

    /// Bodies in every shape, with escapes in names, exponents, -0, nulls, extra members and whitespace everywhere.
    static let bodies: [String] = [
        #"{"dataframe_split": {"columns": ["velocity", "amount", "hour"], "data": [[1.25, 12.5, 3], [0.5, 900, 2]]}}"#,
        #"{"dataframe_split": {"index": [7, 8], "columns": ["id", "amount", "hour", "velocity", "note"], "data": [["a", 1e2, 3, -0, {"x": [1]}], ["b", 2.5E-3, 4, 0.1, null]]}}"#,
        #"{"dataframe_split": {"data": [[1.25, 12.5, 3, "x"], [0.5, 900, 2, [1, 2]]], "columns": ["velocity", "amount", "hour", "id"]}}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour", "velocity"], "data": []}}"#,
        #"{"dataframe_records": [{"amount": 12.5, "hour": 3, "velocity": 1.25}, {"velocity": 7, "id": "x", "hour": 1, "amount": -1e-3}]}"#,
        #"{"dataframe_records": [{"am\u006Funt": 12.5, "hour": 3, "velocity": 1.25, "tags": {"a": [1, {"b": null}]}}]}"#,
        #"{"instances": [{"amount": 12.5, "hour": 3, "velocity": 1.25}]}"#,
        #"{"instances": [[12.5, 3, 1.25], [1E+3, -0.0, 123456789.125], [0, 0, 0]]}"#,
        #"{"inputs": [[12.5, 3, 1.25], [900, 2, 0.5]], "params": {"threshold": 0.5}}"#,
        #"{"params": {"a": [[[]]]}, "inputs": {"hour": [3, 2, 1], "velocity": [1.25, 0.5, 9], "amount": [12.5, 900, 1e-300], "id": ["a", "b", "c"]}}"#,
        #"{"inputs": {"amount": [], "hour": [], "velocity": []}}"#,
        "\n\t{ \"instances\" :\r\n [ [ 12.5 ,\n3 , 1.25 ] ,[1,2,3]\n]\n,\"x\":true } \n",
        #"{"dataframe_records": [{"amount": true, "hour": false, "velocity": 2}]}"#,
        #"{"instances": [[1.7976931348623157e308, 5e-324, 2.2250738585072014e-308], [0.5, 1e22, 9007199254740993]]}"#,
    ]

    @Test("every shape gives the rows the JSONSerialization reader gave, however the body is cut")
    func matchesLegacyReader() throws {
        for body in Self.bodies {
            let legacy = try LegacyMLflowInput.rows(from: Data(body.utf8), names: ["amount", "hour", "velocity"], medians: nil)
            let bytes = body.utf8.count
            for cuts in [[], [bytes / 2], [1, 7, bytes / 3, bytes - 2], Array(stride(from: 1, to: bytes, by: 3))] {
                let parsed = try parseMLflow(body, cuts: cuts).rows
                #expect(parsed == legacy, "\(body), cuts \(cuts)")
            }
        }
    }

    @Test("numbers are exact where JSONSerialization on Linux was an ulp off")
    func exactWhereLegacyWasNot() throws {
        let body = #"{"instances": [[0.30000000000000004, 0.1, 2.718281828459045]]}"#
        let parsed = try parseMLflow(body).rows
        // The old reader gave 0.3000000000000001 for the first.
        #expect(parsed == [[0.30000000000000004, 0.1, 2.718281828459045]])
    }

    /// Missing cells with the model's medians, and the errors without them, both readers alike.
    static let missing: [String] = [
        #"{"dataframe_records": [{"amount": 1, "hour": null}, {"velocity": 2}]}"#,
        #"{"instances": [[1, null, 3], [null, null, null]]}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour", "velocity"], "data": [[null, 2, 3]]}}"#,
        #"{"dataframe_split": {"data": [[null, 2, 3]], "columns": ["amount", "hour", "velocity"]}}"#,
        #"{"inputs": {"amount": [1, null], "hour": [null, 2], "velocity": [3, 4]}}"#,
    ]

    @Test("null cells and absent record keys take the medians when the model imputes, and are refused as before when it does not")
    func missingValues() throws {
        for body in Self.missing {
            let names = ["amount", "hour", "velocity"]
            let legacy = try LegacyMLflowInput.rows(from: Data(body.utf8), names: names, medians: Self.medians)
            #expect(try parseMLflow(body, medians: Self.medians).rows == legacy, "\(body)")
            var legacyError: String?
            do { _ = try LegacyMLflowInput.rows(from: Data(body.utf8), names: names, medians: nil) } catch let failure as LegacyMLflowInput.Failure {
                legacyError = failure.message
            }
            #expect(throws: JSONInputError.self) { try parseMLflow(body) }
            do { _ = try parseMLflow(body) } catch let error as JSONInputError {
                #expect(error.code == .value && error.description == legacyError, "\(body)")
            }
        }
    }

    /// Bodies both readers refuse, with the same message (the new reader may only be stricter, never looser).
    static let refusedAlike: [String] = [
        #"[1, 2]"#,
        #"{"rows": []}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour"], "data": [[1, 2]]}}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour", "velocity"], "data": [[1, 2]]}}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour", "velocity"]}}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour", 3], "data": []}}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour", "velocity"], "data": [[1, 2, "3"]]}}"#,
        #"{"dataframe_split": {"columns": ["amount", "hour", "velocity"], "data": [[1, 2, 3], 4]}}"#,
        #"{"dataframe_split": {"data": [[1, 2, 3], [1, 2]], "columns": ["amount", "hour", "velocity"]}}"#,
        #"{"dataframe_split": {"data": [[1, 2, 3], [1, "x", 3, 4]], "columns": ["amount", "hour", "velocity", "id"]}}"#,
        #"{"dataframe_split": {"data": [[1, 2, 3], 4], "columns": ["amount", "hour", "velocity"]}}"#,
        #"{"dataframe_records": [{"amount": 1, "hour": 2}]}"#,
        #"{"dataframe_records": [{"amount": 1, "hour": 2, "velocity": "fast"}]}"#,
        #"{"instances": [[1, 2]]}"#,
        #"{"instances": [[1, 2, 3, 4]]}"#,
        #"{"instances": [[1, 2, [3]]]}"#,
        #"{"instances": [5]}"#,
        #"{"inputs": {"amount": [1], "hour": [2]}}"#,
        #"{"inputs": {"amount": [1], "hour": [2], "velocity": 3}}"#,
        #"{"inputs": {"amount": [1, 2], "hour": [2, 3], "velocity": [3]}}"#,
        #"{"inputs": {"amount": [1], "hour": [2], "velocity": ["x"]}}"#,
        #"{"inputs": {"amount": [1, 2, 3], "hour": [2, {"a": 1}, 4], "velocity": [1, 2, [3]]}}"#,
    ]

    @Test("bodies the old reader refused are refused with its message")
    func refusedAsBefore() throws {
        for body in Self.refusedAlike {
            var legacy: String?
            do { _ = try LegacyMLflowInput.rows(from: Data(body.utf8), names: ["amount", "hour", "velocity"], medians: nil) } catch let failure
                as LegacyMLflowInput.Failure
            {
                legacy = failure.message
            }
            var message: String?
            do { _ = try parseMLflow(body) } catch let error as JSONInputError { message = error.description }
            #expect(legacy != nil)
            #expect(message == legacy, "\(body)")
        }
    }

    @Test("one shape per body; a shape member of the wrong kind says what it must be")
    func shapeRules() {
        let cases: [(String, String)] = [
            (
                #"{"instances": [], "dataframe_records": []}"#,
                "the body has both instances and dataframe_records; send exactly one of dataframe_split, dataframe_records, instances or inputs"
            ),
            (#"{"dataframe_records": {"amount": [1]}}"#, "dataframe_records must be an array of rows"),
            (#"{"inputs": 3}"#, "inputs must be an array of rows or an object of feature columns"),
            (#"{"dataframe_split": [[1, 2, 3]]}"#, "dataframe_split needs columns (strings) and data (rows)"),
        ]
        for (body, message) in cases {
            do {
                _ = try parseMLflow(body)
                Issue.record("\(body) was accepted")
            } catch let error as JSONInputError {
                #expect(error.code == .shape && error.description == message, "\(body): \(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("rows are handed out as they arrive (inputs as columns only at the end), in blocks, and the row limit stops the body early")
    func streamingAndLimit() throws {
        let rows = (0..<10).map { "[\($0), 1, 2]" }.joined(separator: ", ")
        let body = #"{"instances": ["# + rows + "]}"
        let split = body.utf8.count - 20
        let streamed = try parseMLflow(body, cuts: [split])
        #expect(streamed.rows.count == 10 && streamed.drainedEarly >= 8)
        let columns = #"{"inputs": {"amount": [0, 1, 2, 3, 4], "hour": [5, 6, 7, 8, 9], "velocity": [1, 1, 1, 1, 1]}}"#
        let transposed = try parseMLflow(columns, cuts: [columns.utf8.count - 3], blockRows: 2)
        #expect(transposed.drainedEarly == 0)
        var parser = MLflowJSONParser(features: ["amount", "hour", "velocity"], medians: nil, maxRows: 10, maxDepth: 4)
        try Array(columns.utf8).withUnsafeBytes { try parser.parse($0) }
        #expect(parser.pendingRowCount == 5)
        try parser.drainRows(maxRows: 2) { _ in }
        #expect(parser.pendingRowCount == 0)
        let expectedRows: [[Double]] = (0..<5).map { row in [Double(row), Double(row + 5), 1] }
        #expect(transposed.rows == expectedRows)
        let limited = [
            body,
            #"{"dataframe_records": ["# + (0..<10).map { _ in #"{"amount": 1, "hour": 2, "velocity": 3}"# }.joined(separator: ",") + "]}",
            #"{"dataframe_split": {"data": ["# + (0..<10).map { _ in "[1, 2, 3]" }.joined(separator: ",")
                + #"], "columns": ["amount", "hour", "velocity"]}}"#,
            #"{"inputs": {"amount": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "hour": [5], "velocity": [1]}}"#,
        ]
        for text in limited {
            #expect(throws: JSONInputError.self, "\(text)") { try parseMLflow(text, maxRows: 9) }
            do { _ = try parseMLflow(text, maxRows: 9) } catch let error as JSONInputError {
                #expect(error.code == .tooManyRows && error.message == "the body has more than 9 rows")
            }
        }
        #expect(try parseMLflow(body, maxRows: 10).rows.count == 10)
    }
}
