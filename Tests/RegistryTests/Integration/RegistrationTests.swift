import Archive
import Audit
import Foundation
import JSONValues
import Modeling
import ObjectStore
import Postgres
import Processes
import Registry
import Synchronization
import TestSupport
import Testing

@Suite("Registering versions (real Postgres)")
struct RegistrationTests {
    @Test("20 concurrent registrations of a new model get versions 1 to 20, without gaps or errors")
    func concurrentRegistrations() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        // A connection per registration: the test is about numbering under contention, not about pool waits,
        // which on a loaded machine can outlast the acquire timeout while 20 registrations queue on one row lock.
        try await ScratchDatabase.withSchema(maximumConnections: 24) { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            let registry = harness.registry
            let versions = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await registry.register(model: "fraud", artifact: artifact, actor: "worker-\(index)").version }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(versions.sorted() == Array(1...20))
            #expect(try await harness.count("SELECT next_version FROM models WHERE name = 'fraud'") == 21)
            #expect(try await harness.count("SELECT count(*) FROM audit_log WHERE action = 'model.register'") == 20)
            #expect(try await harness.storedKeys().count == 1)
        }
    }

    @Test("a version records the manifest, metrics and lineage; an identical artifact is stored once for two versions")
    func recordedFields() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        let loaded = try await ModelArtifact.load(artifact)
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            let runID = try await pool.query(
                """
                WITH job AS (INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('train-fraud', 'train', '@daily', 'x') RETURNING name)
                INSERT INTO job_runs (job_name, scheduled_at, trigger) SELECT name, now(), 'manual' FROM job RETURNING id
                """
            ).first!.decode(Int64.self)
            let first = try await harness.registry.register(
                model: "fraud",
                artifact: artifact,
                description: "first fit",
                actor: "ana",
                lineage: .init(trainingRunID: runID, specHash: "spec-1")
            )
            #expect(first.model == "fraud" && first.version == 1)
            #expect(first.algorithm == "isolation-forest")
            #expect(first.params["trees"] == .integer(5))
            #expect(first.metrics["anomaly_rate"] != nil && first.metrics["training"]?["count"] == .integer(121))
            #expect(first.featureSchema.arrayElements.map { $0["name"] } == [.string("a"), .string("b"), .string("c")])
            #expect(first.artifactSha256 == loaded.sha256)
            #expect(first.artifactUri == harness.artifacts.uri(sha256: loaded.sha256))
            #expect(first.artifactSize == Int64(try Data(contentsOf: URL(fileURLWithPath: artifact)).count))
            #expect(first.trainingRunId == runID && first.specHash == "spec-1")
            #expect(first.datasetFingerprint == loaded.manifest.training.sourceSha256)
            #expect(first.nomalyVersion == "test" && first.description == "first fit" && first.createdBy == "ana")
            #expect(first.aliases.isEmpty)

            let second = try await harness.registry.register(model: "fraud", artifact: artifact, actor: "bob")
            #expect(second.version == 2 && second.artifactSha256 == first.artifactSha256)
            #expect(try await harness.storedKeys() == [harness.artifacts.key(sha256: loaded.sha256)])
            #expect(try await harness.registry.version(model: "fraud", version: 1) == first)

            let copy = folder.path + "/copy.tar.gz"
            try await harness.artifacts.fetch(sha256: first.artifactSha256, to: copy)
            #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(contentsOf: URL(fileURLWithPath: artifact)))

            let entries = try await harness.audit.entries(limit: 10)
            #expect(entries.map(\.target) == ["fraud:2", "fraud:1"])
            #expect(entries.last?.actor == "ana" && entries.last?.details["spec_hash"] == .string("spec-1"))
            #expect(try await harness.audit.entries(limit: 10, before: entries[0].id).map(\.target) == ["fraud:1"])
        }
    }

    @Test("hostile or malformed tarballs are refused, and nothing is stored: no row, no object")
    func hostileArtifacts() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        let unpacked = folder.path + "/unpacked"
        _ = try await TarGz.extract(artifact, into: unpacked)

        // A model file that is a symlink to /etc/passwd, packed by the system tar.
        try FileManager.default.removeItem(atPath: unpacked + "/model.bin")
        try FileManager.default.createSymbolicLink(atPath: unpacked + "/model.bin", withDestinationPath: "/etc/passwd")
        let symlink = folder.path + "/symlink.tar.gz"
        let tar = try await run(["tar", "-czf", symlink, "-C", unpacked, "."])
        #expect(tar.status == 0, "\(tar.combinedOutput)")
        try FileManager.default.removeItem(atPath: unpacked + "/model.bin")

        // An entry that climbs out of the extraction folder, which GNU tar will not write: Python's tarfile does.
        let escape = folder.path + "/escape.tar.gz"
        let python = try await run([
            "python3", "-c",
            "import sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:gz') as t:\n"
                + "    t.add(sys.argv[2], arcname='manifest.json')\n    t.add(sys.argv[2], arcname='../escape.json')",
            escape, unpacked + "/manifest.json",
        ])
        #expect(python.status == 0, "\(python.combinedOutput)")

        let text = try folder.file("text.tar.gz", "this is not a tarball\n")

        // A well-formed tarball without a manifest.
        try FileManager.default.removeItem(atPath: unpacked + "/manifest.json")
        let bare = folder.path + "/bare.tar.gz"
        _ = try await TarGz.create(directory: unpacked, output: bare)

        // Every `try` in this closure is inside a macro or a nested closure, so its throwing must be spelled out.
        try await ScratchDatabase.withSchema { pool, _ async throws in
            let harness = RegistryHarness.files(pool, folder)
            let refusals: [(path: String, message: String)] = [
                (symlink, "not a readable model tarball"), (escape, "not a readable model tarball"), (text, "not a readable"),
                (bare, "has no manifest.json"),
            ]
            for (path, message) in refusals {
                await expectRegistryError(.invalidArtifact, message) {
                    _ = try await harness.registry.register(model: "fraud", artifact: path, actor: "mallory")
                }
            }
            await expectRegistryError(.invalidArtifact, "no such model file") {
                _ = try await harness.registry.register(model: "fraud", artifact: folder.path + "/missing.tar.gz", actor: "mallory")
            }
            #expect(try await harness.count("SELECT count(*) FROM models") == 0)
            #expect(try await harness.count("SELECT count(*) FROM model_versions") == 0)
            #expect(try await harness.count("SELECT count(*) FROM audit_log") == 0)
            #expect(try await harness.storedKeys().isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/escape.json"))
    }

    @Test("a failed upload writes no version and uses up no version number")
    func failedUpload() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder, seed: 1)
        let other = try await ModelFactory.artifact(in: folder, seed: 2)
        try await ScratchDatabase.withSchema { pool, _ in
            let good = RegistryHarness.files(pool, folder)
            let broken = RegistryHarness(pool: pool, store: FailingStore())
            _ = try await good.registry.register(model: "fraud", artifact: artifact, actor: "ana")
            await expectRegistryError(.storage, "the network is down") {
                _ = try await broken.registry.register(model: "fraud", artifact: other, actor: "ana")
            }
            await expectRegistryError(.storage) {
                _ = try await broken.registry.register(model: "brand-new", artifact: other, actor: "ana")
            }
            #expect(try await good.count("SELECT next_version FROM models WHERE name = 'fraud'") == 2)
            #expect(try await good.count("SELECT count(*) FROM models") == 1)
            #expect(try await good.count("SELECT count(*) FROM model_versions") == 1)
            #expect(try await good.registry.register(model: "fraud", artifact: other, actor: "ana").version == 2)
        }
    }

    @Test("a transaction that fails after the upload leaves only the object, which garbage collection removes")
    func failedTransaction() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            await expectRegistryError(.notFound, "training run 424242 does not exist") {
                _ = try await harness.registry.register(model: "fraud", artifact: artifact, actor: "ana", lineage: .init(trainingRunID: 424_242))
            }
            #expect(try await harness.count("SELECT count(*) FROM model_versions") == 0)
            #expect(try await harness.count("SELECT count(*) FROM models") == 0)
            let keys = try await harness.storedKeys()
            #expect(keys.count == 1)

            let kept = try await harness.registry.collectGarbage(dryRun: false)
            #expect(kept.deletedKeys.isEmpty && kept.skippedRecentKeys == keys)
            let report = try await harness.registry.collectGarbage(dryRun: false, gracePeriod: .zero)
            #expect(report.orphanKeys == keys && report.deletedKeys == keys)
            #expect(try await harness.storedKeys().isEmpty)
        }
    }

    @Test("an artifact that vanishes before the version commits (a racing gc) is stored again, not referenced while missing")
    func vanishingArtifact() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let store = VanishingStore(inner: FileStore(root: folder.path + "/store"))
            let harness = RegistryHarness(pool: pool, store: store)
            let version = try await harness.registry.register(model: "fraud", artifact: artifact, actor: "ana")
            #expect(version.version == 1)
            #expect(store.uploads == 2)
            try await harness.artifacts.fetch(sha256: version.artifactSha256, to: folder.path + "/fetched.tar.gz")
        }
    }

    @Test("names and actors are checked before anything happens")
    func invalidInput() async throws {
        let folder = try TemporaryFolder()
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            await expectRegistryError(.invalidName, "not a valid model name") {
                _ = try await harness.registry.register(model: "bad name", artifact: "/nonexistent", actor: "ana")
            }
            await expectRegistryError(.invalidName, "actor") {
                _ = try await harness.registry.register(model: "fraud", artifact: "/nonexistent", actor: " ")
            }
            await expectRegistryError(.notFound, "there is no model ghost") { _ = try await harness.registry.model("ghost") }
        }
    }

    func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        await NomalyProcess.collect(try ChildProcess.spawn(arguments))
    }
}

