internal import CArchive
import Crypto
import FileSystem
import Foundation

/// Reads a `.tar.gz` entry by entry through libarchive, hashing the compressed bytes as they stream past.
///
/// Only the tar format and the gzip filter are enabled: anything else (zip, xz, a raw tar, a cpio) is
/// refused as corrupt rather than parsed by code we never meant to expose.
///
/// Invariant: one user at a time; owns the libarchive reader and the file descriptor. Blocking.
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
    private let source: HashingSource
    let path: String

    init(path: String) throws {
        self.path = path
        source = try HashingSource(path: path)
        guard let handle = archive_read_new() else { throw ArchiveError(code: .io, message: "libarchive could not allocate a reader") }
        self.handle = handle
        archive_read_support_filter_gzip(handle)
        archive_read_support_format_tar(handle)
        let opened = archive_read_open(
            handle,
            Unmanaged.passUnretained(source).toOpaque(),
            nil,
            { _, context, buffer in
                let source = Unmanaged<HashingSource>.fromOpaque(context!).takeUnretainedValue()
                return source.next(buffer!)
            },
            nil
        )
        guard opened == ARCHIVE_OK else { throw corrupt("cannot read \(path)") }
    }

    deinit {
        archive_read_free(handle)
    }

    /// Compressed bytes consumed so far, for the compression-ratio check.
    var compressedBytesRead: Int64 { source.bytesRead }

    /// The next entry's header, or nil at the end of the archive.
    func nextHeader() throws -> Header? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw corrupt("\(path) is damaged or not a .tar.gz") }
        // libarchive always accepts uncompressed input; a .tar.gz must have been gzip-compressed.
        guard archive_filter_code(handle, 0) == ARCHIVE_FILTER_GZIP else {
            throw ArchiveError(code: .corrupt, message: "\(path) is not gzip-compressed")
        }
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
        try source.drain()
        return (source.sha256Hex, source.bytesRead)
    }

    private func corrupt(_ context: String) -> ArchiveError {
        if let error = source.error { return error }
        let detail = archive_error_string(handle).map { String(cString: $0) } ?? "unknown error"
        return ArchiveError(code: .corrupt, message: "\(context): \(detail)")
    }
}

/// The file behind a reader: fills libarchive's buffer and hashes every byte it hands over.
private final class HashingSource {
    private let descriptor: Int32
    /// Allocated once: libarchive keeps a pointer into it until the next callback, so it must not move.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    private var hasher = SHA256()
    private(set) var bytesRead: Int64 = 0
    private(set) var error: ArchiveError?

    init(path: String) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TarGzCreator.posixError("cannot open \(path)") }
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// libarchive's read callback: points `output` at the next bytes, returns their count (0 at end, -1 on error).
    func next(_ output: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        let count = readChunk()
        output.pointee = UnsafeRawPointer(buffer.baseAddress)
        return count
    }

    func drain() throws {
        while readChunk() > 0 {}
        if let error { throw error }
    }

    private func readChunk() -> Int {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                error = TarGzCreator.posixError("cannot read the archive")
                return -1
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            bytesRead += Int64(count)
            return count
        }
    }

    var sha256Hex: String { hasher.finalize().hexString }
}
