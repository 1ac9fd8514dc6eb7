import Foundation
import TestSupport
import Testing

@testable import Datasets

/// What parsing a whole input produced.
struct Parsed {
    var columns: SourceColumns
    var chunks: [RowChunk]
    var skipped: Int

    /// Every chunk joined into one.
    var all: RowChunk {
        var joined = RowChunk(rowCount: 0, featureCount: columns.featureNames.count, features: [])
        joined.ids = columns.idColumn == nil ? nil : []
        joined.labels = columns.labelColumn == nil ? nil : []
        for chunk in chunks {
            joined.rowCount += chunk.rowCount
            joined.features += chunk.features
            if let ids = chunk.ids { joined.ids! += ids }
            if let labels = chunk.labels { joined.labels! += labels }
        }
        return joined
    }
}

/// Parses `text` fed to the parser in the given pieces (cut at `cuts`, byte offsets), taking a chunk whenever
/// `maxRows` rows are pending, as the sources do.
func parse(
    _ text: String,
    cuts: [Int] = [],
    format: CSVFormat = .init(),
    selection: ColumnSelection = .init(),
    missing: MissingValuePolicy = .error,
    medians: [Double]? = nil,
    maxRows: Int = 1_000
) throws -> Parsed {
    try parse(bytes: Array(text.utf8), cuts: cuts, format: format, selection: selection, missing: missing, medians: medians, maxRows: maxRows)
}

func parse(
    bytes: [UInt8],
    cuts: [Int] = [],
    format: CSVFormat = .init(),
    selection: ColumnSelection = .init(),
    missing: MissingValuePolicy = .error,
    medians: [Double]? = nil,
    maxRows: Int = 1_000
) throws -> Parsed {
    var parser = try CSVParser(format: format, selection: selection, missing: missing, medians: medians, sourceName: "t.csv")
    var chunks: [RowChunk] = []
    let bounds = [0] + cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]
    for (start, end) in zip(bounds, bounds.dropFirst()) where start < end {
        // Each piece in a buffer of its own, so nothing can read past it.
        let piece = Array(bytes[start..<end])
        var offset = 0
        while offset < piece.count {
            offset += try piece.withUnsafeBytes { try parser.parse(UnsafeRawBufferPointer(rebasing: $0[offset...]), maxRows: maxRows) }
            if parser.pendingRowCount >= maxRows { chunks.append(parser.takeChunk()) }
        }
    }
    while true {
        let done = try parser.finish(maxRows: maxRows)
        if parser.pendingRowCount > 0 { chunks.append(parser.takeChunk()) }
        if done { break }
    }
    return Parsed(columns: try #require(parser.columns), chunks: chunks, skipped: parser.rowsSkipped)
}

/// The error parsing `text` throws, as text.
func parseError(
    _ text: String,
    format: CSVFormat = .init(),
    selection: ColumnSelection = .init(),
    missing: MissingValuePolicy = .error,
    medians: [Double]? = nil
) -> String {
    do {
        let parsed = try parse(text, format: format, selection: selection, missing: missing, medians: medians)
        return "no error: \(parsed.all)"
    } catch {
        return "\(error)"
    }
}

/// A folder of files for one test, removed afterwards.
final class ScratchFiles {
    let path = "/tmp/" + TestEnvironment.uniqueName("datasets-test")

    init() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Compresses `text` with the system's gzip into `name`.
    @discardableResult
    func gzip(_ name: String, _ text: String) throws -> String {
        let plain = try write(name + ".plain", text)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-f", plain]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ScratchError(description: "gzip failed") }
        let file = path + "/" + name
        try FileManager.default.moveItem(atPath: plain + ".gz", toPath: file)
        return file
    }

    func read(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    }
}

struct ScratchError: Error, CustomStringConvertible {
    let description: String
}

/// A reproducible random source (SplitMix64), so a failing property test fails the same way again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Reads every chunk of a file source.
func readAll(_ source: CSVFileSource, maxRows: Int) throws -> [RowChunk] {
    var chunks: [RowChunk] = []
    while let chunk = try source.nextChunk(maxRows: maxRows) { chunks.append(chunk) }
    return chunks
}
