import FileSystem
import Foundation
import ObjectStore

/// The files of one set in the bucket (or in a folder named by `NOMALY_BACKUP_S3`), each downloaded no further than
/// its limit: a HEAD refuses an object that is already too large before any byte is read, and the transfer itself
/// stops at the limit, so an object replaced by a larger one meanwhile is refused too.
struct RemoteSetFiles {
    let remote: RemoteBackups
    let id: BackupSetID

    func key(_ name: String) -> String { remote.key(id, file: name) }

    /// The set's prefix as an operator would write it (`s3://bucket/nomaly/2026/12/03/20261203_010000`).
    var folder: String { remote.description + id.datePath + id.value }

    func location(_ name: String) -> String { folder + "/" + name }

    /// The whole of a small object (manifest, signature). - Returns: nil when there is none.
    func small(_ name: String, limit: Int, what: String) async throws -> Data? {
        let key = key(name)
        if let files = remote.store as? FileStore {
            try validateObjectKey(key)
            let path = files.root + "/" + key
            return try await BlockingWork.run { try SetFileReading.contents(of: path, limit: limit, what: what) }
        }
        guard let info = try await remote.store.head(key: key) else { return nil }
        guard info.size <= Int64(limit) else { throw SetFileReading.tooLarge(location(name), size: info.size, limit: Int64(limit), what: what) }
        let stream = try await openStream(name, limit: Int64(limit), what: what)
        defer { stream.close() }
        let location = location(name)
        return try await BlockingWork.run {
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = try Self.read(stream, into: &buffer, location: location, limit: Int64(limit), what: what)
                if count == 0 { return data }
                data.append(contentsOf: buffer[0..<count])
            }
        }
    }

    /// Downloads a file of the set into `destination` (a ``PrivateScratch``), hashing it on the way in, and
    /// compares it with its manifest entry.
    func file(_ entry: BackupManifest.FileEntry, into destination: String) async throws {
        let key = key(entry.name)
        let location = location(entry.name)
        let what = "bytes its manifest entry gives it"
        let digest: FileDigest
        if let files = remote.store as? FileStore {
            try validateObjectKey(key)
            let path = files.root + "/" + key
            digest = try await BlockingWork.run { try SetFileReading.copy(from: path, to: destination, limit: entry.size, what: what) }
        } else {
            guard let info = try await remote.store.head(key: key) else {
                throw BackupError(.integrity, "\(location) is missing: the set in the bucket is incomplete")
            }
            guard info.size <= entry.size else { throw SetFileReading.tooLarge(location, size: info.size, limit: entry.size, what: what) }
            let stream = try await openStream(entry.name, limit: entry.size, what: what)
            defer { stream.close() }
            digest = try await BlockingWork.run {
                try SetFileReading.copy(to: destination, source: location, limit: entry.size, what: what) { buffer in
                    try Self.read(stream, into: &buffer, location: location, limit: entry.size, what: what)
                }
            }
        }
        try entry.requireMatch(digest, at: location)
    }

    private func openStream(_ name: String, limit: Int64, what: String) async throws -> ObjectReadStream {
        guard let store = remote.store as? S3Store else {
            throw BackupError(
                .incompatible,
                "sets can be fetched from S3 or a local folder only, not from \(remote.store.locationDescription): "
                    + "no other store can bound a download"
            )
        }
        do {
            return try await store.openStream(key: key(name), maxBytes: limit)
        } catch let error as ObjectStoreError where error.code == .tooLarge {
            throw SetFileReading.tooLarge(location(name), size: nil, limit: limit, what: what)
        }
    }

    /// Blocking.
    private static func read(_ stream: ObjectReadStream, into buffer: inout [UInt8], location: String, limit: Int64, what: String) throws -> Int {
        do {
            return try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
        } catch let error as ObjectStoreError where error.code == .tooLarge {
            throw SetFileReading.tooLarge(location, size: nil, limit: limit, what: what)
        }
    }
}

extension BackupManifest.FileEntry {
    /// Compares the bytes as stored with this entry. - Parameter shown: the file, as the message names it.
    func requireMatch(_ digest: FileDigest, at shown: String) throws(BackupError) {
        guard digest.size == size, digest.sha256 == sha256 else {
            throw BackupError(
                .integrity,
                "\(shown) does not match the manifest: \(digest.size) bytes with sha256 \(digest.sha256), expected \(size) bytes with \(sha256)"
            )
        }
    }
}
