internal import CArchive
import Foundation

/// Extracts a `.tar.gz` so that nothing can land outside the destination and nothing half-done remains.
///
/// libarchive's `ARCHIVE_EXTRACT_SECURE_*` flags are not enough (3.6.2 still creates a symlink to
/// `/etc/passwd`), so we write files ourselves under a fresh staging folder beside the destination:
/// - every path is normalised; absolute paths, `..`, and paths through a symlink are refused;
/// - regular files are opened `O_CREAT|O_EXCL|O_NOFOLLOW`, so an entry can neither overwrite nor follow;
/// - hardlinks may only point at a regular file extracted earlier; symlinks must stay inside, which is
///   verified at the end by resolving every link through the finished tree;
/// - devices, FIFOs and sockets are refused; modes are reduced to 0644/0755;
/// - entry count, entry size, total size and compression ratio are bounded by ``ArchiveLimits``, on the bytes each
///   entry makes: the holes of a sparse entry count like written bytes.
/// The staging folder is renamed into place only when everything passed, and removed on every failure.
///
/// Invariant: one user at a time. Blocking.
final class SafeExtractor {
    private let reader: TarGzReader
    private let staging: String
    private let limits: ArchiveLimits
    private var files = Set<String>()
    private var folders = Set<String>()
    private var symlinks = Set<String>()
    private var entries = 0
    private var totalBytes: Int64 = 0

    private init(reader: TarGzReader, staging: String, limits: ArchiveLimits) {
        self.reader = reader
        self.staging = staging
        self.limits = limits
    }

    static func extract(archive: String, into destination: String, limits: ArchiveLimits) throws -> ArchiveSummary {
        let target = URL(fileURLWithPath: destination).standardizedFileURL
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        let exists = manager.fileExists(atPath: target.path, isDirectory: &isFolder)
        if exists, !isFolder.boolValue || !((try? manager.contentsOfDirectory(atPath: target.path))?.isEmpty ?? false) {
            throw ArchiveError(code: .destinationExists, message: "\(target.path) already exists and is not an empty folder")
        }
        let staging = target.deletingLastPathComponent().path + "/." + target.lastPathComponent + ".nomaly-partial-" + UUID().uuidString.prefix(8)
        guard mkdir(staging, 0o700) == 0 else { throw TarGzCreator.posixError("cannot create \(staging)") }
        do {
            let extractor = SafeExtractor(reader: try TarGzReader(path: archive), staging: staging, limits: limits)
            let summary = try extractor.run()
            chmod(staging, 0o755)
            if exists { rmdir(target.path) }
            guard rename(staging, target.path) == 0 else { throw TarGzCreator.posixError("cannot move the extracted files to \(target.path)") }
            return summary
        } catch {
            // After an aborted write a partial file may still grow to its declared size: remove everything.
            try? manager.removeItem(atPath: staging)
            throw error
        }
    }

    private func run() throws -> ArchiveSummary {
        while let header = try reader.nextHeader() {
            entries += 1
            guard entries <= limits.maxEntries else {
                throw ArchiveError(
                    code: .limitExceeded,
                    message: "the archive has more than \(limits.maxEntries) entries (at '\(header.rawPath)')",
                    entry: header.rawPath
                )
            }
            guard let path = try EntryPath.normalise(header.rawPath) else {
                try reader.skipData()
                continue
            }
            try checkPlacement(path)
            // A tar hardlink arrives as a "regular file" with a link target: test for it first.
            if let target = header.hardlinkTarget {
                try makeHardlink(path, target: target)
                continue
            }
            switch header.fileType {
            case CArchive_AE_IFDIR:
                try makeFolders(path, including: true)
            case CArchive_AE_IFREG:
                try writeFile(path, header)
            case CArchive_AE_IFLNK:
                try makeSymlink(path, target: header.symlinkTarget ?? "")
            default:
                throw ArchiveError(
                    code: .unsupportedEntry,
                    message: "entry '\(path)' is a device, FIFO or socket, which is never extracted",
                    entry: path
                )
            }
        }
        try verifySymlinks()
        let (sha256, compressed) = try reader.finish()
        return ArchiveSummary(sha256: sha256, compressedBytes: compressed, uncompressedBytes: totalBytes, entries: entries)
    }

    /// Refuses a path that goes through a symlink or that an earlier entry already took.
    private func checkPlacement(_ path: String) throws {
        if let link = EntryPath.parents(of: path).first(where: symlinks.contains) {
            throw ArchiveError(code: .unsafeEntry, message: "entry '\(path)' passes through the symlink '\(link)'", entry: path)
        }
        if files.contains(path) || symlinks.contains(path) {
            throw ArchiveError(code: .unsafeEntry, message: "entry '\(path)' appears twice in the archive", entry: path)
        }
    }

    private func makeFolders(_ path: String, including: Bool) throws {
        for folder in EntryPath.parents(of: path) + (including ? [path] : []) where !folders.contains(folder) {
            if files.contains(folder) {
                throw ArchiveError(code: .unsafeEntry, message: "entry '\(path)' needs '\(folder)' as a folder, but it is a file", entry: path)
            }
            guard mkdir(staging + "/" + folder, 0o755) == 0 || errno == EEXIST else {
                throw TarGzCreator.posixError("cannot create \(folder)", entry: path)
            }
            folders.insert(folder)
        }
    }

