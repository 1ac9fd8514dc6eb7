import Testing

@testable import Datasets

/// What a parser made of a body fed in pieces: its rows, the most it held, and where it stopped.
struct HostileFeed {
    var rows: [[Double]] = []
    var peakRetained = 0
    var error: JSONInputError?
    /// Bytes handed to the parser, the refused piece included: the whole body unless it was refused on the way.
    var fed = 0
}

/// Feeds `body` in pieces of 64 KiB (as a network would), draining after each as the scoring endpoint does.
func feedHostile(_ body: [UInt8], features: [String] = ["amount", "hour", "velocity"], maxRows: Int = 10_000_000) -> HostileFeed {
    var parser = MLflowJSONParser(features: features, medians: nil, maxRows: maxRows, maxDepth: 32)
    var feed = HostileFeed()
    var values: [Double] = []
    do {
        while feed.fed < body.count {
            let start = feed.fed
            feed.fed = min(body.count, start + (64 << 10))
            try body[start..<feed.fed].withUnsafeBytes { try parser.parse($0) }
            try parser.drainRows(maxRows: 8192) { values += $0 }
        }
        try parser.finish()
        try parser.drainRows(maxRows: 8192) { values += $0 }
    } catch let error as JSONInputError {
        feed.error = error
    } catch {
        Issue.record("\(error)")
    }
    feed.peakRetained = parser.peakRetainedBytes
    feed.rows = stride(from: 0, to: values.count, by: features.count).map { Array(values[$0..<$0 + features.count]) }
    return feed
}

/// Legal JSON built to make a parser hoard: what it keeps must stay within the body's own bytes plus a constant, and
/// limits (columns, keys, token lengths, row widths) are refused as soon as they are passed, not at the end.
@Suite("MLflowJSONParser on hostile bodies: bounded by construction, limits refused early")
struct MLflowHostileBodyTests {
    /// What a parser may hold besides captured text: its reader's buffers, a piece's rows, a block being drained.
    static let constant = 1 << 20

    static func zeros(_ count: Int) -> String { Array(repeating: "0", count: count).joined(separator: ",") }

