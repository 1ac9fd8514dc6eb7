import Testing

@testable import Datasets

@Suite("Parse errors name file:line:column")
struct ParseErrorTests {
    @Test("rows with too many or too few fields")
    func raggedRows() {
        #expect(parseError("a,b,c\n1,2,3\n4,5,6,7\n") == "t.csv:3: this row has 4 fields but the header has 3")
        #expect(parseError("a,b,c\n1,2,3\n4,5\n") == "t.csv:3: this row has 2 fields but the header has 3")
        #expect(parseError("a,b,c\n1,2,3\n4,5") == "t.csv:3: this row has 2 fields but the header has 3")
        #expect(parseError("a,b\n1,2,\"x\ny\",3\n") == "t.csv:2: this row has 4 fields but the header has 2")
    }

    @Test("a cell that is not a number")
    func notANumber() {
        #expect(parseError("f1,f2\n1,2\n3,abc\n") == "t.csv:3:2: the cell is not a number (column \"f2\")")
        #expect(parseError("f1,f2\n1,0x1p3\n") == "t.csv:2:2: the cell is not a number (column \"f2\")")
        #expect(parseError("f1,f2\n1e,2\n") == "t.csv:2:1: the cell is not a number (column \"f1\")")
        #expect(parseError("f1,f2\n\"1\n\",2\n") == "t.csv:2:1: the cell is not a number (column \"f1\")")
    }

    @Test("lines count the line breaks inside quoted fields")
    func physicalLines() {
        let text = "id,x\n\"a\nb\nc\",1\n\"d\",2\n\"e\",zz\n"
        let error = parseError(text, selection: .init(id: "id"))
        #expect(error == "t.csv:6:2: the cell is not a number (column \"x\")")
        #expect(parseError("id,x,y\n\"a\nb\",1,\"2\n\"\n", selection: .init(id: "id")) == "t.csv:3:3: the cell is not a number (column \"y\")")
        // The same error wherever the buffers are cut.
        for cut in 1..<text.utf8.count {
            #expect(throws: DatasetError.self) { try parse(text, cuts: [cut], selection: .init(id: "id")) }
        }
    }

    @Test("infinities are refused as not finite", arguments: ["inf", "-inf", "+Inf", "Infinity", "-INFINITY", "1e400", "-1e999"])
    func notFinite(_ cell: String) {
        #expect(parseError("a,b\n1,\(cell)\n") == "t.csv:2:2: the cell is not a finite number (column \"b\")")
    }

    @Test("labels: missing, not finite, not a label")
    func badLabels() {
        let selection = ColumnSelection(label: "label")
        #expect(parseError("x,label\n1,0\n2,\n", selection: selection) == "t.csv:3:2: missing label (column \"label\"); every row needs one")
        #expect(parseError("x,label\n1,NaN\n", selection: selection) == "t.csv:2:2: missing label (column \"label\"); every row needs one")
        #expect(parseError("x,label\n1,inf\n", selection: selection) == "t.csv:2:2: the cell is not a finite number (column \"label\")")
        #expect(
            parseError("x,label\n1,yes\n", selection: selection)
                == "t.csv:2:2: the cell is not a label (column \"label\"); labels are numbers such as 0 and 1, or true and false"
        )
    }

    @Test("malformed quoting")
    func badQuotes() {
        #expect(parseError("a,b\n1,\"2\n") == "t.csv:2:2: the quoted field that starts here is never closed")
        #expect(
            parseError("a,b\n1,\"2\"x\n")
                == "t.csv:2:2: unexpected character after the closing quote of a field; a quote inside a quoted field must be doubled"
        )
        #expect(parseError("\"a,b\n") == "t.csv:1:1: the quoted field that starts here is never closed")
    }

    @Test("the first error wins, and errors carry their parts")
    func errorParts() throws {
        let error = try #require(throws: DatasetError.self) { try parse("a,b\n1,2\n3,x\n4,y\n") }
        #expect(error.code == .invalidValue)
        #expect(error.source == "t.csv")
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.message == "the cell is not a number (column \"b\")")
    }

    @Test("an empty input has no header")
    func empty() {
        #expect(parseError("") == "t.csv: the input is empty; expected a header row")
        #expect(parseError("\u{FEFF}") == "t.csv: the input is empty; expected a header row")
        #expect(parseError("\n\r\n\n") == "t.csv: the input is empty; expected a header row")
        #expect(parseError("", format: .init(hasHeader: false)) == "t.csv: the input is empty")
    }

    @Test("a header-only input has zero rows")
    func headerOnly() throws {
        for text in ["a,b\n", "a,b", "a,b\r\n\n"] {
            let parsed = try parse(text)
            #expect(parsed.columns.columnNames == ["a", "b"])
            #expect(parsed.all.rowCount == 0)
        }
    }
}

@Suite("Parse errors never quote the input")
struct InputFreeErrorTests {
    /// What a scoring run pointed at the wrong object would read: a credentials file, a dump's first line.
    static let secret = "AKIAIOSFODNN7EXAMPLE"

    @Test(
        "the header's text and the cells' text stay out of every message",
        arguments: [
            // A first line that is not the model's columns: the error names the missing column, not the line.
            ("\(secret),wJalrXUtnFEMI\n1,2\n", ColumnSelection(features: ["amount", "hour"]), "missing columns \"amount\", \"hour\""),
            ("\(secret)\n", ColumnSelection(id: "id"), "missing column \"id\" (the input's header has 1 column)"),
            ("\(secret),\(secret)\n1,2\n", ColumnSelection(), "columns 1 and 2 of the header have the same name"),
            ("amount\n\(secret)\n", ColumnSelection(), "t.csv:2:1: the cell is not a number (column \"amount\")"),
            ("amount,label\n1,\(secret)\n", ColumnSelection(label: "label"), "the cell is not a label"),
            ("amount\n\"\(secret)\"x\n", ColumnSelection(), "unexpected character after the closing quote"),
        ]
    )
    func noInputInMessages(_ text: String, selection: ColumnSelection, expected: String) {
        let message = parseError(text, selection: selection)
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains(Self.secret), "\(message)")
        #expect(!message.contains("wJalrXUtnFEMI"), "\(message)")
    }
}
