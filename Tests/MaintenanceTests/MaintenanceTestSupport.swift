import Backup
import Foundation
import Maintenance
import ObjectStore
import Postgres
import Registry
import TestSupport

/// A scratch database with the schema, a registry over a local artifact folder, and a backup folder (and, with
/// `remote`, a bucket of the local S3 server): what the clean-up and the report work on.
struct MaintenanceHarness {
    let pool: PostgresPool
    let folder: TemporaryFolder
    let registry: ModelRegistry
    let environment: BackupEnvironment

    static func with<Result>(remote: Bool = false, _ body: (MaintenanceHarness) async throws -> Result) async throws -> Result {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder("nomaly-maintenance")
            let artifacts = ArtifactStore(store: FileStore(root: folder.path + "/artifacts"), prefix: "")
            let registry = ModelRegistry(pool: pool, artifacts: artifacts, logger: TestEnvironment.logger)
            var environment = BackupEnvironment(
                pool: pool,
                directory: folder.path + "/backups",
                artifacts: RegistryArtifacts(registry),
                nomalyVersion: "test",
                logger: TestEnvironment.logger
            )
            if remote {
                environment.remote = RemoteBackups(store: try await S3Buckets.makeStore(name: "maintenance"), prefix: "nomaly/")
            }
            return try await body(MaintenanceHarness(pool: pool, folder: folder, registry: registry, environment: environment))
        }
    }

    /// Models `fraud` (versions 1 and 2, `production` at 1) and `churn` (version 1; version 2 deleted).
    func populate() async throws {
        for (index, model) in ["fraud", "churn"].enumerated() {
            for seed in 1...2 {
                let path = try await ModelFactory.artifact(in: folder, seed: UInt64(index * 10 + seed))
                _ = try await registry.register(model: model, artifact: path, actor: "test")
            }
            try await registry.promote(model: model, version: 1, alias: "production", actor: "test")
        }
        try await registry.delete(model: "churn", version: 2, actor: "test")
    }
}

/// The value of the sample whose name and labels are exactly `series` in a Prometheus text exposition.
func sampleValue(_ series: String, in exposition: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}