/// A file store that loses the first object it stored just before the registration's last check, as if a garbage
/// collection had deleted it.
final class VanishingStore: ObjectStore {
    let inner: FileStore
    private let counts = Mutex((heads: 0, uploads: 0))

    init(inner: FileStore) { self.inner = inner }

    var uploads: Int { counts.withLock { $0.uploads } }
    var locationDescription: String { inner.locationDescription }

    func put(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        counts.withLock { $0.uploads += 1 }
        return try await inner.put(file: path, key: key, progress: progress)
    }

    func head(key: String) async throws -> ObjectInfo? {
        // Heads 1 and 2 are the upload's existence check and verification; head 3 is the check under the lock.
        if counts.withLock({ counts in
            counts.heads += 1
            return counts.heads == 3
        }) {
            try await inner.delete(key: key)
        }
        return try await inner.head(key: key)
    }

    func get(key: String, to path: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        try await inner.get(key: key, to: path, progress: progress)
    }

    func list(prefix: String) async throws -> [ObjectInfo] { try await inner.list(prefix: prefix) }
    func delete(key: String) async throws { try await inner.delete(key: key) }
}

extension JSONValue {
    /// The elements of an array; empty for anything else.
    var arrayElements: [JSONValue] {
        if case .array(let elements) = self { return elements }
        return []
    }
}

@Suite("A model's own description (real Postgres)")
struct ModelDescriptionTests {
    @Test("a registration with a model description sets the model's; one without leaves it; the version keeps its own")
    func modelDescription() async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let registry = RegistryHarness.files(pool, folder).registry
            _ = try await registry.register(model: "fraud", artifact: artifact, description: "v1", modelDescription: "Card payments", actor: "ana")
            #expect(try await registry.model("fraud").description == "Card payments")
            let second = try await registry.register(model: "fraud", artifact: artifact, description: "v2", actor: "ana")
            #expect(second.description == "v2")
            #expect(try await registry.model("fraud").description == "Card payments", "a registration without one keeps it")
            _ = try await registry.register(model: "fraud", artifact: artifact, modelDescription: "Card payments, nightly", actor: "ana")
            #expect(try await registry.models().map(\.description) == ["Card payments, nightly"])
        }
    }
}
