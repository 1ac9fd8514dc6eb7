/// Reads a gzip file as one stream of inflated bytes.
///
/// Every member is inflated in turn, so the concatenation of several gzip files (`cat a.gz b.gz`, or what
/// pigz and our own writer produce) reads as the concatenation of their contents. Inflation runs on a thread
/// of its own and stays a few blocks ahead of the reader, so decompression overlaps with whatever the
/// reader does with the bytes.
///
/// Invariant: one user at a time. ``next()`` is blocking; call it from a thread that may block (the
/// blocking thread pool, or a command-line tool's own thread).
///
/// ```swift
/// let reader = try GzipFileReader(path: "scores.csv.gz")
/// var total = 0
/// while true {
///     let block = try reader.next()
///     if block.isEmpty { break }
///     total += block.count
/// }
/// ```
package final class GzipFileReader {
    /// The file being read.
    package let path: String
    private let source: InflatingSource

    /// Opens `path` and starts inflating it.
    ///
    /// - Throws: ``ArchiveError`` with code `.io` when the file cannot be opened.
    package init(path: String) throws {
        self.path = path
        source = try InflatingSource(path: path)
    }

    deinit {
        // The inflating thread may be waiting for room in its queue; without this it would wait forever.
        source.cancel()
    }

    /// The next block of inflated bytes; an empty buffer at the end of the file. Blocking.
    ///
    /// The buffer stays valid until the following call to `next()` or until the reader is released,
    /// whichever comes first.
    ///
    /// - Throws: ``ArchiveError`` with code `.corrupt` when the file is not gzip, is damaged or is truncated,
    ///   and `.io` when it cannot be read.
    package func next() throws -> UnsafeRawBufferPointer {
        try source.next()
    }

    /// Compressed bytes read from the file so far, for progress reports.
    package var compressedBytesRead: Int64 { source.compressedBytesRead }

    /// Whether `bytes` start with the gzip magic number (`1f 8b`), which is how gzip input is recognised
    /// regardless of the file's name.
    ///
    /// ```swift
    /// GzipFileReader.hasGzipMagic([0x1F, 0x8B, 0x08])   // true
    /// ```
    package static func hasGzipMagic(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: [0x1F, 0x8B])
    }
}
