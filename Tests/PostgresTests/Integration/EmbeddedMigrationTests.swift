import Foundation
import Postgres
import TestSupport
import Testing

/// The schema travels inside the binary (the EmbedMigrations build plugin). Databases migrated from the files before
/// it did must see the compiled-in copy as the same migrations.
@Suite("Migrations compiled into the binary")
struct EmbeddedMigrationTests {
    static let folder = TestEnvironment.repositoryRoot + "/migrations"

    @Test("the compiled-in copy is migrations/*.sql: the same names, in the same order, with the same bytes")
    func equalsTheFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".sql") }.sorted()
        let embedded = try Migration.embedded()
        let rebuild = "the build compiled in other files than migrations/ holds: run swift build again"
        #expect(!embedded.isEmpty)
        #expect(embedded.map(\.filename) == names, "\(rebuild)")
        for (migration, name) in zip(embedded, names) {
            let bytes = try #require(FileManager.default.contents(atPath: Self.folder + "/" + name))
            #expect(Data(migration.sql.utf8) == bytes, "\(name) differs from its compiled-in copy; \(rebuild)")
        }
        // Version, name, checksum and transaction mode: what schema_migrations records and compares.
        #expect(embedded == (try Migration.load(from: Self.folder)))
    }

    @Test("a database migrated from the folder finds every compiled-in migration applied and unchanged")
    func folderMigratedDatabaseIsCurrent() async throws {
        try await ScratchDatabase.with { pool, _ in
            try await Migrator(pool: pool, migrations: try Migration.load(from: Self.folder), logger: TestEnvironment.logger).apply()
            let migrator = Migrator(pool: pool, migrations: try Migration.embedded(), logger: TestEnvironment.logger)
            #expect(try await migrator.status().allSatisfy { $0.state == .applied })
            #expect(try await migrator.isCurrent())
            #expect(try await migrator.apply().isEmpty)
        }
    }
}
