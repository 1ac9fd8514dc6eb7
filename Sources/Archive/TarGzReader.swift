internal import CArchive
import Crypto
import FileSystem
import Foundation

/// Reads a `.tar.gz` entry by entry: ``InflatingSource`` hashes and inflates the file on its own thread, and
/// libarchive parses the tar stream it produces.
///
/// libarchive gets only the tar format and no filter; gzip is the only compression we accept, and we inflate
/// it ourselves. Anything else (zip, xz, a raw tar, a cpio) is refused as corrupt rather than parsed by code
/// we never meant to expose.
///
/// Invariant: one user at a time; owns the libarchive reader and the source. Blocking.
final class TarGzReader {
    struct Header {
        let rawPath: String
        let fileType: UInt32
        let size: Int64
        let permissions: Int
        let symlinkTarget: String?
        let hardlinkTarget: String?
    }

    private let handle: OpaquePointer
    private let source: InflatingSource
    let path: String

    init(path: String) throws {
        self.path = path
        source = try InflatingSource(path: path)
        guard let handle = archive_read_new() else {
            source.cancel()
            throw ArchiveError(code: .io, message: "libarchive could not allocate a reader")
        }
        self.handle = handle
        archive_read_support_format_tar(handle)
        let opened = archive_read_open(
            handle,
            Unmanaged.passUnretained(source).toOpaque(),
            nil,
            { _, context, buffer in
                let source = Unmanaged<InflatingSource>.fromOpaque(context!).takeUnretainedValue()
                guard let bytes = try? source.next() else { return -1 }
                buffer!.pointee = bytes.baseAddress
                return bytes.count
            },
            nil
        )
        guard opened == ARCHIVE_OK else { throw corrupt("cannot read \(path)") }
    }

    deinit {
        archive_read_free(handle)
        source.cancel()
    }

    /// Compressed bytes consumed so far, for the compression-ratio check.
    var compressedBytesRead: Int64 { source.compressedBytesRead }

    /// The next entry's header, or nil at the end of the archive.
    func nextHeader() throws -> Header? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw corrupt("\(path) is damaged or not a .tar.gz") }
        let rawPath =
            archive_entry_pathname_utf8(entry).map { String(cString: $0) }
            ?? archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        return Header(
            rawPath: rawPath,
            fileType: UInt32(archive_entry_filetype(entry)),
            size: archive_entry_size(entry),
            permissions: Int(archive_entry_perm(entry)),
            symlinkTarget: archive_entry_symlink(entry).map { String(cString: $0) },
            hardlinkTarget: archive_entry_hardlink(entry).map { String(cString: $0) }
        )
    }

    /// Hands the current entry's data to `body` block by block with each block's offset in the file.
    func readData(_ body: (UnsafeRawBufferPointer, Int64) throws -> Void) throws {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = archive_read_data_block(handle, &buffer, &size, &offset)
            if status == ARCHIVE_EOF { return }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else { throw corrupt("\(path) is damaged") }
            try body(UnsafeRawBufferPointer(start: buffer, count: size), offset)
        }
    }

    func skipData() throws {
        guard archive_read_data_skip(handle) == ARCHIVE_OK else { throw corrupt("\(path) is damaged") }
    }

    /// Reads whatever follows the end-of-archive marker so the hash covers the whole file.
    /// - Returns: the archive's sha256 and compressed size.
    func finish() throws -> (sha256: String, bytes: Int64) {
        let sha256 = try source.finish()
        return (sha256, source.compressedBytesRead)
    }

    private func corrupt(_ context: String) -> ArchiveError {
        if let error = source.failureIfAny { return error }
        let detail = archive_error_string(handle).map { String(cString: $0) } ?? "unknown error"
        return ArchiveError(code: .corrupt, message: "\(context): \(detail)")
    }
}
