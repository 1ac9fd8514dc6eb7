import Testing

@testable import Datasets

@Suite("Column selection against the header")
struct ColumnSelectionTests {
    let text = "id,a,b,c,label\nr1,1,2,3,0\nr2,4,5,6,1\n"

    @Test("by default every column but the id and the label is a feature, in file order")
    func defaults() throws {
        let parsed = try parse(text, selection: .init(id: "id", label: "label"))
        #expect(
            parsed.columns
                == SourceColumns(columnNames: ["id", "a", "b", "c", "label"], featureNames: ["a", "b", "c"], idColumn: "id", labelColumn: "label")
        )
        #expect(parsed.all.features == [1, 2, 3, 4, 5, 6])
        #expect(parsed.all.ids == ["r1", "r2"])
        #expect(parsed.all.labels == [0, 1])
    }

    @Test("without an id or label selection every column is a feature, and chunks carry no ids or labels")
    func everything() throws {
        let parsed = try parse("a,b\n1,2\n")
        #expect(parsed.columns.featureNames == ["a", "b"])
        #expect(parsed.all.ids == nil)
        #expect(parsed.all.labels == nil)
    }

    @Test("named features come in the selection's order; other columns are ignored, even when not numbers")
    func byName() throws {
        let parsed = try parse("id,a,note,b\nx,1,\"free, text\",2\ny,3,more,4\n", selection: .init(features: ["b", "a"]))
        #expect(parsed.columns.featureNames == ["b", "a"])
        #expect(parsed.all.features == [2, 1, 4, 3])
    }

    @Test("missing columns are named as missing, with the number of columns the input has")
    func unknown() {
        #expect(
            parseError(text, selection: .init(features: ["a", "nope"], id: "zzz"))
                == "t.csv: missing columns \"zzz\", \"nope\" (the input's header has 5 columns)"
        )
        #expect(parseError(text, selection: .init(label: "y")) == "t.csv: missing column \"y\" (the input's header has 5 columns)")
    }

    @Test("contradictory selections are refused")
    func contradictions() {
        #expect(parseError(text, selection: .init(id: "id", label: "id")) == "t.csv: column \"id\" cannot be both the id and the label")
        #expect(
            parseError(text, selection: .init(features: ["a", "label"], label: "label"))
                == "t.csv: column \"label\" is the label and cannot also be a feature"
        )
        #expect(parseError(text, selection: .init(features: ["a", "a"])) == "t.csv: feature column \"a\" is listed twice")
        #expect(
            parseError("id,label\nx,1\n", selection: .init(id: "id", label: "label"))
                == "t.csv: no feature columns: the input's 2 columns are all taken by the id and the label"
        )
    }

    @Test("duplicate and empty header names are errors")
    func badHeader() {
        #expect(parseError("a,b,a\n1,2,3\n") == "t.csv:1: columns 1 and 3 of the header have the same name")
        #expect(parseError("a,,b\n1,2,3\n") == "t.csv:1: column 2 of the header has no name")
        #expect(parseError("\n\na,\" \"\n") == "t.csv:3: column 2 of the header has no name")
    }

    @Test("medians must match the selected features")
    func medianCount() {
        #expect(
            parseError("a,b\n1,2\n", missing: .imputeMedian, medians: [1]) == "t.csv: 1 medians were given for 2 feature columns"
        )
    }
}
