import App
import Foundation
import Settings
import Testing

/// `nomaly check` lists problems in the order the settings are read. Each module reads its own settings now; the order
/// is the one the single reader of before produced, pinned here so that moving a setting cannot reshuffle it.
@Suite("The order of configuration problems")
struct ProblemOrderTests {
    static let invalid = [
        "LOG_FORMAT": "xml", "LOG_LEVEL": "loud", "NOMALY_ARCHIVE_MAX_BYTES": "huge", "RATE_LIMIT_BURST": "0",
        "RATE_LIMIT_ENABLED": "maybe", "NOMALY_SCORING_MAX_ROWS": "0", "NOMALY_BACKUP_S3": "/backups", "NOMALY_HTTP_MAX_BODY": "x",
        "NOMALY_HTTP_PORT": "eighty", "NOMALY_BLOCKING_THREADS": "0", "NOMALY_DB_STARTUP_TIMEOUT": "never",
        "NOMALY_DB_POOL_SIZE": "0", "DATABASE_URL": "db.example.com", "WORKERS": "none", "NOMALY_ARTIFACTS": "ftp://x",
        "S3_PART_SIZE": "lots",
    ]

    @Test("one problem per variable, module by module in reading order; S3's apart")
    func order() {
        let (configuration, problems) = NomalyConfiguration.read(environment: Environment(Self.invalid), workingDirectory: "/srv/nomaly")
        #expect(
            problems.map(\.variable) == [
                "NOMALY_ARTIFACTS", "WORKERS", "DATABASE_URL", "NOMALY_DB_POOL_SIZE", "NOMALY_DB_STARTUP_TIMEOUT",
                "NOMALY_BLOCKING_THREADS", "NOMALY_HTTP_PORT", "NOMALY_HTTP_MAX_BODY", "NOMALY_BACKUP_S3", "NOMALY_SCORING_MAX_ROWS",
                "RATE_LIMIT_ENABLED", "RATE_LIMIT_BURST", "NOMALY_ARCHIVE_MAX_BYTES", "LOG_LEVEL", "LOG_FORMAT",
            ]
        )
        guard case .failure(let s3) = configuration.s3 else {
            Issue.record("S3_PART_SIZE was accepted")
            return
        }
        #expect(s3.problems.map(\.variable) == ["S3_PART_SIZE"])
    }

    @Test("invalid S3 settings alone leave the rest of the configuration usable, as before")
    func s3Apart() throws {
        let configuration = try NomalyConfiguration(environment: Environment(["S3_PART_SIZE": "lots"]), workingDirectory: "/srv")
        #expect(throws: ConfigurationError.self) { try configuration.s3.get() }
    }
}
