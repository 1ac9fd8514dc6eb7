import Backup
import BackupFixtures
import Foundation
import JSONValues
import Jobs
import ObjectStore
import Postgres
import Registry
import Scheduler
import Settings
import TestSupport
import Testing

@Suite("Retention, set ids and job settings (no I/O)")
struct RetentionPolicyTests {
    private let now = BackupSetID("20261201_000000")!.date

    private func set(_ daysAgo: Double, _ scope: BackupScope, verified: Bool = true) -> RetentionPolicy.Candidate {
        .init(id: BackupSetID(date: now.addingTimeInterval(-daysAgo * 86_400)), scope: scope, verified: verified)
    }

    @Test("the guide's defaults: database and full sets older than 30 days, model sets beyond the newest 7")
    func defaults() {
        let sets = [set(31, .database), set(29, .database), set(45, .full), set(1, .full)] + (1...9).map { set(Double($0), .models) }
        let doomed = RetentionPolicy().expired(sets, now: now)
        #expect(doomed == [set(45, .full), set(31, .database), set(9, .models), set(8, .models)].sorted { $0.id < $1.id })
    }

    @Test("the newest verified set of a kind survives any rule; unverified newer sets do not protect it")
    func newestVerifiedIsKept() {
        let sets = [set(90, .database), set(60, .database), set(50, .database, verified: false)]
        let doomed = RetentionPolicy().expired(sets, now: now)
        #expect(doomed == [set(90, .database), set(50, .database, verified: false)])
        let none = RetentionPolicy(database: .init(keepLast: 1)).expired([set(1, .database, verified: false)], now: now)
        #expect(none.isEmpty, "keep_last 1 keeps the only set")
    }

    @Test("set ids round-trip, sort by age, give the bucket's date path, and refuse anything else")
    func setIDs() throws {
        let id = try #require(BackupSetID("20261203_010203"))
        #expect(BackupSetID(date: id.date) == id)
        #expect(id.datePath == "2026/12/03/")
        #expect(id < BackupSetID("20261203_010204")!)
        for bad in ["20261303_010203", "20261203-010203", "2026120_010203", "20261203_250000", "../etc", ""] {
            #expect(BackupSetID(bad) == nil, "\(bad)")
        }
    }

    @Test("libpq programs get the connection through PG variables, password included, never argv")
    func clientEnvironment() throws {
        let configuration = PostgresConfiguration(connectionString: "postgresql://ana:s3cret@db.example:6543/prod?sslmode=require")
        let environment = try configuration.clientEnvironment(applicationName: "nomaly-backup", database: "scratch", base: [:])
        #expect(environment["PGHOST"] == "db.example")
        #expect(environment["PGPORT"] == "6543")
        #expect(environment["PGUSER"] == "ana")
        #expect(environment["PGPASSWORD"] == "s3cret")
        #expect(environment["PGSSLMODE"] == "require")
        #expect(environment["PGDATABASE"] == "scratch")
        #expect(throws: PostgresError.self) {
            try PostgresConfiguration(connectionString: "host='unterminated").clientEnvironment(applicationName: "x")
        }
    }

    @Test("a restore test reaches the scratch database with the live connection's TLS settings (verify-full and its CA)")
    func scratchConninfo() throws {
        let configuration = PostgresConfiguration(
            connectionString: "postgresql://ana:s3cret@db.example:6543/prod?sslmode=verify-full&sslrootcert=/etc/nomaly/postgres-ca/ca.crt"
        )
        let environment = try configuration.clientEnvironment(applicationName: "nomaly-restore-test", database: "scratch", base: [:])
        let conninfo = PostgresConfiguration.conninfo(fromClientEnvironment: environment)
        let reparsed = try PostgresConfiguration(connectionString: conninfo).clientEnvironment(applicationName: "nomaly-restore-test", base: [:])
        #expect(reparsed == environment)
        #expect(conninfo.contains("sslrootcert='/etc/nomaly/postgres-ca/ca.crt'"))
        #expect(conninfo.contains("dbname='scratch'"))
    }

    @Test("job files: the backup kinds validate their settings by key")
    func jobSettings() throws {
        let loader = JobSpecLoader(kinds: BuiltInKinds.registry(pool: nil))
        _ = try loader.load(
            "kind: backup\nschedule: \"0 1 * * *\"\nwith: {kind: database, max_age: 30d, keep_last: 5}\n",
            file: "b.yaml",
            defaultName: "b"
        )
        _ = try loader.load(
            "kind: cleanup\nschedule: \"0 4 * * *\"\nwith: {models_keep_last: 3, runs_max_age: 10d}\n",
            file: "c.yaml",
            defaultName: "c"
        )
        _ = try loader.load("kind: s3-upload\nschedule: \"0 3 * * *\"\n", file: "u.yaml", defaultName: "u")
        let badKind = #expect(throws: (any Error).self) {
            try loader.load("kind: backup\nschedule: \"@daily\"\nwith: {kind: everything}\n", file: "x.yaml", defaultName: "x")
        }
        #expect("\(badKind!)".contains("with.kind"))
        let typo = #expect(throws: (any Error).self) {
            try loader.load("kind: cleanup\nschedule: \"@daily\"\nwith: {database_max_ag: 30d}\n", file: "y.yaml", defaultName: "y")
        }
        #expect("\(typo!)".contains("database_max_age"))
    }
}

