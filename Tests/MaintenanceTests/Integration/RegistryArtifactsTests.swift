import Backup
import BackupFixtures
import Foundation
import Maintenance
import ObjectStore
import Registry
import TestSupport
import Testing

@Suite("The registry's artifacts as backups see them (real Postgres and files)")
struct RegistryArtifactsTests {
    @Test("live objects carry the artifact store's keys; keys, lookups and stores are the artifact store's")
    func adapter() async throws {
        try await BackupHarness.with { harness in
            try await harness.populateModels()
            let artifacts = RegistryArtifacts(harness.registry)
            let store = harness.registry.artifacts
            let live = try await artifacts.liveObjects()
            let expected = try await harness.registry.liveArtifacts()
            #expect(live.map(\.sha256) == expected.map(\.sha256))
            #expect(live.map(\.versions) == expected.map(\.versions))
            #expect(live.map(\.size) == expected.map(\.size))
            #expect(live.map(\.key) == expected.map { store.key(sha256: $0.sha256) })
            #expect(live.flatMap(\.versions).sorted() == ["churn:1", "fraud:1", "fraud:2"])
            #expect(artifacts.keyPrefix == store.keyPrefix)
            for object in live {
                #expect(artifacts.sha256(ofKey: object.key) == object.sha256)
                #expect(try await artifacts.exists(sha256: object.sha256, size: object.size))
                #expect(try await !artifacts.exists(sha256: object.sha256, size: object.size + 1))
            }
            #expect(artifacts.store.locationDescription == store.store.locationDescription)
        }
    }
}
