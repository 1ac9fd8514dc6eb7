internal import CArchive
import FileSystem
import Foundation

/// A file to put into an archive under a chosen name.
package struct ArchiveInput: Sendable, Equatable {
    /// The path inside the archive (`model.bin`, `data/schema.json`).
    package let name: String
    /// The local file to read.
    package let source: String

    package init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}

/// How to compress.
package struct ArchiveCreateOptions: Sendable {
    /// zlib level 1…9; 6 is gzip's and pigz's default.
    package var compressionLevel = 6
    /// Uncompressed bytes per gzip member.
    package var blockSize = 1 << 20
    /// Blocks compressed at once.
    package var threads = ProcessInfo.processInfo.activeProcessorCount

    package init() {}
}

/// Writes deterministic `.tar.gz` files: entries sorted by path bytes, owner 0:0 without names, mtime 0,
/// modes normalised to 0644/0755, so the same inputs always give the same bytes and sha256.
///
/// Invariant: one user at a time; owns a libarchive writer for the duration of one `create`. Blocking.
final class TarGzCreator {
    private let handle: OpaquePointer
    private let gzip: ParallelGzipWriter
    private var sinkError: ArchiveError?
    private var entries = 0
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    private init(descriptor: Int32, options: ArchiveCreateOptions) throws {
        guard let handle = archive_write_new() else { throw ArchiveError(code: .io, message: "libarchive could not allocate a writer") }
        self.handle = handle
        gzip = ParallelGzipWriter(
            descriptor: descriptor,
            level: options.compressionLevel,
            blockSize: options.blockSize,
            threads: options.threads
        )
        // pax_restricted writes plain ustar headers and adds pax records only for long names or large files.
        archive_write_set_format_pax_restricted(handle)
        archive_write_add_filter_none(handle)
        archive_write_set_bytes_per_block(handle, 65_536)
        archive_write_set_bytes_in_last_block(handle, 10_240)
        let opened = archive_write_open(
            handle,
            Unmanaged.passUnretained(self).toOpaque(),
            nil,
            { _, context, bytes, count in
                let creator = Unmanaged<TarGzCreator>.fromOpaque(context!).takeUnretainedValue()
                do {
                    try creator.gzip.append(UnsafeRawBufferPointer(start: bytes, count: count))
                    return count
                } catch {
                    creator.sinkError = error as? ArchiveError
                    return -1
                }
            },
            nil
        )
        guard opened == ARCHIVE_OK else { throw Self.error(handle, "cannot start the archive") }
    }

    deinit {
        archive_write_free(handle)
    }

    /// Archives every file and folder below `directory`, named relative to it.
    static func create(directory: String, output: String, options: ArchiveCreateOptions) throws -> ArchiveSummary {
        let walked = try DirectoryWalk.entries(below: directory)
        return try create(entries: walked, output: output, options: options)
    }

    /// Archives the given files (their folders are added as needed).
    static func create(files: [ArchiveInput], output: String, options: ArchiveCreateOptions) throws -> ArchiveSummary {
        var entries: [DirectoryWalk.Entry] = []
        var folders = Set<String>()
        for file in files {
            guard let name = try EntryPath.normalise(file.name) else {
                throw ArchiveError(code: .unsafeEntry, message: "'\(file.name)' is not a file name", entry: file.name)
            }
            for parent in EntryPath.parents(of: name) where folders.insert(parent).inserted {
                entries.append(.init(name: parent, source: nil, executable: false))
            }
            entries.append(.init(name: name, source: file.source, executable: DirectoryWalk.isExecutable(file.source)))
        }
        return try create(entries: DirectoryWalk.sorted(entries), output: output, options: options)
    }

    private static func create(entries: [DirectoryWalk.Entry], output: String, options: ArchiveCreateOptions) throws -> ArchiveSummary {
        let file: OutputFile
        do {
            // The gzip writer hashes the compressed stream itself.
            file = try OutputFile(path: output, hashing: false)
        } catch {
            throw ArchiveError(code: .io, message: error.description)
        }
        do {
            let creator = try TarGzCreator(descriptor: file.descriptor, options: options)
            for entry in entries { try creator.add(entry) }
            let sha256 = try creator.finish()
            do {
                try file.commit()
            } catch {
                throw ArchiveError(code: .io, message: error.description)
            }
            return ArchiveSummary(
                sha256: sha256,
                compressedBytes: creator.gzip.compressedBytes,
                uncompressedBytes: creator.gzip.uncompressedBytes,
                entries: creator.entries
            )
        } catch {
            file.discard()
            throw error
        }
    }

    private func add(_ input: DirectoryWalk.Entry) throws {
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_mtime(entry, 0, 0)
        guard let source = input.source else {
            archive_entry_copy_pathname(entry, input.name + "/")
            archive_entry_set_filetype(entry, CArchive_AE_IFDIR)
            archive_entry_set_perm(entry, 0o755)
            try writeHeader(entry, input.name)
            return
        }
        let descriptor = open(source, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.posixError("cannot open \(source)", entry: input.name) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw ArchiveError(code: .unsupportedEntry, message: "\(source) is not a regular file", entry: input.name)
        }
        let size = Int64(status.st_size)
        archive_entry_copy_pathname(entry, input.name)
        archive_entry_set_filetype(entry, CArchive_AE_IFREG)
        archive_entry_set_perm(entry, input.executable ? 0o755 : 0o644)
        archive_entry_set_size(entry, size)
        try writeHeader(entry, input.name)
        var copied: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.posixError("cannot read \(source)", entry: input.name)
            }
            if count == 0 { break }
            guard copied + Int64(count) <= size else { break }
            let written = buffer.withUnsafeBytes { archive_write_data(handle, $0.baseAddress, count) }
            guard written == count else { throw sinkError ?? Self.error(handle, "cannot write \(input.name)", entry: input.name) }
            copied += Int64(count)
        }
        // The header promised `size` bytes; a file that changed meanwhile would make a corrupt or silently different archive.
        guard copied == size else {
            throw ArchiveError(code: .io, message: "\(source) changed size while it was being archived", entry: input.name)
        }
    }

    private func writeHeader(_ entry: OpaquePointer, _ name: String) throws {
        guard archive_write_header(handle, entry) == ARCHIVE_OK else {
            throw sinkError ?? Self.error(handle, "cannot add \(name)", entry: name)
        }
        entries += 1
    }

    private func finish() throws -> String {
        guard archive_write_close(handle) == ARCHIVE_OK else { throw sinkError ?? Self.error(handle, "cannot finish the archive") }
        return try gzip.finish()
    }

    static func error(_ handle: OpaquePointer, _ context: String, entry: String? = nil) -> ArchiveError {
        let detail = archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
        return ArchiveError(code: .io, message: "\(context): \(detail)", entry: entry)
    }

    static func posixError(_ context: String, entry: String? = nil) -> ArchiveError {
        ArchiveError(code: .io, message: "\(context): \(String(cString: strerror(errno)))", entry: entry)
    }
}
