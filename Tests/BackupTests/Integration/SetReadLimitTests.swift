import Backup
import BackupFixtures
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
            try await expectRefusedEverywhere(harness, environment: harness.environment, id: manifest.id, .integrity, message)
            await expectBackupError(.integrity, message) { _ = try BackupSets(harness.environment).localSets() }
        }
    }

    @Test("a sparse terabyte manifest.json.sig is refused unread")
    func hugeLocalSignature() async throws {
        try await BackupHarness.with(signingKeyFile: signingKeyFile) { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let path = harness.environment.setPath(manifest.id) + "/manifest.json.sig"
            try makeSparse(path, size: Self.terabyte)
            try await expectRefusedEverywhere(
                harness,
                environment: harness.environment,
                id: manifest.id,
                .integrity,
                "\(path) has \(Self.terabyte) bytes, more than the 4096 bytes a signature may have"
            )
        }
    }

    @Test("a local database.dump larger than its manifest entry is refused unread, plain or encrypted", arguments: [false, true])
    func oversizedLocalDump(encrypted: Bool) async throws {
        let keyFile = encrypted ? try keys.file("encryption", String(repeating: "2f", count: 32)) : nil
        try await BackupHarness.with(keyFile: keyFile, signingKeyFile: signingKeyFile) { harness in
            let manifest = try await BackupCreator(harness.environment).create(.init(scope: .database))
            let dump = try #require(manifest.file(named: "database.dump"))
            let path = harness.environment.setPath(manifest.id) + "/database.dump"
            // 64 MiB of hole: a terabyte is refused the same way, but a Nomaly without the bound would read it all.
            try makeSparse(path, size: dump.size + (64 << 20))
            try await expectRefusedEverywhere(
                harness,
                environment: harness.environment,
                id: manifest.id,
                .integrity,
                "\(path) has \(dump.size + (64 << 20)) bytes, more than the \(dump.size) bytes its manifest entry gives it"
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
            let dump = try #require(manifest.file(named: "database.dump"))

            try await expectRefusedWhileReplaced(
                harness,
                manifest.id,
                "database.dump",
                by: { $0 + Data([0]) },
                "/\(manifest.id)/database.dump has \(dump.size + 1) bytes, more than the \(dump.size) bytes its manifest entry gives it"
            )
            try await expectRefusedWhileReplaced(
                harness,
                manifest.id,
                "manifest.json.sig",
                by: { _ in Data(repeating: 0x20, count: 4097) },
                "/\(manifest.id)/manifest.json.sig has 4097 bytes, more than the 4096 bytes a signature may have"
            )
            try await expectRefusedWhileReplaced(
                harness,
                manifest.id,
                "manifest.json",
                by: { _ in Data(repeating: 0x20, count: BackupManifest.maximumSize + 1) },
                "/\(manifest.id)/manifest.json has \(BackupManifest.maximumSize + 1) bytes, "
                    + "more than the \(BackupManifest.maximumSize) bytes a manifest may have"
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
            try await expectRefusedEverywhere(
                harness,
                environment: environment,
                id: manifest.id,
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
            try await expectRefusedEverywhere(
                harness,
                environment: harness.environment,
                id: manifest.id,
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

    /// Replaces one object of the set in the bucket with what `replacement` makes of it, expects verify and restore to
    /// refuse the set, then puts the original back, after which the set verifies again.
    private func expectRefusedWhileReplaced(
        _ harness: BackupHarness,
        _ id: BackupSetID,
        _ name: String,
        by replacement: (Data) -> Data,
        _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let remote = try #require(harness.environment.remote)
        let key = remote.key(id, file: name)
        let original = harness.folder.path + "/original-" + name
        try await remote.store.get(key: key, to: original, progress: nil)
        let replaced = try harness.folder.data("replaced-" + name, replacement(try Data(contentsOf: URL(fileURLWithPath: original))))
        try await remote.store.put(file: replaced, key: key, progress: nil)
        try await expectRefusedEverywhere(harness, environment: harness.environment, id: id, .integrity, message, sourceLocation: sourceLocation)
        try await remote.store.put(file: original, key: key, progress: nil)
        try await BackupVerifier(harness.environment).verify(id)
    }
}
