import Testing

@testable import Datasets

@Suite("CSV parsing: RFC 4180 quoting, line ends, buffers split anywhere")
struct CSVParserTests {
    /// Quotes with delimiters, doubled quotes and line breaks inside, CRLF and LF, a quoted number, a BOM,
    /// a blank line, and a last line without a line break.
    static let tricky =
        "\u{FEFF}\"id\",x,\"y\"\r\n" + "\"a,b\",1.5,-2\r\n" + "\"say \"\"hi\"\"\",\"3\",4e2\n" + "\n" + "\"multi\nline\",.5,5.\r\n"
        + "\"cr\r\nlf\",\"-0.25\",1e-3\n" + "\"\",7,8"

    static let trickyIDs = ["a,b", "say \"hi\"", "multi\nline", "cr\r\nlf", ""]
    static let trickyFeatures: [Double] = [1.5, -2, 3, 400, 0.5, 5, -0.25, 0.001, 7, 8]

    @Test("quoted fields, doubled quotes, delimiters and line breaks inside quotes, CRLF, BOM, blank line, no final newline")
    func quoting() throws {
        let parsed = try parse(Self.tricky, selection: .init(id: "id"))
        #expect(parsed.columns.columnNames == ["id", "x", "y"])
        #expect(parsed.columns.featureNames == ["x", "y"])
        let all = parsed.all
        #expect(all.rowCount == 5)
        #expect(all.ids == Self.trickyIDs)
        #expect(all.features == Self.trickyFeatures)
    }

    @Test("the tricky file split into two buffers at every byte position parses the same")
    func everySplit() throws {
        let bytes = Array(Self.tricky.utf8)
        let whole = try parse(bytes: bytes, selection: .init(id: "id")).all
        for cut in 1..<bytes.count {
            let split = try parse(bytes: bytes, cuts: [cut], selection: .init(id: "id")).all
            #expect(split == whole, "split at \(cut)")
        }
    }

    @Test("one byte at a time, and random pieces with small chunks, parse the same")
    func manySplits() throws {
        let bytes = Array(Self.tricky.utf8)
        let whole = try parse(bytes: bytes, selection: .init(id: "id")).all
        #expect(try parse(bytes: bytes, cuts: Array(1..<bytes.count), selection: .init(id: "id")).all == whole)
        var random = SeededGenerator(state: 7)
        for _ in 0..<300 {
            let cuts = (0..<Int.random(in: 1...6, using: &random)).map { _ in Int.random(in: 1..<bytes.count, using: &random) }
            let maxRows = Int.random(in: 1...3, using: &random)
            let parsed = try parse(bytes: bytes, cuts: cuts, selection: .init(id: "id"), maxRows: maxRows)
            #expect(parsed.all == whole, "cuts \(cuts.sorted()), maxRows \(maxRows)")
            #expect(parsed.chunks.allSatisfy { $0.rowCount <= maxRows })
        }
    }

    @Test("CRLF line ends throughout, with and without a final one")
    func crlf() throws {
        let expected: [Double] = [1, 2, 3, 4]
        #expect(try parse("a,b\r\n1,2\r\n3,4\r\n").all.features == expected)
        #expect(try parse("a,b\r\n1,2\r\n3,4").all.features == expected)
        #expect(try parse("a,b\r\n1,2\r\n3,4\r").all.features == expected)
        #expect(try parse("a\r\n1\r\n", selection: .init(features: ["a"])).all.features == [1])
    }

    @Test("a byte order mark is dropped, also when split across buffers and before a quoted name")
    func byteOrderMark() throws {
        let text = "\u{FEFF}\"first\nname\",b\n1,2\n"
        for cut in 0..<6 {
            let parsed = try parse(text, cuts: [cut])
            #expect(parsed.columns.columnNames == ["first\nname", "b"])
            #expect(parsed.all.features == [1, 2])
        }
        #expect(try parse("\u{FEFF}1,2\n", format: .init(hasHeader: false)).all.features == [1, 2])
    }

    @Test("a last line without a line break, plain and quoted")
    func noTrailingNewline() throws {
        #expect(try parse("a,b\n1,2").all.features == [1, 2])
        #expect(try parse("id,b\n\"x\",2", selection: .init(id: "id")).all.ids == ["x"])
        #expect(try parse("b,id\n2,\"x\"", selection: .init(id: "id")).all.ids == ["x"])
        #expect(try parse("b,id\n2,\"x\"\"\"", selection: .init(id: "id")).all.ids == ["x\""])
    }

