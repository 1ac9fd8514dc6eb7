import Testing

@testable import Datasets

@Suite("Missing values under each policy")
struct MissingValueTests {
    /// Row 2 has an empty cell, row 3 NaN, row 4 NA, row 5 null, row 6 nan; rows 1 and 7 are complete.
    let text = "id,a,b\nr1,1,10\nr2,,20\nr3,3,NaN\nr4,NA,40\nr5,5,null\nr6,nan,60\nr7,7,70\n"
    let selection = ColumnSelection(id: "id")

    @Test("error: the first missing cell is reported with its place and how to accept it")
    func errorPolicy() {
        #expect(
            parseError(text, selection: selection, missing: .error)
                == "t.csv:3:2: missing value in column \"a\"; use the skip or impute-median missing-value policy to drop or fill such rows"
        )
        #expect(parseError("a,b\n1,\"\"\n").hasPrefix("t.csv:2:2: missing value in column \"b\""))
        #expect(parseError("a,b\n1, \n").hasPrefix("t.csv:2:2: missing value in column \"b\""))
    }

    @Test("skip: rows with a missing feature are dropped and counted")
    func skipPolicy() throws {
        let parsed = try parse(text, selection: selection, missing: .skip)
        #expect(parsed.all.ids == ["r1", "r7"])
        #expect(parsed.all.features == [1, 10, 7, 70])
        #expect(parsed.skipped == 5)
        #expect(try parse(text, cuts: [9, 30, 31], selection: selection, missing: .skip, maxRows: 1).all == parsed.all)
    }

    @Test("skip still refuses cells that are not numbers, in dropped rows too")
    func skipStillChecks() {
        #expect(parseError("a,b\n,x\n", missing: .skip) == "t.csv:2:2: the cell is not a number (column \"b\")")
    }

    @Test("impute-median with given medians fills them in")
    func imputeGiven() throws {
        let parsed = try parse(text, selection: selection, missing: .imputeMedian, medians: [-1, -2])
        #expect(parsed.all.features == [1, 10, -1, 20, 3, -2, -1, 40, 5, -2, -1, 60, 7, 70])
        #expect(parsed.skipped == 0)
    }

    @Test("impute-median without medians leaves NaN for Dataset.load to fill")
    func imputeLater() throws {
        let features = try parse(text, selection: selection, missing: .imputeMedian).all.features
        #expect(features.filter(\.isNaN).count == 5)
        #expect(features[2].isNaN)
    }

    @Test("missing ids are empty strings; a quoted empty feature is missing too")
    func missingIDs() throws {
        let parsed = try parse("id,a\n,1\n\"\",\"\"\n", selection: selection, missing: .imputeMedian, medians: [9])
        #expect(parsed.all.ids == ["", ""])
        #expect(parsed.all.features == [1, 9])
    }
}
