internal import CArchive
import FileSystem
import Foundation

/// Gzip-compressed tar archives: deterministic creation on every core, listing, and safe extraction.
///
/// Each call does its file and CPU work on the blocking pool (`BlockingWork`), never on the caller's executor.
///
/// ```swift
/// let summary = try await TarGz.create(directory: "build/model", output: "model.tar.gz")
/// print(summary.sha256)   // equal to `sha256sum model.tar.gz`
/// try await TarGz.extract("model.tar.gz", into: "/tmp/model", limits: .default)
/// ```
package enum TarGz {
    /// Archives every file and folder below `directory`, named relative to it. Symlinks, devices and FIFOs
    /// are refused. The output appears atomically: a failure leaves no file at `output`.
    @discardableResult
    package static func create(directory: String, output: String, options: ArchiveCreateOptions = .init()) async throws -> ArchiveSummary {
        try await BlockingWork.run {
            try withUTF8Locale { try TarGzCreator.create(directory: directory, output: output, options: options) }
        }
    }

    /// Archives the given files under their chosen names, adding their folders.
    @discardableResult
    package static func create(files: [ArchiveInput], output: String, options: ArchiveCreateOptions = .init()) async throws -> ArchiveSummary {
        try await BlockingWork.run {
            try withUTF8Locale { try TarGzCreator.create(files: files, output: output, options: options) }
        }
    }

    /// Every entry as stored, including ones extraction would refuse, with the archive's sha256.
    package static func list(_ archive: String) async throws -> (entries: [ArchiveEntry], summary: ArchiveSummary) {
        try await BlockingWork.run { try withUTF8Locale { try listBlocking(archive) } }
    }

    /// Extracts into `destination`, which must not exist or be an empty folder. See ``ArchiveLimits`` for the
    /// bounds and the type documentation for what is refused. Nothing is left behind on failure.
    /// - Returns: the archive's sha256 (of the compressed file, as read) and sizes.
    @discardableResult
    package static func extract(_ archive: String, into destination: String, limits: ArchiveLimits = .default) async throws -> ArchiveSummary {
        try await BlockingWork.run {
            try withUTF8Locale { try SafeExtractor.extract(archive: archive, into: destination, limits: limits) }
        }
    }

    static func listBlocking(_ archive: String) throws -> (entries: [ArchiveEntry], summary: ArchiveSummary) {
        let reader = try TarGzReader(path: archive)
        var entries: [ArchiveEntry] = []
        var total: Int64 = 0
        while let header = try reader.nextHeader() {
            let kind: ArchiveEntry.Kind
            var target: String?
            if let hardlink = header.hardlinkTarget {
                kind = .hardlink
                target = hardlink
            } else {
                switch header.fileType {
                case CArchive_AE_IFREG: kind = .file
                case CArchive_AE_IFDIR: kind = .directory
                case CArchive_AE_IFLNK:
                    kind = .symlink
                    target = header.symlinkTarget
                default: kind = .other
                }
            }
            entries.append(ArchiveEntry(path: header.rawPath, kind: kind, size: header.size, mode: header.permissions, linkTarget: target))
            total += kind == .file ? header.size : 0
            try reader.skipData()
        }
        let (sha256, compressed) = try reader.finish()
        return (entries, ArchiveSummary(sha256: sha256, compressedBytes: compressed, uncompressedBytes: total, entries: entries.count))
    }
}
