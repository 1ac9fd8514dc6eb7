import FileSystem
import Foundation

extension BackupVerifier {
    /// Checks one file against its entry and returns the path of its plain content, which is what every later step
    /// (pg_restore, the artifact extraction) reads: a copy in `scratch` made in the same pass as the check (decrypted,
    /// or copied while hashed), or the download checked on its way in. Either way the bytes used are the bytes that
    /// matched, and nobody else can change them afterwards.
    static func check(
        _ entry: BackupManifest.FileEntry,
        of set: FetchedSet,
        key: EncryptionKey?,
        into scratch: PrivateScratch
    ) async throws -> String {
        let source = set.path + "/" + entry.name
        let shown = set.origin + "/" + entry.name
        let copy = scratch.path + "/" + entry.name
        let limit = "bytes its manifest entry gives it"
        if let key {
            if set.reading == .throughPrivateCopy {
                // Decryption stops at the entry's size by itself; a file already larger is refused before it starts.
                try await BlockingWork.run { try SetFileReading.requireAtMost(source, limit: entry.size, what: limit) }
            }
            let binding = set.binding(of: entry)
            let digests: FileDigests
            do {
                digests = try await BlockingWork.run {
                    try EncryptedFile.decrypt(from: source, to: copy, key: key, binding: binding, maxStoredBytes: entry.size)
                }
            } catch {
                throw BackupError(.integrity, "\(shown): \(error)")
            }
            try entry.requireMatch(FileDigest(sha256: digests.storedSHA256, size: digests.storedSize), at: shown)
            guard digests.plainSHA256 == entry.contentSha256, digests.plainSize == entry.contentSize else {
                throw BackupError(.integrity, "\(shown) decrypts to content that does not match the manifest (sha256 \(digests.plainSHA256))")
            }
            return copy
        }
        switch set.reading {
        case .checkedOnDownload:
            return source
        case .inPlace:
            try entry.requireMatch(try await BlockingWork.run { try FileDigest.ofSetFile(source) }, at: shown)
            return source
        case .throughPrivateCopy:
            let digest = try await BlockingWork.run {
                try SetFileReading.copy(from: source, to: copy, limit: entry.size, what: limit)
            }
            try entry.requireMatch(digest, at: shown)
            return copy
        }
    }

    /// What checking `entry` writes into the scratch folder: the decrypted content, or a copy of a local plain file.
    static func scratchBytes(for entry: BackupManifest.FileEntry, of set: FetchedSet, key: EncryptionKey?) -> Int64 {
        if key != nil { return entry.contentSize ?? entry.size }
        return set.reading == .throughPrivateCopy ? entry.size : 0
    }
}
