import FileSystem
import Foundation

/// Writes `[id,]score,is_anomaly` lines through a 1 MiB buffer into a ``ScoreByteSink``: a file that appears only
/// when complete (an interrupted run leaves no half-written output), standard output for `-`, or an object uploaded as
/// it is written.
///
/// Scores are printed in Swift's shortest round-trip form, so reading them back gives the same doubles.
///
/// Invariant: one user at a time; every method is blocking.
package final class ScoreCSVWriter: ScoreDestination, @unchecked Sendable {
    private let sink: any ScoreByteSink
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 20

    /// Starts the CSV with its header.
    package init(sink: any ScoreByteSink, idColumn: String?, delimiter: UInt8 = UInt8(ascii: ",")) {
        self.sink = sink
        self.delimiter = delimiter
        buffer.reserveCapacity(Self.flushAt + 4096)
        if let idColumn {
            appendField(idColumn)
            buffer.append(delimiter)
        }
        buffer.append(contentsOf: "score".utf8)
        buffer.append(delimiter)
        buffer.append(contentsOf: "is_anomaly\n".utf8)
    }

    /// Writes to the file `path` (its folder created if missing), or to standard output for `-`. A device, FIFO or
    /// socket at `path` is written in place and a folder is refused (``FileSystem/OutputTarget``).
    /// - Parameter replacing: false makes ``commit()`` fail rather than replace a regular file already at `path`,
    ///   even one that appeared while the scores were being written.
    package convenience init(path: String, idColumn: String?, delimiter: UInt8, replacing: Bool = true) throws {
        let sink: any ScoreByteSink =
            path == "-" ? StandardOutputSink() : ScoreFileSink(try OutputFile(path: path, hashing: false), replacing: replacing)
        self.init(sink: sink, idColumn: idColumn, delimiter: delimiter)
    }

    package func write(scores: UnsafeBufferPointer<Double>, ids: [String]?, threshold: Double) throws {
        for row in 0..<scores.count {
            if let ids {
                appendField(ids[row])
                buffer.append(delimiter)
            }
            let score = scores[row]
            buffer.append(contentsOf: score.description.utf8)
            buffer.append(delimiter)
            buffer.append(score > threshold ? UInt8(ascii: "1") : UInt8(ascii: "0"))
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= Self.flushAt { try flush() }
        }
    }

    /// Flushes and makes the sink's content appear.
    /// - Throws: ``ModelingError`` `.io` when a file is already there and may not be replaced; the sink's errors.
    package func commit() throws {
        try flush()
        try sink.commit()
    }

    package func discard() {
        buffer.removeAll()
        sink.discard()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// RFC 4180: quote a field holding the delimiter, a quote or a line break, doubling inner quotes.
    private func appendField(_ value: String) {
        let utf8 = value.utf8
        let needsQuotes = utf8.contains { $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            buffer.append(contentsOf: utf8)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for byte in utf8 {
            buffer.append(byte)
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
