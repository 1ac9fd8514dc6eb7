import AdminAPI
import Foundation
import ObjectStore
import Registry
import TestSupport
import Testing

@Suite("/ready's artifact store check")
struct ArtifactStoreProbeTests {
    /// A store whose every call fails, as an unreachable bucket does.
    struct Unreachable: ObjectStore {
        var locationDescription: String { "s3://gone/models" }
        func failure() -> ObjectStoreError { ObjectStoreError(code: .transport, message: "Couldn't connect to server") }
        func put(file path: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo { throw failure() }
        func get(key: String, to path: String, progress: TransferProgressHandler?) async throws -> ObjectInfo { throw failure() }
        func head(key: String) async throws -> ObjectInfo? { throw failure() }
        func list(prefix: String) async throws -> [ObjectInfo] { throw failure() }
        func delete(key: String) async throws { throw failure() }
    }

    @Test("a reachable store passes, even empty; an unreachable one fails naming the store and the cause")
    func probe() async throws {
        let folder = try TemporaryFolder()
        let healthy = ReadinessProbe.artifactStore(ArtifactStore(store: FileStore(root: folder.path), prefix: "models/"))
        #expect(try await healthy.check() == nil)
        let broken = ReadinessProbe.artifactStore(ArtifactStore(store: Unreachable(), prefix: ""))
        let message = try #require(try await broken.check())
        #expect(message.contains("s3://gone/models") && message.contains("Couldn't connect"), "\(message)")
    }
}
