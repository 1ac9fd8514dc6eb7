package import FileSystem
import Foundation

/// Where a scoring run's rows go as they are scored: a scores CSV (``ScoreCSVWriter``, into any ``ScoreByteSink``), or
/// anything else that takes rows as they come (the score kind feeds a table's COPY). Nothing is staged: a destination
/// holds at most a buffer of rows before they move on.
///
/// Invariant: one user at a time, on a thread that may block but is not one of Swift's cooperative threads (a
/// destination may wait there for work that runs on them); ``commit()`` or ``discard()`` ends it.
package protocol ScoreDestination: AnyObject, Sendable {
    /// Takes one chunk's scores, with the chunk's ids when an id column was selected. Blocking.
    func write(scores: UnsafeBufferPointer<Double>, ids: [String]?, threshold: Double) throws
    /// Makes everything written appear at once (a file moved into place, an object completed). Blocking.
    func commit() throws
    /// Drops everything written: nothing appears. Safe after ``commit()`` and more than once. Blocking.
    func discard()
}

/// Where the bytes of a scores CSV go: a file that appears when complete (``ScoreFileSink``), standard output
/// (``StandardOutputSink``), or an object uploaded as it is written.
///
/// Invariant: as ``ScoreDestination``.
package protocol ScoreByteSink: AnyObject {
    /// Blocking.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes the bytes appear. Blocking.
    func commit() throws
    /// Drops the bytes. Safe after ``commit()`` and more than once. Blocking.
    func discard()
}

/// A scores file written beside its destination and moved into place when complete, or written in place into a
/// device or FIFO (``FileSystem/OutputFile``).
package final class ScoreFileSink: ScoreByteSink {
    let file: OutputFile
    let replacing: Bool

    /// - Parameter replacing: false makes ``commit()`` fail rather than replace a regular file at the destination,
    ///   even one that appeared while the scores were being written.
    package init(_ file: OutputFile, replacing: Bool) {
        self.file = file
        self.replacing = replacing
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws { try file.write(bytes) }

    /// - Throws: ``ModelingError`` `.io` when a file is already there and may not be replaced.
    package func commit() throws {
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

    package func discard() { file.discard() }
}

/// Standard output, for `nomaly score --output -`.
package final class StandardOutputSink: ScoreByteSink {
    package init() {}

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
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

    package func commit() throws {}

    package func discard() {}
}
