package import Foundation
import JSONValues

/// `manifest.json`: what a set holds and how to check it, written last so that a set with a manifest is complete.
///
/// It stays readable when the set is encrypted (it holds digests, sizes, versions and row counts, never data), so
/// `backup list` works without the key. With a key configured it is signed (``ManifestSignature``, beside it).
///
/// Formats: 1, sets made before issue 16 (never signed; encrypted files not bound to their set); 2, encrypted files
/// bound to the set id and their name (``SetFileBinding``), signed whenever a key was configured.
package struct BackupManifest: Sendable, Codable, Equatable {
    package static let currentFormat = 2
    package static let fileName = "manifest.json"
    /// A manifest is read whole before it is authenticated, so a larger one is refused unread. About 300 bytes per
    /// artifact and a few KiB besides: room for some 200,000 live artifacts.
    package static let maximumSize = 64 << 20

    package var format: Int
    package var id: BackupSetID
    package var kind: BackupScope
    package var createdAt: Date
    package var finishedAt: Date
    package var nomalyVersion: String
    /// Absent for a models-only set.
    package var postgres: PostgresFacts?
    package var encryption: EncryptionFacts?
    package var files: [FileEntry]
    /// Rows of every table in the dump, counted in the dump's own snapshot; a restore test compares them.
    package var rowCounts: [TableRows]
    /// Absent for a database-only set.
    package var artifacts: ArtifactFacts?

    package struct PostgresFacts: Sendable, Codable, Equatable {
        package var serverVersion: String
        package var pgDumpVersion: String
        /// The highest migration applied when the dump was taken.
        package var migrationLevel: Int
        package var database: String
    }

    /// A list rather than a dictionary: JSONDecoder's snake-case strategy would rewrite dictionary keys too.
    package struct TableRows: Sendable, Codable, Equatable {
        package var table: String
        package var rows: Int64
    }

    package struct EncryptionFacts: Sendable, Codable, Equatable {
        package var algorithm: String
        package var chunkSize: Int
        package var keyId: String
    }

    /// One file of the set. `sha256`/`size` describe the bytes as stored (what `sha256sum` in the folder or an S3
    /// checksum sees); `contentSha256`/`contentSize` the decrypted content, present when the file is encrypted.
    package struct FileEntry: Sendable, Codable, Equatable {
        package var name: String
        package var size: Int64
        package var sha256: String
        package var contentSize: Int64?
        package var contentSha256: String?
    }

    package struct ArtifactFacts: Sendable, Codable, Equatable {
        /// `bundled`: copies are in `models.tar.gz`; `referenced`: only their keys, the store already being off-site.
        package var mode: String
        /// The artifact store, as `NOMALY_ARTIFACTS` named it.
        package var store: String
        package var objects: [ArtifactObject]
    }

    package struct ArtifactObject: Sendable, Codable, Equatable {
        package var sha256: String
        package var key: String
        package var size: Int64
        /// `model:version` of every live version using it.
        package var versions: [String]

        package init(sha256: String, key: String, size: Int64, versions: [String]) {
            self.sha256 = sha256
            self.key = key
            self.size = size
            self.versions = versions
        }
    }

    package func file(named name: String) -> FileEntry? { files.first { $0.name == name } }

    package var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }

    // Property names survive the snake-case round trip (`keyId` ↔ `key_id`); `keyID` would not.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// The manifest's text: every member present, `null` when it has no value (an unencrypted set's `encryption`), as
    /// in every JSON document Nomaly writes (``ExplicitNulls``). Readers take an absent member as null too, so sets made
    /// before issue 26, which left such members out, read as before.
    package func encoded() throws -> Data { try Self.encoder.encodeWithNulls(self) }

    /// Parses a manifest, refusing formats newer than this build understands.
    package static func decode(_ data: Data, source: String) throws(BackupError) -> BackupManifest {
        let manifest: BackupManifest
        do {
            manifest = try decoder.decode(BackupManifest.self, from: data)
        } catch {
            throw BackupError(.integrity, "\(source) is not a readable backup manifest: \(error)")
        }
        guard manifest.format <= currentFormat else {
            throw BackupError(.incompatible, "\(source) has manifest format \(manifest.format); this Nomaly reads up to \(currentFormat): upgrade it")
        }
        return manifest
    }

    /// Reads and parses a manifest no larger than ``maximumSize``. Blocking.
    package static func read(from path: String) throws(BackupError) -> BackupManifest {
        guard let data = try readBytes(at: path) else { throw BackupError(.notFound, "cannot read \(path): there is no such file") }
        return try decode(data, source: path)
    }

    /// The bytes of a manifest file, refused unread when larger than ``maximumSize``; nil when there is none. Blocking.
    static func readBytes(at path: String) throws(BackupError) -> Data? {
        try SetFileReading.contents(of: path, limit: maximumSize, what: "bytes a manifest may have")
    }
}
