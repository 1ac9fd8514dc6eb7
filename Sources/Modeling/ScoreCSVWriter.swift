import FileSystem
import Foundation

/// Writes `[id,]score,is_anomaly` lines through a 1 MiB buffer, to a file that appears only when complete
/// (an interrupted run leaves no half-written output) or to standard output for `-`.
///
/// Scores are printed in Swift's shortest round-trip form, so reading them back gives the same doubles.
///
/// Invariant: one user at a time; every method is blocking.
final class ScoreCSVWriter {
    private let file: AtomicFile?
    private let replacing: Bool
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 20

    /// - Parameter replacing: false makes ``commit()`` fail rather than replace a file already at `path`, even one
    ///   that appeared while the scores were being written.
    init(path: String, idColumn: String?, delimiter: UInt8, replacing: Bool = true) throws {
        file = path == "-" ? nil : try AtomicFile(destination: path, hashing: false)
        self.replacing = replacing
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

    func write(scores: UnsafeBufferPointer<Double>, ids: [String]?, threshold: Double) throws {
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

    /// Flushes and, for a file, moves it into place.
    /// - Throws: ``ModelingError`` `.io` when a file is already there and may not be replaced.
    func commit() throws {
        try flush()
        guard let file else { return }
        let refused: FileSystemError
        do throws(FileSystemError) {
            try file.commit(replacing: replacing)
            return
        } catch {
            refused = error
        }
        guard refused.code == EEXIST, !replacing else { throw refused }
        throw ModelingError(.io, "\(file.destination) already exists and is not replaced without overwrite: true")
    }

    func discard() {
        file?.discard()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { bytes in
            if let file {
                try file.write(bytes)
            } else {
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(1, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw FileSystemError("cannot write to standard output")
                    }
                    offset += written
                }
            }
        }
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
