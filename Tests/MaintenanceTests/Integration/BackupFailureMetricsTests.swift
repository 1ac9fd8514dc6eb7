import Backup
import BackupFixtures
import Foundation
import Maintenance
import Observability
import Postgres
import Prometheus
import TestSupport
import Testing

/// A backup that fails on its key is a failed backup like any other: it has a `failed` row naming the setting, and
/// `nomaly_backup_failures_24h` counts it, so `BackupFailing` fires. Until issue 26 the key was read before the row
/// was written: the attempt left no trace but the command's error.
@Suite("Every backup failure is recorded and counted, a key failure too (real Postgres)")
struct BackupFailureMetricsTests {
    @Test(
        "a key file that cannot be used writes a failed row naming the setting, and the failure metric counts it",
        arguments: [
            ("ENCRYPTION_KEY_FILE", "not a key\n", "does not hold a key"),
            ("ENCRYPTION_KEY_FILE", "", "is empty"),
            ("NOMALY_BACKUP_SIGNING_KEY_FILE", "not a key\n", "does not hold a key"),
            ("NOMALY_BACKUP_SIGNING_KEY_FILE", nil, "No such file or directory"),
        ] as [(String, String?, String)]
    )
    func keyFailureRecorded(setting: String, content: String?, reason: String) async throws {
        let keys = try TemporaryFolder("nomaly-bad-key")
        let path = try content.map { try keys.file("key", $0) } ?? keys.path + "/absent.key"
        let encryption = setting == "ENCRYPTION_KEY_FILE" ? path : nil
        let signing = setting == "NOMALY_BACKUP_SIGNING_KEY_FILE" ? path : nil
        try await BackupHarness.with(keyFile: encryption, signingKeyFile: signing) { harness in
            do {
                try await BackupCreator(harness.environment).create(.init(scope: .database))
                Issue.record("a backup with an unusable key succeeded")
            } catch let error as BackupError {
                #expect(error.code == .key)
                #expect(error.message.hasPrefix("\(setting): ") && error.message.contains(reason), "\(error.message)")
            }
            struct Row: Decodable {
                let kind: String
                let status: String
                let error: String?
            }
            let rows = try await harness.pool.query("SELECT kind, status, error FROM backups").decode(Row.self)
            #expect(rows.count == 1)
            #expect(rows.first?.kind == "database" && rows.first?.status == "failed")
            #expect(rows.first?.error?.hasPrefix("\(setting): ") == true, "\(rows.first?.error ?? "")")
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: harness.environment.directory)) ?? []
            #expect(leftovers.isEmpty, "no set and no staging folder: \(leftovers)")

            let registry = PrometheusCollectorRegistry()
            await MetricsCollector.backups(harness.pool, registry: registry).collect()
            let text = NomalyMetrics.exposition(of: registry)
            #expect(sampleValue(#"nomaly_backup_failures_24h{kind="database"}"#, in: text) == 1, "\(text)")
        }
    }
}
