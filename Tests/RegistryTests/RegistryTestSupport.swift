import Audit
import Datasets
import Foundation
import Modeling
import ObjectStore
import Postgres
import Processes
import Registry
import TestSupport
import Testing

/// A registry over a scratch database and a store, and what tests check about both.
struct RegistryHarness {
    let pool: PostgresPool
    let registry: ModelRegistry

    var artifacts: ArtifactStore { registry.artifacts }
    /// Where the registry's changes are recorded (in the change's own transaction).
    var audit: AuditLog { AuditLog(pool: pool) }

    init(pool: PostgresPool, store: any ObjectStore, prefix: String = "models/") {
        self.pool = pool
        registry = ModelRegistry(pool: pool, artifacts: ArtifactStore(store: store, prefix: prefix), logger: TestEnvironment.logger)
    }

    /// A registry whose artifacts are files under `folder/store`.
    static func files(_ pool: PostgresPool, _ folder: TemporaryFolder) -> RegistryHarness {
        RegistryHarness(pool: pool, store: FileStore(root: folder.path + "/store"))
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await pool.query(sql, parameters).first!.decode(Int.self)
    }

    /// Keys of every object in the store, artifacts or not.
    func storedKeys() async throws -> [String] {
        try await artifacts.store.list(prefix: "").map(\.key)
    }
}

/// Runs `body` and checks that it fails with a ``RegistryError`` of `code` whose message contains `text`.
func expectRegistryError(
    _ code: RegistryError.Code,
    _ text: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a \(code) error, but it succeeded", sourceLocation: sourceLocation)
    } catch let error as RegistryError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        if let text {
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a RegistryError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// An object store that refuses every upload, to show that the registry writes no row without its artifact.
struct FailingStore: ObjectStore {
    var locationDescription: String { "failing://store" }

    func put(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        throw ObjectStoreError(code: .transport, message: "the network is down (test)")
    }

    func get(key: String, to path: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        throw ObjectStoreError(code: .notFound, message: "nothing here (test)")
    }

    func head(key: String) async throws -> ObjectInfo? { nil }
    func list(prefix: String) async throws -> [ObjectInfo] { [] }
    func delete(key: String) async throws {}
}
