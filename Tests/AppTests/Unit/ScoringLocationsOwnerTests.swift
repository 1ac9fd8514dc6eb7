import App
import Foundation
import Logging
import ObjectStore
import Registry
import Settings
import Testing

/// App finishes the scoring rule once; ModelServices and the API take it as it is. Nothing here is contacted: building
/// an S3 store opens no connection.
@Suite("App finishes the scoring locations")
struct ScoringLocationsOwnerTests {
    static func runtime(_ variables: [String: String]) throws -> Runtime {
        Runtime(
            configuration: try NomalyConfiguration(environment: Environment(variables), workingDirectory: "/srv/nomaly"),
            logger: Logger(label: "test")
        )
    }

    @Test("the artifact store, the backup folder and the off-site backups are protected; prefixes and folder as set")
    func everythingProtected() throws {
        let runtime = try Self.runtime([
            "NOMALY_ARTIFACTS": "s3://shared/nomaly/artifacts/", "NOMALY_SCORING_S3_PREFIXES": "s3://shared/nomaly/",
            "S3_BUCKET": "shared", "S3_PREFIX": "nomaly", "S3_ENDPOINT": "http://127.0.0.1:1", "NOMALY_BACKUP_DIR": "/var/backups/nomaly",
        ])
        let locations = try runtime.scoringLocations()
        #expect(locations.s3Prefixes == ["s3://shared/nomaly/"])
        #expect(locations.scoringDirectory == "/srv/nomaly/.nomaly/scoring")
        #expect(
            locations.protected == [
                ProtectedLocation(name: "the backup folder (NOMALY_BACKUP_DIR)", place: .folder("/var/backups/nomaly")),
                ProtectedLocation(name: "the artifact store (NOMALY_ARTIFACTS)", place: .s3(bucket: "shared", prefix: "nomaly/artifacts/")),
                ProtectedLocation(name: "the off-site backups (S3_BUCKET, S3_PREFIX)", place: .s3(bucket: "shared", prefix: "nomaly/backups/")),
            ]
        )
        #expect(throws: ScoringLocationError.self) { try locations.checkS3("s3://shared/nomaly/artifacts/sha256/x.tar.gz", role: "output") }
        #expect(try locations.checkS3("s3://shared/nomaly/in/today.csv", role: "input") == "s3://shared/nomaly/in/today.csv")
    }

    @Test("given the registry's store, the rule protects that store, once")
    func givenStore() throws {
        let runtime = try Self.runtime(["NOMALY_ARTIFACTS": "models"])
        let artifacts = try runtime.artifactStore()
        let locations = try runtime.scoringLocations(artifacts: artifacts)
        #expect(locations == (try runtime.scoringLocations()))
        #expect(locations.protected.filter { $0.name == "the artifact store (NOMALY_ARTIFACTS)" }.map(\.place) == [.folder("/srv/nomaly/models")])
    }

    @Test("with invalid S3 settings and an s3:// artifact store there is no rule, rather than an incomplete one")
    func noRuleWithoutS3() throws {
        let runtime = try Self.runtime(["NOMALY_ARTIFACTS": "s3://shared/artifacts/", "S3_PART_SIZE": "lots"])
        #expect(throws: ConfigurationError.self) { try runtime.scoringLocations() }
    }
}