    @Test("semicolon and tab delimiters", arguments: [UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")])
    func delimiters(_ delimiter: UInt8) throws {
        let d = String(UnicodeScalar(delimiter))
        let text = "id\(d)x\(d)y\n\"a\(d)b\"\(d)1.5\(d)2\n"
        let parsed = try parse(text, format: .init(delimiter: delimiter), selection: .init(id: "id"))
        #expect(parsed.all.ids == ["a\(d)b"])
        #expect(parsed.all.features == [1.5, 2])
        #expect(try parse("a,b\(d)c\n1\(d)2\n", format: .init(delimiter: delimiter)).columns.columnNames == ["a,b", "c"])
    }

    @Test("delimiters that cannot work are refused", arguments: ["\"", "\n", "\r", ".", "-", "e", "5"])
    func badDelimiters(_ delimiter: String) {
        #expect(throws: DatasetError.self) {
            try CSVParser(format: .init(delimiter: Array(delimiter.utf8)[0]), sourceName: "t.csv")
        }
    }

    @Test("without a header the columns are c1…cN and the first row is data")
    func headerless() throws {
        let parsed = try parse("1,2,3\n4,5,6\n", format: .init(hasHeader: false))
        #expect(parsed.columns.columnNames == ["c1", "c2", "c3"])
        #expect(parsed.all.features == [1, 2, 3, 4, 5, 6])
        let selected = try parse("a,1,0\nb,2,1\n", format: .init(hasHeader: false), selection: .init(id: "c1", label: "c3"))
        #expect(selected.all.ids == ["a", "b"])
        #expect(selected.all.features == [1, 2])
        #expect(selected.all.labels == [0, 1])
        #expect(try parse("7,8", format: .init(hasHeader: false)).all.features == [7, 8])
        #expect(parseError("1,2\n3\n", format: .init(hasHeader: false)) == "t.csv:2: this row has 1 fields but the first row has 2")
    }

    @Test("blank lines are skipped and still counted as lines")
    func blankLines() throws {
        #expect(try parse("\n\na,b\n\n1,2\r\n\r\n3,4\n\n").all.features == [1, 2, 3, 4])
        #expect(parseError("\na,b\n\n1,2\n\nx,4\n") == "t.csv:6:1: the cell is not a number (column \"a\")")
    }

    @Test("with a single column a blank line is an empty cell, as COPY writes NULL")
    func singleColumnBlankLines() throws {
        let text = "\na\n1\n\n\r\n2\n"
        #expect(
            parseError(text)
                == "t.csv:4:1: missing value in column \"a\"; use the skip or impute-median missing-value policy to drop or fill such rows"
        )
        let parsed = try parse(text, missing: .imputeMedian, medians: [9])
        #expect(parsed.all.features == [1, 9, 9, 2])
        for cut in 1..<text.utf8.count {
            #expect(try parse(text, cuts: [cut], missing: .imputeMedian, medians: [9]).all == parsed.all)
        }
    }

    @Test("spaces around numbers are allowed; a quote inside an unquoted field is text")
    func lenientCells() throws {
        #expect(try parse("a,b\n 1 ,\t2\n").all.features == [1, 2])
        #expect(try parse("id,b\nab\"c,2\n", selection: .init(id: "id")).all.ids == ["ab\"c"])
    }

    @Test("labels: numbers, true/false and t/f")
    func labels() throws {
        let parsed = try parse("x,y\n1,0\n2,1.0\n3,true\n4,FALSE\n5,t\n6,f\n7,\"1\"\n", selection: .init(label: "y"))
        #expect(parsed.all.labels == [0, 1, 1, 0, 1, 0, 1])
        #expect(parsed.all.features == [1, 2, 3, 4, 5, 6, 7])
    }

    @Test("maxRows bounds every chunk, and the chunks join to the whole")
    func chunking() throws {
        let text = "id,x\n" + (0..<100).map { "r\($0),\($0)\n" }.joined()
        let whole = try parse(text, selection: .init(id: "id")).all
        for maxRows in [1, 7, 50, 99, 100, 101] {
            let parsed = try parse(text, cuts: [13, 200, 201, 555], selection: .init(id: "id"), maxRows: maxRows)
            #expect(parsed.chunks.dropLast().allSatisfy { $0.rowCount == maxRows })
            #expect(parsed.chunks.last!.rowCount == 100 - (parsed.chunks.count - 1) * maxRows)
            #expect(parsed.all == whole)
        }
        #expect(whole.features == (0..<100).map(Double.init))
    }

    @Test("maxRows 0 reads only the header")
    func headerOnlyParse() throws {
        var parser = try CSVParser(sourceName: "t.csv")
        let bytes = Array("a,b\n1,2\n".utf8)
        let consumed = try bytes.withUnsafeBytes { try parser.parse($0, maxRows: 0) }
        #expect(consumed == 4)
        #expect(parser.columns?.columnNames == ["a", "b"])
        #expect(parser.pendingRowCount == 0)
    }
}

extension CSVParserTests {
    @Test("random fields with quotes, delimiters and line breaks survive quoting, line ends and random cuts")
    func randomRoundTrip() throws {
        var random = SeededGenerator(state: 11)
        let alphabet: [Character] = ["a", "b", " ", ",", "\"", "\n", "\r", "é", ";", "1"]
        for _ in 0..<200 {
            let rowCount = Int.random(in: 0...8, using: &random)
            var ids: [String] = []
            var values: [Double] = []
            var text = "id,x\r\n"
            for _ in 0..<rowCount {
                let id = String((0..<Int.random(in: 0...6, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
                let value = Double(Int.random(in: -1_000...1_000, using: &random)) / 8
                ids.append(id)
                values.append(value)
                let needsQuotes = id.utf8.contains { Array(",\"\n\r".utf8).contains($0) } || Bool.random(using: &random)
                let field = needsQuotes ? "\"" + id.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : id
                text += field + "," + (Bool.random(using: &random) ? "\"\(value)\"" : "\(value)")
                text += Bool.random(using: &random) ? "\r\n" : "\n"
            }
            if Bool.random(using: &random), text.hasSuffix("\n") {
                text.removeLast()
            }
            let bytes = Array(text.utf8)
            let cuts = (0..<Int.random(in: 0...4, using: &random)).map { _ in Int.random(in: 0...max(1, bytes.count), using: &random) }
            let parsed = try parse(bytes: bytes, cuts: cuts, selection: .init(id: "id"), maxRows: Int.random(in: 1...4, using: &random)).all
            #expect(parsed.ids == ids, "\(text.debugDescription) cut at \(cuts)")
            #expect(parsed.features == values)
        }
    }
}
