import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AdminAPI

@Suite("Synchronous scoring bodies: the row limit, UTF-8 only, and malformed JSON named precisely (real Postgres)")
struct ScoringBodyTests {
    static let uri = "/api/v1/models/fraud/score"

    /// The API with the demo `fraud` model (features amount, hour, velocity) and at most `maxRows` rows a request.
    func withScoring(
        maxRows: Int = 1_000_000,
        _ body: @escaping @Sendable (any TestClientProtocol, String, APITokens) async throws -> Void
    ) async throws {
        try await withTestAPI(scoring: ScoringHarness(maxRows: maxRows)) { harness in
            _ = try await harness.registerFraudModel()
            try await body(harness.client, harness.tokens.operatorToken, harness.tokens)
        }
    }

    func post(
        _ client: any TestClientProtocol,
        _ token: String,
        _ body: ByteBuffer,
        type: String = "application/json",
        uri: String = Self.uri,
        method: HTTPRequest.Method = .post,
        _ check: @escaping @Sendable (TestResponse) throws -> Void
    ) async throws {
        try await client.execute(uri: uri, method: method, headers: bearer(token, contentType: type), body: body) { try check($0) }
    }

    static func message(_ response: TestResponse) -> String {
        struct Body: Decodable {
            struct Detail: Decodable { let message: String }
            let error: Detail
        }
        return (try? JSONDecoder().decode(Body.self, from: Data(String(buffer: response.body).utf8)).error.message) ?? String(buffer: response.body)
    }

    static func predictionCount(_ response: TestResponse) -> Int {
        struct Scored: Decodable {
            struct Prediction: Decodable { let score: Double }
            let predictions: [Prediction]
        }
        return (try? JSONDecoder().decode(Scored.self, from: Data(String(buffer: response.body).utf8)).predictions.count) ?? -1
    }