    private func writeFile(_ path: String, _ header: TarGzReader.Header) throws {
        guard header.size <= limits.maxEntryBytes else { throw entryTooLarge(path) }
        try makeFolders(path, including: false)
        let mode: mode_t = header.permissions & 0o111 != 0 ? 0o755 : 0o644
        let descriptor = open(staging + "/" + path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw ArchiveError(code: .unsafeEntry, message: "entry '\(path)' appears twice in the archive", entry: path) }
            throw TarGzCreator.posixError("cannot create \(path)", entry: path)
        }
        defer { close(descriptor) }
        // Limits count the bytes an entry makes, holes included: a sparse entry declares gigabytes but carries
        // only its data blocks, and a hole is as large on disk (to whoever reads it) as written zeros.
        let totalBefore = totalBytes
        var produced: Int64 = 0
        try reader.readData { bytes, offset in
            produced = max(produced, Int64(offset) + Int64(bytes.count))
            totalBytes = totalBefore + produced
            try checkLimits(path, entryBytes: produced)
            var written = 0
            while written < bytes.count {
                let count = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw TarGzCreator.posixError("cannot write \(path)", entry: path)
                }
                written += count
            }
        }
        // A sparse entry may end with a hole (or be all hole): its declared size is the file's size. Checked before
        // the file is given that size, and after all its compressed bytes were read, so the ratio is the real one.
        if header.size > produced {
            totalBytes = totalBefore + header.size
            try checkLimits(path, entryBytes: header.size)
            ftruncate(descriptor, off_t(header.size))
        }
        files.insert(path)
    }

    private func checkLimits(_ path: String, entryBytes: Int64) throws {
        guard entryBytes <= limits.maxEntryBytes else { throw entryTooLarge(path) }
        guard totalBytes <= limits.maxTotalBytes else {
            throw ArchiveError(
                code: .limitExceeded,
                message: "the archive expands to more than \(limits.maxTotalBytes) bytes (at entry '\(path)')",
                entry: path
            )
        }
        let compressed = max(reader.compressedBytesRead, 1)
        let ratio = Double(totalBytes) / Double(compressed)
        if totalBytes > limits.ratioGrace, ratio > limits.maxCompressionRatio {
            throw ArchiveError(
                code: .limitExceeded,
                message: "entry '\(path)' expands \(Int(ratio)):1 (more than \(Int(limits.maxCompressionRatio)):1), "
                    + "which looks like a decompression bomb; extraction stopped after \(totalBytes) bytes",
                entry: path
            )
        }
    }

    private func entryTooLarge(_ path: String) -> ArchiveError {
        ArchiveError(code: .limitExceeded, message: "entry '\(path)' is larger than \(limits.maxEntryBytes) bytes", entry: path)
    }

    private func makeSymlink(_ path: String, target: String) throws {
        guard !target.isEmpty, EntryPath.resolveLink(target, from: path) != nil else {
            throw ArchiveError(code: .unsafeEntry, message: "symlink '\(path)' points outside the archive ('\(target)')", entry: path)
        }
        try makeFolders(path, including: false)
        guard symlink(target, staging + "/" + path) == 0 else {
            if errno == EEXIST { throw ArchiveError(code: .unsafeEntry, message: "entry '\(path)' appears twice in the archive", entry: path) }
            throw TarGzCreator.posixError("cannot create the symlink \(path)", entry: path)
        }
        symlinks.insert(path)
    }

    private func makeHardlink(_ path: String, target rawTarget: String) throws {
        guard let target = try EntryPath.normalise(rawTarget), files.contains(target) else {
            throw ArchiveError(
                code: .unsafeEntry,
                message: "hardlink '\(path)' points at '\(rawTarget)', which is not a file extracted earlier",
                entry: path
            )
        }
        try makeFolders(path, including: false)
        guard link(staging + "/" + target, staging + "/" + path) == 0 else {
            throw TarGzCreator.posixError("cannot create the hardlink \(path)", entry: path)
        }
        files.insert(path)
    }

    /// Each link checked alone can stay inside while a chain escapes (`a -> .`, `b -> a/../x`), so every link
    /// is resolved through the finished tree, following links like the kernel would.
    private func verifySymlinks() throws {
        for link in symlinks.sorted() {
            var resolved: [String] = []
            var pending = ArraySlice(link.split(separator: "/").map(String.init))
            var hops = 0
            while let component = pending.popFirst() {
                if component == "." { continue }
                if component == ".." {
                    guard !resolved.isEmpty else { throw escaping(link) }
                    resolved.removeLast()
                    continue
                }
                resolved.append(component)
                let full = staging + "/" + resolved.joined(separator: "/")
                var status = stat()
                guard lstat(full, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { continue }
                hops += 1
                guard hops <= 40, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full), !target.hasPrefix("/") else {
                    throw escaping(link)
                }
                resolved.removeLast()
                pending = ArraySlice(target.split(separator: "/").map(String.init) + pending)
            }
        }
    }

    private func escaping(_ link: String) -> ArchiveError {
        ArchiveError(code: .unsafeEntry, message: "symlink '\(link)' resolves outside the archive through other links", entry: link)
    }
}