    @Test("dataframe_split: column names are matched against the features as they arrive, unknown names are not kept")
    func unknownColumnNames() {
        let names = Array(repeating: #""a""#, count: 90_000) + [#""velocity""#, #""amount""#, #""hour""#, #""amount""#]
        let row = "[" + Self.zeros(90_000) + ",3,1,2,7]"
        let body = #"{"dataframe_split":{"columns":[\#(names.joined(separator: ","))],"data":[\#(row),\#(row)]}}"#
        let feed = feedHostile(Array(body.utf8))
        #expect(feed.error == nil)
        // The first column of a name is the feature's, as pandas' lookup and the old reader had it.
        #expect(feed.rows == [[1, 2, 3], [1, 2, 3]])
        #expect(feed.peakRetained < Self.constant, "held \(feed.peakRetained) bytes")
    }

    @Test("dataframe_split: more than 100,000 column names is refused at the 100,001st")
    func tooManyColumnNames() {
        let body = #"{"dataframe_split":{"columns":["# + Array(repeating: #""a""#, count: 150_000).joined(separator: ",") + #"],"data":[]}}"#
        let feed = feedHostile(Array(body.utf8))
        #expect(feed.error?.code == .tooManyColumns)
        #expect(feed.error?.description == "dataframe_split has more than 100000 columns")
        #expect(feed.fed < body.utf8.count)
        #expect(feed.peakRetained < Self.constant, "held \(feed.peakRetained) bytes")
    }

    @Test("dataframe_split with data before columns holds the text of data (its own bytes), not 8 bytes a cell, and scores it once columns come")
    func dataBeforeColumns() {
        let rowCount = 40_000
        let data = (0..<rowCount).map { "[" + Self.zeros(22) + ",\($0 % 24),\($0 % 7),\($0 % 10)]" }.joined(separator: ",")
        let columns = ((0..<22).map { "\"c\($0)\"" } + [#""hour""#, #""velocity""#, #""amount""#]).joined(separator: ",")
        let body = #"{"dataframe_split":{"data":[\#(data)],"index":[1],"columns":[\#(columns)]}}"#
        let feed = feedHostile(Array(body.utf8))
        #expect(feed.error == nil)
        #expect(feed.rows.count == rowCount)
        #expect(feed.rows.enumerated().allSatisfy { index, row in row == [Double(index % 10), Double(index % 24), Double(index % 7)] })
        #expect(feed.peakRetained < body.utf8.count + Self.constant, "held \(feed.peakRetained) bytes for a body of \(body.utf8.count)")
    }

    @Test("a data row longer than the columns is refused at its first extra value, not at its end")
    func wideRowAfterColumns() {
        let body = #"{"dataframe_split":{"columns":["amount","hour","velocity"],"data":[[1,2,3,"# + Self.zeros(500_000)
        let feed = feedHostile(Array(body.utf8))
        #expect(feed.error?.code == .shape)
        #expect(feed.error?.description == "data row 0 has more than 3 values for 3 columns")
        #expect(feed.fed <= 64 << 10)
    }

    @Test("with data before columns, a row of more than 100,000 values is refused when it passes them")
    func wideRowBeforeColumns() {
        let prefix = #"{"dataframe_split":{"data":[[1,2,3],["#
        let feed = feedHostile(Array((prefix + Self.zeros(500_000)).utf8))
        #expect(feed.error?.code == .tooManyColumns)
        #expect(feed.error?.description == "data row 1 has more than 100000 values")
        // Refused in the piece that brings the 100,001st value.
        #expect(feed.fed < prefix.utf8.count + 2 * 100_001 + (64 << 10))
        #expect(feed.peakRetained < feed.fed + Self.constant, "held \(feed.peakRetained) bytes")
    }

    @Test("instances: a row longer than the model's features is refused at its first extra value")
    func wideInstance() {
        for body in [#"{"instances":[[1,2,3,"# + Self.zeros(500_000), #"{"inputs":[[1,2,3],[1,2,3,"# + Self.zeros(500_000)] {
            let feed = feedHostile(Array(body.utf8))
            #expect(feed.error?.code == .shape)
            #expect(
                feed.error?.message.hasSuffix("must be an object of features or an array of 3 values") == true,
                "\(String(describing: feed.error))"
            )
            #expect(feed.fed <= 64 << 10)
        }
    }

    static func record(keys: Int) -> String {
        "{" + (0..<keys).map { "\"k\($0)\":0" }.joined(separator: ",") + #","amount":1,"hour":2,"velocity":3}"#
    }

    @Test("records: unknown keys are held only until their object ends; more than 100,000 keys at once is refused")
    func manyKeys() {
        let accepted = #"{"dataframe_records":["# + Array(repeating: Self.record(keys: 20_000), count: 5).joined(separator: ",") + "]}"
        let feed = feedHostile(Array(accepted.utf8))
        #expect(feed.error == nil)
        #expect(feed.rows == Array(repeating: [1, 2, 3], count: 5))
        #expect(feed.peakRetained < Self.constant, "held \(feed.peakRetained) bytes")
        let refused = #"{"dataframe_records":["# + Self.record(keys: 150_000) + "]}"
        let refusal = feedHostile(Array(refused.utf8))
        #expect(refusal.error?.code == .tooManyKeys)
        #expect(refusal.error?.message == "an object has more than 100000 keys, counting those of the objects it is in")
        #expect(refusal.fed < refused.utf8.count)
        #expect(refusal.peakRetained < 4 * Self.constant, "held \(refusal.peakRetained) bytes")
    }

    @Test("the keys of nested objects count together, so nesting within the depth limit cannot multiply them")
    func nestedKeys() {
        func body(levels: Int) -> String {
            let level = "{" + (0..<5_000).map { "\"k\($0)\":0" }.joined(separator: ",") + #","next":"#
            return #"{"params":"# + String(repeating: level, count: levels) + "0" + String(repeating: "}", count: levels)
                + #","instances":[[1,2,3]]}"#
        }
        let accepted = feedHostile(Array(body(levels: 19).utf8))
        #expect(accepted.error == nil && accepted.rows == [[1, 2, 3]])
        let refused = feedHostile(Array(body(levels: 30).utf8))
        #expect(refused.error?.code == .tooManyKeys)
        #expect(refused.peakRetained < 4 * Self.constant, "held \(refused.peakRetained) bytes")
    }

    @Test("inputs as columns holds each feature column's text (its own bytes), not 8 bytes a cell, and skips unknown columns")
    func inputsColumns() {
        let rowCount = 300_000
        func column(_ value: (Int) -> Int) -> String { "[" + (0..<rowCount).map { String(value($0)) }.joined(separator: ",") + "]" }
        let unknown = ((0..<20).map { "\"u\($0)\":[0,1]" } + (20..<22).map { "\"u\($0)\":" + column { $0 % 2 } }).joined(separator: ",")
        let body = #"{"inputs":{"amount":\#(column { $0 % 10 }),\#(unknown),"hour":\#(column { $0 % 7 }),"velocity":\#(column { $0 % 3 })}}"#
        let feed = feedHostile(Array(body.utf8))
        #expect(feed.error == nil)
        #expect(feed.rows.count == rowCount)
        #expect(feed.rows.enumerated().allSatisfy { index, row in row == [Double(index % 10), Double(index % 7), Double(index % 3)] })
        let features = 3 * (2 * rowCount)
        #expect(feed.peakRetained < features + Self.constant, "held \(feed.peakRetained) bytes for \(features) bytes of feature columns")
    }

    @Test("strings, keys and numbers longer than 64 KiB are refused where they start; a long run of letters is an invalid literal at once")
    func longTokens() {
        let long = String(repeating: "x", count: 200_000)
        let cases: [(prefix: String, token: String, suffix: String, code: JSONInputError.Code, says: String)] = [
            (#"{"params":{"note":"#, "\"\(long)\"", #"},"instances":[[1,2,3]]}"#, .tooLong, "a string is longer than 65536 bytes"),
            (#"{"instances":[[1,2,3]],"#, "\"\(long)\"", ":1}", .tooLong, "a key is longer than 65536 bytes"),
            (#"{"instances":[["#, "1" + String(repeating: "0", count: 200_000), ",2,3]]}", .tooLong, "a number is longer than 65536 bytes"),
            (
                #"{"instances":[["#, "t" + String(repeating: "r", count: 200_000), ",2,3]]}", .syntax,
                "invalid literal 't" + String(repeating: "r", count: 39) + "…'"
            ),
        ]
        for (prefix, token, suffix, code, says) in cases {
            let feed = feedHostile(Array((prefix + token + suffix).utf8))
            #expect(feed.error?.code == code, "\(says): \(String(describing: feed.error))")
            #expect(feed.error?.description == "body:1:\(prefix.utf8.count + 1): \(says)")
            #expect(feed.fed < prefix.utf8.count + token.utf8.count, "\(says): refused only at the token's end")
            #expect(feed.peakRetained < Self.constant, "held \(feed.peakRetained) bytes")
        }
    }
}
