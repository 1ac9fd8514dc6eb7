import Backup
import Foundation
import ObjectStore
import Postgres
import TestSupport
import Testing

/// Issue 16 review, item 6: nothing of a set is read without a bound before it is authenticated. A planted file that
/// is huge (sparse: it costs its owner no disk) is refused from its size alone, naming the file and the limit.
@Suite("Reads of a set are bounded before authentication (real Postgres, local S3 server)")
struct SetReadLimitTests {
    /// Removed when the test ends.
    let keys: TemporaryFolder
    let signingKeyFile: String

    init() throws {
        keys = try TemporaryFolder("nomaly-key")
        signingKeyFile = try keys.file("signing", String(repeating: "6b", count: 32))
    }

    static let terabyte: Int64 = 1 << 40

    @Test("a sparse terabyte manifest.json is refused unread by verify, restore and list")
    func hugeLocalManifest() async throws {
        try await BackupHarness.with { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let path = harness.environment.setPath(manifest.id) + "/manifest.json"
            try makeSparse(path, size: Self.terabyte)
            let message = "\(path) has \(Self.terabyte) bytes, more than the \(BackupManifest.maximumSize) bytes a manifest may have"
            try await expectRefused(harness, harness.environment, manifest.id, .integrity, message)
            await expectBackupError(.integrity, message) { _ = try BackupCatalog(harness.environment).localSets() }
        }
    }

    @Test("a sparse terabyte manifest.json.sig is refused unread")
    func hugeLocalSignature() async throws {
        try await BackupHarness.with(signingKeyFile: signingKeyFile) { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let path = harness.environment.setPath(manifest.id) + "/manifest.json.sig"
            try makeSparse(path, size: Self.terabyte)
            try await expectRefused(
                harness,
                harness.environment,
                manifest.id,
                .integrity,
                "\(path) has \(Self.terabyte) bytes, more than the 4096 bytes a signature may have"
            )
        }
    }

    @Test("in the bucket: a file longer than its manifest entry, a signature or a manifest past its limit, are refused")
    func oversizedRemoteObjects() async throws {
        try await BackupHarness.with(remote: true, signingKeyFile: signingKeyFile) { harness in
            try await harness.populate()
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            try await BackupUploader(harness.environment).upload([manifest.id])
            try FileManager.default.removeItem(atPath: harness.environment.setPath(manifest.id))
            let remote = try #require(harness.environment.remote)
            let dump = try #require(manifest.file(named: "database.dump"))

            let original = harness.folder.path + "/original.dump"
            try await remote.store.get(key: remote.key(manifest.id, file: "database.dump"), to: original, progress: nil)
            let longer = try harness.folder.data("longer.dump", try Data(contentsOf: URL(fileURLWithPath: original)) + Data([0]))
            try await remote.store.put(file: longer, key: remote.key(manifest.id, file: "database.dump"), progress: nil)
            try await expectRefused(
                harness,
                harness.environment,
                manifest.id,
                .integrity,
                "/\(manifest.id)/database.dump has \(dump.size + 1) bytes, more than the \(dump.size) bytes its manifest entry gives it"
            )
            try await remote.store.put(file: original, key: remote.key(manifest.id, file: "database.dump"), progress: nil)
            try await BackupVerifier(harness.environment).verify(manifest.id)

            let signature = try harness.folder.data("big.sig", Data(repeating: 0x20, count: 4097))
            try await remote.store.put(file: signature, key: remote.key(manifest.id, file: "manifest.json.sig"), progress: nil)
            try await expectRefused(
                harness,
                harness.environment,
                manifest.id,
                .integrity,
                "/\(manifest.id)/manifest.json.sig has 4097 bytes, more than the 4096 bytes a signature may have"
            )

            let bigManifest = try harness.folder.data("big.json", Data(repeating: 0x20, count: BackupManifest.maximumSize + 1))
            try await remote.store.put(file: bigManifest, key: remote.key(manifest.id, file: "manifest.json"), progress: nil)
            try await expectRefused(
                harness,
                harness.environment,
                manifest.id,
                .integrity,
                "/\(manifest.id)/manifest.json has \(BackupManifest.maximumSize + 1) bytes, more than the \(BackupManifest.maximumSize) bytes a manifest may have"
            )
        }
    }

    @Test("off-site in a local folder: a file larger than its manifest entry is refused unread")
    func oversizedFileInOffsiteFolder() async throws {
        try await BackupHarness.with(signingKeyFile: signingKeyFile) { harness in
            var environment = harness.environment
            environment.remote = RemoteBackups(store: FileStore(root: harness.folder.path + "/offsite"), prefix: "nomaly/")
            let manifest = try await BackupCreator(environment).create(.init(scope: .database))
            // Copied there by hand (rsync, a mounted share): the set's folder moved to where the bucket layout puts it.
            let offsite = harness.folder.path + "/offsite/" + environment.remote!.key(manifest.id, file: "")
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: offsite).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
            try FileManager.default.moveItem(atPath: environment.setPath(manifest.id), toPath: offsite)
            let report = try await BackupVerifier(environment).verify(manifest.id)
            #expect(report.signedWith != nil)
            let dump = try #require(manifest.file(named: "database.dump"))
            // 64 MiB of hole: a terabyte is refused the same way, but a Nomaly without the bound would copy it all.
            let path = offsite + "database.dump"
            try makeSparse(path, size: dump.size + (64 << 20))
            try await expectRefused(
                harness,
                environment,
                manifest.id,
                .integrity,
                "\(path) has \(dump.size + (64 << 20)) bytes, more than the \(dump.size) bytes its manifest entry gives it"
            )
        }
    }

    @Test("a set whose copies would not fit beside the backups is refused before anything is copied")
    func notEnoughSpaceForTheCopies() async throws {
        try await BackupHarness.with { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            var claimed = manifest
            claimed.files[0].size = 1 << 50
            try claimed.encoded().write(to: URL(fileURLWithPath: harness.environment.setPath(manifest.id) + "/manifest.json"))
            try await harness.pool.execute("UPDATE backups SET sha256 = NULL WHERE id = $1", [manifest.id.value])
            try await expectRefused(
                harness,
                harness.environment,
                manifest.id,
                .storage,
                "checking set \(manifest.id) needs \(Int64(1) << 50) bytes free beside the backups",
                "that file system has"
            )
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.environment.directory).filter {
                $0.hasPrefix(".nomaly-scratch-")
            }
            #expect(leftovers.isEmpty, "the private folder is removed after a refusal")
        }
    }

    // MARK: - Support

    /// A file of `size` bytes that holds its first bytes (if any) and a hole after them.
    private func makeSparse(_ path: String, size: Int64) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard truncate(path, off_t(size)) == 0 else {
            throw BackupError(.storage, "cannot make \(path) sparse: \(String(cString: strerror(errno)))")
        }
    }

    /// Verify and restore both fail with `code` and every text, and the database does not change.
    private func expectRefused(
        _ harness: BackupHarness,
        _ environment: BackupEnvironment,
        _ id: BackupSetID,
        _ code: BackupError.Code,
        _ texts: String...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let tables = try await harness.tableChecksums()
        await expectBackupError(code, containing: texts, sourceLocation: sourceLocation) {
            try await BackupVerifier(environment).verify(id)
        }
        await expectBackupError(code, containing: texts, sourceLocation: sourceLocation) {
            _ = try await BackupRestorer(environment).restore(id, .init(scope: .database, confirmed: true, migrations: try harness.migrations()))
        }
        #expect(try await harness.tableChecksums() == tables, "the database changed", sourceLocation: sourceLocation)
    }
}