    /// The same `rows` rows in every shape a request may take.
    static func bodies(rows: Int) -> [(name: String, type: String, body: String)] {
        let indices = 0..<rows
        let cells = indices.map { "[\(12.5 + Double($0)),\($0 % 24),1.25]" }.joined(separator: ",")
        let records = indices.map { #"{"amount":\#(12.5 + Double($0)),"hour":\#($0 % 24),"velocity":1.25}"# }.joined(separator: ",")
        let column = { (value: (Int) -> String) in "[" + indices.map(value).joined(separator: ",") + "]" }
        return [
            ("csv", "text/csv", "amount,hour,velocity\n" + indices.map { "\(12.5 + Double($0)),\($0 % 24),1.25\n" }.joined()),
            ("dataframe_split", "application/json", #"{"dataframe_split":{"columns":["amount","hour","velocity"],"data":[\#(cells)]}}"#),
            ("dataframe_records", "application/json", #"{"dataframe_records":[\#(records)]}"#),
            ("instances", "application/json", #"{"instances":[\#(cells)]}"#),
            ("inputs rows", "application/json", #"{"inputs":[\#(cells)]}"#),
            (
                "inputs columns", "application/json",
                #"{"inputs":{"amount":\#(column { "\(12.5 + Double($0))" }),"hour":\#(column { "\($0 % 24)" }),"velocity":\#(column { _ in "1.25" })}}"#
            ),
        ]
    }

    @Test("more rows than NOMALY_SCORING_MAX_ROWS is 413 too_many_rows pointing to scoring jobs, in every shape; the limit itself is fine")
    func rowLimit() async throws {
        try await withScoring(maxRows: 4) { client, token, _ in
            for (name, type, text) in Self.bodies(rows: 5) {
                try await post(client, token, ByteBuffer(string: text), type: type) { response in
                    #expect(response.status == .contentTooLarge, "\(name)")
                    #expect(errorCode(response) == "too_many_rows", "\(name)")
                    let message = Self.message(response)
                    #expect(message.contains("4 rows") && message.contains("NOMALY_SCORING_MAX_ROWS"), "\(name): \(message)")
                    #expect(message.contains("POST /api/v1/scoring-jobs"), "\(name): \(message)")
                }
            }
            for (name, type, text) in Self.bodies(rows: 4) {
                try await post(client, token, ByteBuffer(string: text), type: type) { response in
                    #expect(response.status == .ok, "\(name): \(String(buffer: response.body))")
                    #expect(Self.predictionCount(response) == 4, "\(name)")
                }
            }
        }
    }

    static let document = #"{"instances": [[12.5, 3, 1.25]]}"#

    static func utf16(_ text: String, bigEndian: Bool = false, byteOrderMark: Bool = true) -> [UInt8] {
        let units = (byteOrderMark ? [0xFEFF] : []) + Array(text.utf16)
        return units.flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    static func utf32LittleEndian(_ text: String) -> [UInt8] {
        ([0xFEFF] + text.unicodeScalars.map(\.value)).flatMap { value in (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
    }

    /// What the old byte scan of `JSONDepth` missed: in UTF-16LE, U+5C00 is the bytes 00 5C, so the scan took the
    /// string's closing quote for an escaped one and never saw the 40 levels of nesting after it.
    static let hiddenNesting = #"{"note": "\#u{5C00}", "instances": "# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"

    @Test("JSON that is not UTF-8 is 415 before any parsing: UTF-16 and UTF-32 (with or without a BOM), another charset, invalid UTF-8")
    func encodings() async throws {
        try await withScoring { client, token, tokens in
            let refused: [(String, String, [UInt8])] = [
                ("UTF-16LE with a BOM", "application/json", Self.utf16(Self.document)),
                ("UTF-16BE with a BOM", "application/json", Self.utf16(Self.document, bigEndian: true)),
                ("UTF-16LE without a BOM", "application/json", Self.utf16(Self.document, byteOrderMark: false)),
                ("UTF-32LE with a BOM", "application/json", Self.utf32LittleEndian(Self.document)),
                ("UTF-16LE hiding its nesting from a byte scan", "application/json", Self.utf16(Self.hiddenNesting)),
                ("charset=utf-16", "application/json; charset=utf-16", Array(Self.document.utf8)),
                ("charset=iso-8859-1", "application/json; charset=ISO-8859-1", Array(Self.document.utf8)),
                ("Latin-1 é in a key", "application/json", Array(#"{"instances": [[12.5, 3, 1.25]], "caf"#.utf8) + [0xE9] + Array(#"": 1}"#.utf8)),
                ("an overlong /", "application/json", Array(#"{"instances": [[12.5, 3, 1.25]], "a"#.utf8) + [0xC0, 0xAF] + Array(#"": 1}"#.utf8)),
                (
                    "an encoded surrogate", "application/json",
                    Array(#"{"instances": [[12.5, 3, 1.25]], "a"#.utf8) + [0xED, 0xA0, 0x80] + Array(#"": 1}"#.utf8)
                ),
            ]
            for (name, type, bytes) in refused {
                try await post(client, token, ByteBuffer(bytes: bytes), type: type) { response in
                    #expect(response.status == .unsupportedMediaType, "\(name): \(String(buffer: response.body))")
                    #expect(errorCode(response) == "unsupported_encoding", "\(name)")
                    #expect(Self.message(response).contains("UTF-8"), "\(name): \(Self.message(response))")
                }
            }
            let accepted: [(String, String, [UInt8])] = [
                ("a UTF-8 BOM", "application/json", [0xEF, 0xBB, 0xBF] + Array(Self.document.utf8)),
                ("charset=UTF-8", "application/json; charset=UTF-8", Array(Self.document.utf8)),
                ("charset=\"utf-8\"", #"application/json;charset="utf-8""#, Array(Self.document.utf8)),
                ("UTF-8 text in keys", "application/json", Array(#"{"instances": [[12.5, 3, 1.25]], "café ☕ 😀": 1}"#.utf8)),
            ]
            for (name, type, bytes) in accepted {
                try await post(client, token, ByteBuffer(bytes: bytes), type: type) { response in
                    #expect(response.status == .ok, "\(name): \(String(buffer: response.body))")
                }
            }
            // Every other JSON body of the API follows the same rule.
            let alias = "/api/v1/models/fraud/aliases/production"
            for (name, type, bytes) in [
                ("UTF-16LE", "application/json", Self.utf16(#"{"version": 1}"#)),
                ("charset=latin1", "application/json; charset=latin1", Array(#"{"version": 1}"#.utf8)),
            ] {
                try await client.execute(uri: alias, method: .put, headers: bearer(tokens.admin, contentType: type), body: ByteBuffer(bytes: bytes)) {
                    response in
                    #expect(response.status == .unsupportedMediaType, "alias \(name): \(String(buffer: response.body))")
                }
            }
        }
    }

    /// Bodies that are not JSON (RFC 8259), each with what its 400 must say: where, and what is wrong.
    static let malformed: [(body: String, says: String)] = [
        (#"{"instances": [[12.5, 3, 1.25]]} x"#, "body:1:34: unexpected 'x' after the end of the JSON document"),
        (#"{"instances": [[12.5, 3, 1.25]]}{}"#, "body:1:33: unexpected '{' after the end of the JSON document"),
        (#"{"instances": [[12.5, 3, 1.25]], "instances": []}"#, #"body:1:34: duplicate key "instances""#),
        (#"{"dataframe_records": [{"amount": 1, "hour": 2, "amount": 3, "velocity": 4}]}"#, #"body:1:49: duplicate key "amount""#),
        ("{\"instances\": [[12.5, 3,\n 1.25]", "body:2:7: the body ends inside an array"),
        (#"{"instances": [[12.5, 3, 1.25]]"#, "body:1:32: the body ends inside an object"),
        (#"{"instances": [[1"#, "body:1:18: the body ends inside an array"),
        (#"{"inst"#, "body:1:7: the body ends inside a string"),
        (#"{"a\x": 1}"#, #"body:1:4: invalid escape '\x' in a string"#),
        (#"{"a\ud800": 1}"#, "body:1:10: \\ud800 is half of a surrogate pair; the other half must follow at once"),
        (#"{"a\udc00": 1}"#, "body:1:4: \\udc00 is a lone second half of a surrogate pair"),
        (#"{"a\u12g4": 1}"#, "body:1:8: invalid escape: \\u needs four hexadecimal digits"),
        (#"{"instances": [[012.5, 3, 1.25]]}"#, "body:1:17: invalid number '012.5' (JSON numbers have no leading zeros)"),
        (#"{"instances": [[12., 3, 1.25]]}"#, "body:1:17: invalid number '12.'"),
        (#"{"instances": [[.5, 3, 1.25]]}"#, "body:1:17: unexpected '.'"),
        (#"{"instances": [[+5, 3, 1.25]]}"#, "body:1:17: unexpected '+'"),
        (#"{"instances": [[-, 3, 1.25]]}"#, "body:1:17: invalid number '-'"),
        (#"{"instances": [[1e, 3, 1.25]]}"#, "body:1:17: invalid number '1e'"),
        (#"{"instances": [[NaN, 3, 1.25]]}"#, "body:1:17: unexpected 'N'"),
        (#"{"instances": [[Infinity, 3, 1.25]]}"#, "body:1:17: unexpected 'I'"),
        (#"{"instances": [[tru, 3, 1.25]]}"#, "body:1:17: invalid literal 'tru'"),
        (#"{'instances': []}"#, "body:1:2: unexpected '''"),
        (#"{"instances": [[12.5, 3, 1.25],]}"#, "body:1:32: expected a value, found ']'"),
        (#"{"instances": [[12.5 3 1.25]]}"#, "body:1:22: expected ',' or ']', found '3'"),
        (#"{"instances" [[12.5, 3, 1.25]]}"#, "body:1:14: expected ':', found '['"),
        (#"{"instances": [[12.5, 3, 1.25]], }"#, "body:1:34: expected a key (a string), found '}'"),
        ("{\"a\tb\": 1}", "body:1:4: a control character (U+0009) in a string; escape it"),
        ("// rows\n{}", "body:1:1: unexpected '/'"),
        ("", "body:1:1: the body is empty"),
    ]

    @Test("malformed JSON is 400 invalid_json naming the line, the column and what is wrong; duplicate keys and trailing data too")
    func malformedJSON() async throws {
        try await withScoring { client, token, _ in
            for (body, says) in Self.malformed {
                try await post(client, token, ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(errorCode(response) == "invalid_json", "\(body)")
                    #expect(Self.message(response) == says, "\(body)")
                }
            }
        }
    }

    @Test("a number too large for a double is 400 invalid_input naming the row and feature; shapes that do not fit say what they need")
    func unusableValues() async throws {
        try await withScoring { client, token, _ in
            let cases: [(String, String, String)] = [
                (#"{"instances": [[1e400, 3, 1.25]]}"#, "invalid_input", "row 0: amount is not finite"),
                (#"{"instances": [[12.5, 3, 1.25], [12.5, "3", 1.25]]}"#, "invalid_input", "row 1: hour is not a number"),
                (#"{"instances": [[12.5, 3, 1.25], [12.5, 3]]}"#, "invalid_json", "row 1 must be an object of features or an array of 3 values"),
                (#"{"dataframe_records": [{"amount": 1, "hour": 2}]}"#, "invalid_input", "row 0 lacks the feature velocity"),
                (
                    #"{"dataframe_records": [{"amount": 1, "hour": 2, "velocity": null}]}"#, "invalid_input",
                    "row 0: velocity is missing and the model does not impute"
                ),
                (
                    #"{"dataframe_split": {"columns": ["amount", "hour"], "data": []}}"#, "invalid_json",
                    "the columns lack the model's feature velocity"
                ),
                (
                    #"{"dataframe_split": {"columns": ["amount", "hour", "velocity"], "data": [[1, 2]]}}"#, "invalid_json",
                    "data row 0 has 2 values for 3 columns"
                ),
                (#"{"dataframe_split": {"data": [[1, 2, 3]]}}"#, "invalid_json", "dataframe_split needs columns (strings) and data (rows)"),
                (#"{"inputs": {"amount": [1, 2], "hour": [3, 4], "velocity": [5]}}"#, "invalid_json", "inputs' columns differ in length"),
                (#"{"inputs": {"amount": [1], "hour": [3]}}"#, "invalid_json", "inputs lacks the feature velocity"),
                (#"{"rows": [[1, 2, 3]]}"#, "invalid_json", "expected dataframe_split, dataframe_records, instances or inputs"),
                (#"[[1, 2, 3]]"#, "invalid_json", "the body is not a JSON object"),
                (
                    #"{"instances": [[1, 2, 3]], "inputs": [[1, 2, 3]]}"#, "invalid_json",
                    "the body has both instances and inputs; send exactly one of dataframe_split, dataframe_records, instances or inputs"
                ),
            ]
            for (body, code, says) in cases {
                try await post(client, token, ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(errorCode(response) == code, "\(body)")
                    #expect(Self.message(response) == says, "\(body)")
                }
            }
        }
    }

    @Test("hostile but legal bodies: too many columns or keys is 413 too_many_columns, a 64 KiB+ string 413 too_long, wide rows 400 at once")
    func hostileBodies() async throws {
        try await withScoring { client, token, _ in
            let names = Array(repeating: #""a""#, count: 100_001).joined(separator: ",")
            let keys = (0..<100_001).map { "\"k\($0)\":0" }.joined(separator: ",")
            let wide = Array(repeating: "0", count: 100_001).joined(separator: ",")
            let prefix = #"{"params":{"note":"#
            let cases: [(String, HTTPResponse.Status, String, String)] = [
                (
                    #"{"dataframe_split":{"columns":[\#(names)],"data":[]}}"#, .contentTooLarge, "too_many_columns",
                    "dataframe_split has more than 100000 columns"
                ),
                (
                    #"{"dataframe_records":[{\#(keys)}]}"#, .contentTooLarge, "too_many_columns",
                    "an object has more than 100000 keys, counting those of the objects it is in"
                ),
                (
                    #"{"dataframe_split":{"data":[[\#(wide)]],"columns":["amount","hour","velocity"]}}"#, .contentTooLarge, "too_many_columns",
                    "data row 0 has more than 100000 values"
                ),
                (
                    prefix + "\"" + String(repeating: "x", count: 70_000) + #""},"instances":[[1,2,3]]}"#, .contentTooLarge, "too_long",
                    "body:1:\(prefix.utf8.count + 1): a string is longer than 65536 bytes"
                ),
                (
                    #"{"dataframe_split":{"columns":["amount","hour","velocity"],"data":[[1,2,3,\#(wide)]]}}"#, .badRequest, "invalid_json",
                    "data row 0 has more than 3 values for 3 columns"
                ),
            ]
            for (body, status, code, says) in cases {
                try await post(client, token, ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(says): \(String(buffer: response.body).prefix(300))")
                    #expect(errorCode(response) == code, "\(says)")
                    #expect(Self.message(response).hasSuffix(says), "\(Self.message(response))")
                }
            }
            // data before columns, with columns that are not features, scores as columns first does.
            let rows = (0..<50).map { "[\(12.5 + Double($0)),\($0 % 24),1.25,\($0),\"x\"]" }.joined(separator: ",")
            let columns = #"["amount","hour","velocity","id","note"]"#
            var scores: [String] = []
            for body in [
                #"{"dataframe_split":{"columns":\#(columns),"data":[\#(rows)]}}"#, #"{"dataframe_split":{"data":[\#(rows)],"columns":\#(columns)}}"#,
            ] {
                let answer = try await client.execute(
                    uri: Self.uri,
                    method: .post,
                    headers: bearer(token, contentType: "application/json"),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body).prefix(300))")
                    #expect(Self.predictionCount(response) == 50)
                    return String(buffer: response.body)
                }
                scores.append(answer)
            }
            #expect(scores.count == 2 && scores[0] == scores[1])
        }
    }
}
