import Archive
import Crypto
import FileSystem
import Foundation
import Logging
import Postgres

/// What `backup verify` checked.
package struct VerificationReport: Sendable, Codable {
    package let id: String
    package let files: Int
    package let bytes: Int64
    /// Whether chunks were authenticated (the set is encrypted and the key was there).
    package let decrypted: Bool
    /// The id of the key whose signature of the manifest matched; nil for a set read unsigned.
    package let signedWith: String?
    /// Protections the set lacks that the operator waived (`unencrypted`, `unsigned`).
    package let waived: [String]
    package let dumpRead: Bool
    /// Tables compared after a restore into a scratch database; nil without `--restore-test`.
    package let restoreTestTables: Int?
}

/// `nomaly backup verify`: proves a set can be restored, without touching the live database.
///
/// 0. the manifest is authenticated before anything else is read (``SetAuthenticator``): its signature, the set id it
///    names, and the encryption and signature a configured key demands; it is read whole only up to
///    ``BackupManifest/maximumSize``, and its sha256 is compared with the set's row;
/// 1. every file is checked against the manifest (size and sha256 of the stored bytes) in the same pass that copies
///    it into a ``PrivateScratch``: encrypted files are decrypted there, authenticating every chunk (bound to the set
///    id and the file's name) and comparing the content's sha256; plain files of a local set are copied while hashed.
///    Everything afterwards reads only those copies, so a file swapped in the backup folder after its check is never
///    used (``FetchedSet/Reading``);
/// 2. the dump is read whole with `pg_restore -f /dev/null` (`pg_restore --list` reads only the table of contents and
///    exits 0 on a dump cut to half its size, so it proves nothing) and the models tarball is listed to its end;
/// 3. with `restoreTest`, the dump is restored with `--exit-on-error` into a scratch database that is dropped
///    whatever happens, and every table's row count is compared with the manifest.
package struct BackupVerifier: Sendable {
    let environment: BackupEnvironment

    package init(_ environment: BackupEnvironment) {
        self.environment = environment
    }

    /// - Parameter waivers: missing protections the operator accepts (`--allow-unencrypted`, `--allow-unsigned`);
    ///   each one used is logged and audited.
    @discardableResult
    package func verify(_ id: BackupSetID, restoreTest: Bool = false, waivers: BackupWaivers = .none) async throws -> VerificationReport {
        let keys = try environment.keys()
        let set = try await SetSource(environment).fetch(id, keys: keys, waivers: waivers)
        defer { set.cleanUp() }
        try await checkManifestAgainstRecord(set)
        let scratch = try PrivateScratch(near: environment.directory)
        defer { scratch.remove() }
        let report = try await verify(set, keys: keys, restoreTest: restoreTest, scratch: scratch).report
        try await WaiverAudit(environment: environment).record(set, operation: "verify", actor: waivers.actor)
        try await BackupCatalog(pool: environment.pool).verified(id)
        environment.logger.info("backup verified", metadata: ["id": "\(id)", "restore_test": "\(restoreTest)"])
        return report
    }

    /// - Parameter scratch: where the copies that are checked and then used go (``FetchedSet/Reading``); the caller
    ///   may use them (a restore does) and removes them.
    /// - Returns: the report and, by file name, the path of each file's checked plain content.
    func verify(
        _ set: FetchedSet,
        keys: BackupKeys,
        restoreTest: Bool,
        scratch: PrivateScratch
    ) async throws -> (report: VerificationReport, plainFiles: [String: String]) {
        let manifest = set.manifest
        let key = try keys.decryptionKey(for: manifest)
        try scratch.requireSpace(
            manifest.files.reduce(0) { $0 + Self.scratchBytes(for: $1, of: set, key: key) },
            for: "checking set \(manifest.id)"
        )
        var plainFiles: [String: String] = [:]
        for entry in manifest.files {
            plainFiles[entry.name] = try await Self.check(entry, of: set, key: key, into: scratch)
        }
        try await environment.hooks.afterFilesChecked?(set, scratch)
        var dumpRead = false
        if let dump = plainFiles[DatabaseDump.fileName] {
            try await readWholeDump(dump, shown: set.origin + "/" + DatabaseDump.fileName)
            dumpRead = true
        }
        if let models = plainFiles[ArtifactBundle.fileName] {
            try await checkBundle(models, shown: set.origin + "/" + ArtifactBundle.fileName, manifest: manifest)
        }
        var tables: Int?
        if restoreTest {
            guard let dump = plainFiles[DatabaseDump.fileName] else {
                throw BackupError(.refused, "set \(manifest.id) holds no database dump to test-restore (kind \(manifest.kind.rawValue))")
            }
            tables = try await ScratchRestore(environment: environment).restoreAndCount(dump: dump, expected: manifest.rowCounts)
        }
        let report = VerificationReport(
            id: manifest.id.value,
            files: manifest.files.count,
            bytes: manifest.totalSize,
            decrypted: key != nil,
            signedWith: set.authentication.signedWith,
            waived: set.authentication.waived.map(\.kind),
            dumpRead: dumpRead,
            restoreTestTables: tables
        )
        return (report, plainFiles)
    }

    /// The manifest describes every other file; its own sha256 is in the set's row, written when the set was made.
    /// Compared with the sha256 of the bytes that were authenticated: the file itself is not read again, so it cannot
    /// be swapped back to the recorded one after a planted one was accepted.
    func checkManifestAgainstRecord(_ set: FetchedSet) async throws {
        let rows: [BackupRecord]
        do {
            rows = try await BackupCatalog(pool: environment.pool).records()
        } catch let error as PostgresError where error.sqlState == "42P01" {
            return  // an empty database being restored: no record to compare with
        }
        let recorded = rows.first { $0.id == set.manifest.id.value }?.sha256
        guard let recorded else { return }
        guard set.manifestSHA256 == recorded else {
            throw BackupError(
                .integrity,
                "\(set.origin)/\(BackupManifest.fileName) was changed since the set was made (sha256 \(set.manifestSHA256), recorded \(recorded))"
            )
        }
    }

    /// - Parameter shown: the set's file the copy at `path` was made from, for messages.
    private func readWholeDump(_ path: String, shown: String) async throws {
        let server = try await environment.pool.serverMajorVersion()
        let tools = try await environment.tools.forServer(major: server.major, override: environment.binDirectory)
        try await PostgresTools.run(
            [tools.path("pg_restore"), "--file=/dev/null"],
            environment: ProcessInfo.processInfo.environment,
            input: path,
            what: "reading the dump \(shown)"
        )
    }

    /// - Parameter shown: the set's file the copy at `path` was made from, for messages.
    private func checkBundle(_ path: String, shown: String, manifest: BackupManifest) async throws {
        let listing: [ArchiveEntry]
        do {
            listing = try await TarGz.list(path).entries
        } catch {
            throw BackupError(.integrity, "\(shown) cannot be read to its end: \(error)")
        }
        let names = Set(listing.map(\.path))
        let missing = (manifest.artifacts?.objects ?? []).filter { !names.contains($0.key) }
        guard missing.isEmpty else {
            throw BackupError(.integrity, "\(shown) lacks \(missing.count) artifact(s) the manifest lists, such as \(missing[0].key)")
        }
    }
}

extension FileDigest {
    /// A set file's digest as stored, with backup errors: a file that cannot be opened is an integrity problem of
    /// the set, a failing read one of the storage. Blocking.
    static func ofSetFile(_ path: String) throws(BackupError) -> FileDigest {
        do {
            return try FileDigest.of(path: path)
        } catch  where error.code == ENOENT || error.code == EACCES {
            throw BackupError(.integrity, "\(path) is missing or unreadable: \(String(cString: strerror(error.code)))")
        } catch {
            throw BackupError(.storage, "\(error)")
        }
    }
}
