import Backup
import BackupFixtures
import Foundation
import Maintenance
import ObjectStore
import Postgres
import Processes
import Registry
import Settings
import TestSupport
import Testing

/// What only the backup tests check about the shared harness (``BackupFixtures/BackupHarness``).
extension BackupHarness {
    /// Two models with two versions each, one deleted, an alias, tokens and runs: every registry table has rows.
    func populate() async throws {
        try await populateModels()
        try await pool.execute(
            "INSERT INTO api_tokens (name, role, token_sha256) VALUES ('ci', 'admin', repeat('a', 64)), ('grafana', 'viewer', repeat('b', 64))"
        )
    }

    /// An md5 of every row of every table, by table: equal maps mean equal contents.
    func tableChecksums() async throws -> [String: String] {
        let tables = try await pool.query(
            "SELECT format('%I', tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).decode(String.self)
        var sums: [String: String] = [:]
        for table in tables {
            sums[table] = try await pool.query(
                "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') FROM \(table) t"
            ).first!.decode(String.self)
        }
        return sums
    }

    /// sha256 of every file under the artifact folder, by relative path.
    func artifactDigests() throws -> [String: String] {
        var digests: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: artifactRoot)
        while let relative = enumerator?.nextObject() as? String {
            let path = artifactRoot + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            digests[relative] = try sha256sum(path)
        }
        return digests
    }

    /// Drops every table (the database "lost"), and every artifact.
    func destroyEverything() async throws {
        try await pool.execute("DROP SCHEMA public CASCADE")
        try await pool.execute("CREATE SCHEMA public")
        try FileManager.default.removeItem(atPath: artifactRoot)
    }

    func migrations() throws -> [Migration] {
        try Migration.load(from: TestEnvironment.repositoryRoot + "/migrations")
    }

    /// The `backup.waiver` entries of the audit log, oldest first.
    func waiverAudits() async throws -> [(actor: String, target: String, details: String)] {
        struct Row: Decodable {
            let actor: String
            let target: String
            let details: String
        }
        return try await pool.query("SELECT actor, target, details::text AS details FROM audit_log WHERE action = 'backup.waiver' ORDER BY id")
            .decode(Row.self).map { ($0.actor, $0.target, $0.details) }
    }

    func backupRow(_ id: String) async throws -> (status: String, error: String?, verified: Bool)? {
        struct Row: Decodable {
            let status: String
            let error: String?
            let verified: Bool
        }
        return try await pool.query("SELECT status, error, verified_at IS NOT NULL AS verified FROM backups WHERE id = $1", [id])
            .decode(Row.self).first.map { ($0.status, $0.error, $0.verified) }
    }
}

/// `sha256sum`'s answer, as an independent check of our digests.
func sha256sum(_ path: String) throws -> String {
    let result = try ChildProcess.run(["sha256sum", path])
    return String(result.standardOutput.prefix(64))
}

/// Flips one byte in the middle of a file.
func flipByte(in path: String, at offset: Int? = nil) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    let index = offset ?? data.count / 2
    data[index] ^= 0x01
    try data.write(to: URL(fileURLWithPath: path))
}

/// Runs `body` and checks that it fails with a ``BackupError`` of `code` whose message contains every text.
func expectBackupError(
    _ code: BackupError.Code,
    _ texts: String...,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    await expectBackupError(code, containing: texts, sourceLocation: sourceLocation, body)
}

func expectBackupError(
    _ code: BackupError.Code,
    containing texts: [String],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a \(code) error, but it succeeded", sourceLocation: sourceLocation)
    } catch let error as BackupError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        for text in texts { #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("expected a BackupError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Verify and a database restore both fail with `code` and every text, and neither the tables nor the artifacts
/// change.
func expectRefusedEverywhere(
    _ harness: BackupHarness,
    environment: BackupEnvironment,
    id: BackupSetID,
    waivers: BackupWaivers = .none,
    _ code: BackupError.Code,
    _ texts: String...,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let tables = try await harness.tableChecksums()
    let artifacts = try harness.artifactDigests()
    await expectBackupError(code, containing: texts, sourceLocation: sourceLocation) {
        try await BackupVerifier(environment).verify(id, waivers: waivers)
    }
    await expectBackupError(code, containing: texts, sourceLocation: sourceLocation) {
        _ = try await BackupRestorer(environment).restore(
            id,
            .init(scope: .database, confirmed: true, migrations: try harness.migrations(), waivers: waivers)
        )
    }
    #expect(try await harness.tableChecksums() == tables, "the database changed", sourceLocation: sourceLocation)
    #expect(try harness.artifactDigests() == artifacts, "the artifacts changed", sourceLocation: sourceLocation)
}
