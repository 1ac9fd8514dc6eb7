import Backup
import Foundation
import Jobs
import Postgres
import Scheduler
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
