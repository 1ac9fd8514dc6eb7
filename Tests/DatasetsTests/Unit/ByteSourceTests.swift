import Foundation
import TestSupport
import Testing

@testable import Datasets

/// A reference that does not keep its object alive, to see when the last owner let go.
struct Weak<Object: AnyObject>: @unchecked Sendable {
    weak var value: Object?
    init(_ value: Object) { self.value = value }
}

/// Bytes handed out a few at a time, as a download delivers them; it throws `failure` after `failAfter` bytes.
final class PieceSource: ByteSource, @unchecked Sendable {
    private var rest: ArraySlice<UInt8>
    private var handedOut = 0
    private let piece: Int
    private let failAfter: Int?
    struct Failure: Error, CustomStringConvertible {
        var description: String { "the download was cut off" }
    }

    init(_ bytes: [UInt8], piece: Int = 7_777, failAfter: Int? = nil) {
        rest = bytes[...]
        self.piece = piece
        self.failAfter = failAfter
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var count = min(buffer.count, piece, rest.count)
        if let failAfter {
            if handedOut >= failAfter { throw Failure() }
            count = min(count, failAfter - handedOut)
        }
        buffer.copyBytes(from: rest.prefix(count))
        rest = rest.dropFirst(count)
        handedOut += count
        return count
    }
}

@Suite("CSV from a ByteSource: a download read as it arrives, plain or gzip, its failures reported as they are")
struct ByteSourceTests {
    let selection = ColumnSelection(id: "id", label: "label")

    @Test("plain and gzip bytes read exactly as the same file does, the name standing in for the path")
    func sameAsFile() throws {
        let files = try ScratchFiles()
        let expected = try parse(CSVFileSourceTests.bigText, selection: selection, missing: .skip).all
        let plain = Array(CSVFileSourceTests.bigText.utf8)
        let gzipped = try files.read(try files.gzip("big.csv.gz", CSVFileSourceTests.bigText))
        for bytes in [plain, gzipped] {
            let source = try CSVFileSource(source: PieceSource(bytes), name: "s3://inbox/big.csv", selection: selection, missing: .skip)
            #expect(source.path == "s3://inbox/big.csv")
            let chunks = try readAll(source, maxRows: 4_096)
            #expect(chunks.flatMap(\.features) == expected.features)
            #expect(chunks.flatMap { $0.ids! } == expected.ids)
        }
        // One byte at a time: the gzip magic number needs two.
        let tiny = try files.read(try files.gzip("tiny.gz", "a\n1\n2\n"))
        #expect(try readAll(try CSVFileSource(source: PieceSource(tiny, piece: 1), name: "t"), maxRows: 10).flatMap(\.features) == [1, 2])
    }

    @Test(
        "a source that fails part-way fails the read with its own error, never a short success or a gzip complaint",
        arguments: [false, true]
    )
    func failures(gzip: Bool) throws {
        let files = try ScratchFiles()
        let text = CSVFileSourceTests.bigText
        let bytes = gzip ? try files.read(try files.gzip("big.gz", text)) : Array(text.utf8)
        for cut in [bytes.count / 3, bytes.count - 1] {
            let error = #expect(throws: PieceSource.Failure.self) {
                _ = try readAll(
                    try CSVFileSource(source: PieceSource(bytes, failAfter: cut), name: "s3://inbox/big.csv", selection: selection, missing: .skip),
                    maxRows: 4_096
                )
            }
            #expect(error != nil, "cut at \(cut) of \(bytes.count)")
        }
    }

    @Test("gzip members that end exactly where the source fails: the failure still wins")
    func failureAtMemberBoundary() throws {
        let files = try ScratchFiles()
        let first = try files.read(try files.gzip("1.gz", "id,x\na,1\n"))
        let second = try files.read(try files.gzip("2.gz", "b,2\n"))
        let source = PieceSource(first + second, failAfter: first.count)
        #expect(throws: PieceSource.Failure.self) {
            _ = try readAll(try CSVFileSource(source: source, name: "t", selection: .init(id: "id")), maxRows: 10)
        }
        let whole = try readAll(try CSVFileSource(source: PieceSource(first + second), name: "t", selection: .init(id: "id")), maxRows: 10)
        #expect(whole.flatMap(\.features) == [1, 2])
    }

    @Test("a reader that stops early releases the gzip pump without a SIGPIPE ending the process")
    func abandonedEarly() async throws {
        let files = try ScratchFiles()
        let bytes = try files.read(try files.gzip("big.gz", CSVFileSourceTests.bigText))
        var pieces: [Weak<PieceSource>] = []
        for _ in 0..<5 {
            let piece = PieceSource(bytes)
            pieces.append(Weak(piece))
            let source = try CSVFileSource(source: piece, name: "t", selection: selection, missing: .skip)
            _ = try source.nextChunk(maxRows: 10)
        }
        // The pumps write into pipes whose readers are gone. A pump holds its source until its thread ends, so once
        // every source is released every pump has met the closed pipe (and a SIGPIPE would have ended the process).
        try await waitFor(timeout: .seconds(60)) { pieces.allSatisfy { $0.value == nil } }
        #expect(try readAll(try CSVFileSource(source: PieceSource(Array("a\n1\n".utf8)), name: "t"), maxRows: 10).count == 1)
    }
}