@Suite("The backup, s3-upload and cleanup job kinds run (real Postgres)")
struct BackupJobKindTests {
    private func run(_ yaml: String, _ harness: BackupHarness) async throws -> (outcome: RunOutcome, log: String) {
        // The cleanup kind collects the registry's unused artifacts, so it is given the registry's services.
        let models = ModelServices(
            pool: harness.pool,
            registry: harness.registry,
            cache: DetectorCache(artifacts: harness.registry.artifacts),
            specsDirectory: harness.folder.path + "/registry",
            s3: nil,
            nomalyVersion: "test",
            scoringLocations: ScoringLocations(scoringDirectory: harness.folder.path + "/scoring")
        )
        let kinds = BuiltInKinds.registry(pool: harness.pool, models: models, backups: harness.environment)
        let spec = try JobSpecLoader(kinds: kinds).load(yaml, file: "jobs/j.yaml", defaultName: "j")
        var settings = JobSettings(spec.settings)
        let runnable = try #require(kinds[spec.kind]).prepare(&settings)
        let log = RunLog()
        let context = RunContext(job: spec, runID: 1, attempt: 1, scheduledAt: Date(), trigger: "manual", logger: TestEnvironment.logger, log: log)
        return (try await runnable.run(context), log.tail)
    }

    @Test("backup makes a verified set, says the upload is skipped without S3, and applies its own retention")
    func backupJob() async throws {
        try await BackupHarness.with { harness in
            let old = Date().addingTimeInterval(-40 * 86_400)
            let stale = try await BackupCreator(harness.environment).create(.init(scope: .database), now: { old })
            let (outcome, log) = try await run("kind: backup\nschedule: \"@daily\"\nwith: {kind: database, upload: true, max_age: 30d}\n", harness)
            #expect(log.contains("upload skipped: S3 is not configured"))
            let result = try #require(outcome.result?.objectValue)
            let id = try #require(result["id"]?.stringValue)
            #expect(try await harness.backupRow(id)?.verified == true)
            #expect(result["deleted"] == .array([.string(stale.id.value)]))
            #expect(try BackupSets(harness.environment).localSets().map(\.id.value) == [id])
        }
    }

    @Test("s3-upload is idle with a clear line until S3 is configured; cleanup reports what it deleted")
    func uploadAndCleanupJobs() async throws {
        try await BackupHarness.with { harness in
            let idle = try await run("kind: s3-upload\nschedule: \"@daily\"\n", harness)
            #expect(idle.outcome.result == .object(["idle": .bool(true)]))
            #expect(idle.log.contains("S3 is not configured"))
            let cleanup = try await run("kind: cleanup\nschedule: \"@daily\"\nwith: {dry_run: true}\n", harness)
            #expect(cleanup.log.contains("bytes reclaimed"))
            #expect(cleanup.log.contains("remote: no bucket configured"))
            #expect(cleanup.outcome.result?.objectValue?["dry_run"] == .bool(true))
        }
    }
}
