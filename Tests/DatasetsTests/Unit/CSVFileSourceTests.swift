import Testing

@testable import Datasets

@Suite("CSV files: plain and gzip, chunked")
struct CSVFileSourceTests {
    /// 30,000 rows (about 1.3 MB, so more than one read buffer) with quoted ids holding delimiters and
    /// line breaks, and a missing cell every 1,000 rows.
    static let bigText: String = {
        var text = "id,x,y,label\n"
        for row in 0..<30_000 {
            let id = row % 3 == 0 ? "\"row, \(row)\nwith \"\"quotes\"\"\"" : "r\(row)"
            let y = row % 1_000 == 999 ? "" : "\(Double(row) * 0.001 - 7.25)"
            text += "\(id),\(row),\(y),\(row % 2)\n"
        }
        return text
    }()

    let selection = ColumnSelection(id: "id", label: "label")

    @Test("a plain file read in chunks equals the whole input parsed at once")
    func plainFile() throws {
        let files = try ScratchFiles()
        let path = try files.write("big.csv", Self.bigText)
        let expected = try parse(Self.bigText, selection: selection, missing: .skip).all
        let source = try CSVFileSource(path: path, selection: selection, missing: .skip)
        #expect(source.featureNames == ["x", "y"])
        #expect(source.idColumn == "id")
        #expect(source.labelColumn == "label")
        let chunks = try readAll(source, maxRows: 4_096)
        #expect(chunks.dropLast().allSatisfy { $0.rowCount == 4_096 })
        #expect(chunks.reduce(0) { $0 + $1.rowCount } == 29_970)
        #expect(chunks.flatMap(\.features) == expected.features)
        #expect(chunks.flatMap { $0.ids! } == expected.ids)
        #expect(chunks.flatMap { $0.labels! } == expected.labels)
        #expect(source.rowsRead == 29_970)
        #expect(source.rowsSkipped == 30)
        #expect(try source.nextChunk(maxRows: 10) == nil)
    }

    @Test("gzip input is recognised by its magic bytes, whatever the file is called")
    func gzipFile() throws {
        let files = try ScratchFiles()
        let expected = try parse(Self.bigText, selection: selection, missing: .skip).all
        for name in ["big.csv.gz", "big.csv"] {
            let path = try files.gzip(name, Self.bigText)
            let chunks = try readAll(try CSVFileSource(path: path, selection: selection, missing: .skip), maxRows: 10_000)
            #expect(chunks.flatMap(\.features) == expected.features)
            #expect(chunks.flatMap { $0.ids! } == expected.ids)
        }
        let plainNamedGz = try files.write("plain.gz", "a\n1\n")
        #expect(try readAll(try CSVFileSource(path: plainNamedGz), maxRows: 10).first?.features == [1])
    }

    @Test("concatenated gzip members read as one file, even when a member ends inside a row")
    func multiMember() throws {
        let files = try ScratchFiles()
        let text = "id,x\n\"a\nb\",1\nc,2\nd,3\n"
        let cut = text.utf8.count - 5
        let first = try files.read(try files.gzip("1.gz", String(decoding: Array(text.utf8)[..<cut], as: UTF8.self)))
        let second = try files.read(try files.gzip("2.gz", String(decoding: Array(text.utf8)[cut...], as: UTF8.self)))
        let joined = try files.write("joined.csv.gz", bytes: first + second)
        let chunk = try #require(try CSVFileSource(path: joined, selection: .init(id: "id")).nextChunk(maxRows: 100))
        #expect(chunk.ids == ["a\nb", "c", "d"])
        #expect(chunk.features == [1, 2, 3])
    }

    @Test("damaged and truncated gzip files fail with a clear error")
    func corruptGzip() throws {
        let files = try ScratchFiles()
        let good = try files.read(try files.gzip("good.gz", Self.bigText))
        func failure(_ name: String, _ bytes: [UInt8]) throws -> DatasetError {
            let path = try files.write(name, bytes: bytes)
            return try #require(throws: DatasetError.self) {
                _ = try readAll(try CSVFileSource(path: path, selection: selection, missing: .skip), maxRows: 1_000)
            }
        }
        // A compression method other than deflate fails at once; a wrong checksum only after the last byte.
        var badMethod = good
        badMethod[2] = 7
        var badChecksum = good
        badChecksum[good.count - 6] ^= 0xFF
        for (name, bytes) in [("method.csv.gz", badMethod), ("checksum.csv.gz", badChecksum)] {
            let error = try failure(name, bytes)
            #expect(error.code == .io)
            #expect(error.description.hasPrefix("\(files.path)/\(name): the gzip data is damaged"), "\(error)")
        }
        let truncated = try failure("truncated.csv.gz", Array(good.prefix(good.count / 2)))
        #expect(truncated.description == "\(files.path)/truncated.csv.gz: the gzip data is truncated")
    }

    @Test("an empty file is an error; a header-only file has no rows")
    func emptyAndHeaderOnly() throws {
        let files = try ScratchFiles()
        let empty = try files.write("empty.csv", "")
        #expect(throws: DatasetError.self) { try CSVFileSource(path: empty) }
        let error = try #require(throws: DatasetError.self) { try CSVFileSource(path: empty) }
        #expect(error.description == "\(empty): the input is empty; expected a header row")
        #expect(error.code == .emptyInput)

        let headerOnly = try files.write("header.csv", "a,b,label\n")
        let source = try CSVFileSource(path: headerOnly, selection: .init(label: "label"))
        #expect(source.featureNames == ["a", "b"])
        #expect(try source.nextChunk(maxRows: 10) == nil)
        #expect(source.rowsRead == 0)
        let gzipped = try files.gzip("header.csv.gz", "a,b\n")
        #expect(try CSVFileSource(path: gzipped).nextChunk(maxRows: 10) == nil)
    }

    @Test("a missing file names the path and the reason")
    func missingFile() {
        let error = #expect(throws: DatasetError.self) { try CSVFileSource(path: "/nonexistent/data.csv") }
        #expect(error?.description == "/nonexistent/data.csv: cannot open the file: No such file or directory")
    }

    @Test("headerless files without a final line break, and errors naming the path")
    func headerlessFile() throws {
        let files = try ScratchFiles()
        let path = try files.write("h.csv", "1,2\n3,4")
        let source = try CSVFileSource(path: path, format: .init(hasHeader: false))
        #expect(source.columns.columnNames == ["c1", "c2"])
        #expect(try readAll(source, maxRows: 1).map(\.features) == [[1, 2], [3, 4]])
        let bad = try files.write("bad.csv", "a,b\n1,2\n3,oops\n")
        let error = try #require(throws: DatasetError.self) { _ = try readAll(try CSVFileSource(path: bad), maxRows: 10) }
        #expect(error.description == "\(bad):3:2: the cell is not a number (column \"b\")")
    }
}
