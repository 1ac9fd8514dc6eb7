import FileSystem
import Foundation
package import ObjectStore

/// Model artifacts kept content-addressed in any ``ObjectStore``: the key is derived from the tarball's sha256,
/// so identical artifacts are stored once and an object's name says what its content must be.
///
/// Keys look like `PREFIX` + `sha256/ab/abcdef….tar.gz` (the first two hex digits fan the objects out over folders).
///
/// ```swift
/// let location = try ObjectLocation.parsePrefix("s3://ml-artifacts/nomaly/", s3: settings)
/// let artifacts = ArtifactStore(store: location.store, prefix: location.key + "models/")
/// let key = try await artifacts.store(file: "model.tar.gz", sha256: digest, size: bytes)
/// try await artifacts.fetch(sha256: digest, to: "/tmp/model.tar.gz")
/// ```
package struct ArtifactStore: Sendable {
    package let store: any ObjectStore
    /// Empty, or ending in `/`.
    package let prefix: String

    /// - Parameter prefix: where artifact keys start in `store`; `models` and `models/` both mean the folder `models/`.
    package init(store: any ObjectStore, prefix: String) {
        self.store = store
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    /// Every artifact key starts with this; garbage collection looks nowhere else.
    package var keyPrefix: String { prefix + "sha256/" }

    /// The key of the artifact with this sha256 (lower-case hex).
    package func key(sha256: String) -> String {
        "\(keyPrefix)\(sha256.prefix(2))/\(sha256).tar.gz"
    }

    /// The artifact's location as recorded in its version row: the store's location and the key.
    package func uri(sha256: String) -> String {
        let location = store.locationDescription
        return (location.hasSuffix("/") ? location : location + "/") + key(sha256: sha256)
    }

    /// The sha256 a key names, or nil for a key that is not an artifact key of this store.
    package func sha256(ofKey key: String) -> String? {
        guard key.hasPrefix(keyPrefix), key.hasSuffix(".tar.gz") else { return nil }
        let name = key.dropFirst(keyPrefix.count + 3).dropLast(7)
        guard Self.isSHA256(String(name)), self.key(sha256: String(name)) == key else { return nil }
        return String(name)
    }

    /// Uploads the file unless an object with its key and size already exists (identical artifacts are stored once),
    /// then checks with `head` that the object is there with that size.
    /// - Returns: the object's key.
    /// - Throws: ``RegistryError`` `.storage` when the store fails or the upload does not match `sha256` and `size`.
    @discardableResult
    package func store(file path: String, sha256: String, size: Int64) async throws -> String {
        try Self.requireSHA256(sha256)
        let key = key(sha256: sha256)
        do {
            if try await matches(key: key, sha256: sha256, size: size) { return key }
            let written = try await store.put(file: path, key: key, progress: nil)
            if let digest = written.sha256, digest != sha256 || written.size != size {
                // The file changed after it was validated: what is now stored is not what its key claims.
                try? await store.delete(key: key)
                throw RegistryError(
                    .storage,
                    "\(path) changed while it was being stored (sha256 \(digest), \(written.size) bytes; expected \(sha256), \(size) bytes)"
                )
            }
            guard try await matches(key: key, sha256: sha256, size: size) else {
                throw RegistryError(.storage, "stored \(uri(sha256: sha256)), but it is not there with \(size) bytes afterwards")
            }
            return key
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.storage, "cannot store the artifact at \(uri(sha256: sha256)): \(error)")
        }
    }

    /// Whether the artifact is stored with this size (and this sha256, when the store records one).
    /// - Throws: ``RegistryError`` `.storage` when the store cannot be asked.
    package func exists(sha256: String, size: Int64) async throws -> Bool {
        do {
            return try await matches(key: key(sha256: sha256), sha256: sha256, size: size)
        } catch {
            throw RegistryError(.storage, "cannot look up \(uri(sha256: sha256)): \(error)")
        }
    }

    /// Downloads the artifact to `path` and checks that what was written has the sha256 it is named by.
    /// - Throws: ``RegistryError`` `.notFound` when it is not stored, `.storage` when the download fails or the content
    ///   does not match (nothing is left at `path` then).
    package func fetch(sha256: String, to path: String) async throws {
        try Self.requireSHA256(sha256)
        let info: ObjectInfo
        do {
            info = try await store.get(key: key(sha256: sha256), to: path, progress: nil)
        } catch let error as ObjectStoreError where error.code == .notFound {
            throw RegistryError(.notFound, "the artifact \(uri(sha256: sha256)) is missing from the store")
        } catch {
            throw RegistryError(.storage, "cannot fetch \(uri(sha256: sha256)): \(error)")
        }
        let actual: String
        if let written = info.sha256 {
            actual = written
        } else {
            actual = try await FileDigest.of(file: path).sha256
        }
        guard actual == sha256 else {
            try? FileManager.default.removeItem(atPath: path)
            throw RegistryError(.storage, "\(uri(sha256: sha256)) is corrupt: its content has sha256 \(actual)")
        }
    }

    private func matches(key: String, sha256: String, size: Int64) async throws -> Bool {
        guard let info = try await store.head(key: key) else { return false }
        return info.size == size && (info.sha256 == nil || info.sha256 == sha256)
    }

    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func requireSHA256(_ text: String) throws {
        guard isSHA256(text) else { throw RegistryError(.invalidArtifact, "'\(text)' is not a sha256 (64 lower-case hex digits)") }
    }
}
