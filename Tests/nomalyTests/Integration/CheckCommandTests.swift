import Foundation
import Processes
import TestSupport
import Testing

/// `nomaly check` and the job files `nomaly serve` loads before it opens the database apply the same location rule as
/// a score run: the artifact store is protected there too, and a rule that cannot be built is reported, not skipped.
@Suite("nomaly check and serve judge score jobs' locations as their runs will")
struct CheckCommandTests {
    /// A deployment whose artifact store lies in the bucket and below the prefix that scoring may use. Nothing here is
    /// contacted: the rule is checked offline, and serve must stop before it reaches the (unreachable) database.
    static func environment(_ folder: TemporaryFolder, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "NOMALY_HOME": folder.path,
            "NOMALY_JOBS_DIR": folder.path + "/jobs",
            "NOMALY_ARTIFACTS": "s3://shared/nomaly/artifacts/",
            "NOMALY_SCORING_S3_PREFIXES": "s3://shared/nomaly/",
            "S3_ENDPOINT": "http://127.0.0.1:1",
            "S3_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "DATABASE_URL": "postgresql://nomaly@127.0.0.1:1/nomaly",
            "NOMALY_DB_STARTUP_TIMEOUT": "1s",
        ].merging(extra) { _, new in new }
    }

    static let scoreIntoArtifacts = """
        kind: score
        schedule: "@daily"
        with: {model: fraud@production, input: s3://shared/nomaly/in/today.csv, output: s3://shared/nomaly/artifacts/sha256/ab/x.tar.gz}

        """

    @Test("a job file writing into the artifact store fails check, and serve refuses it before opening the database")
    func artifactStoreProtectedAtLoad() async throws {
        let folder = try TemporaryFolder()
        try folder.file("jobs/overwrite-models.yaml", Self.scoreIntoArtifacts)

        let check = try await NomalyProcess.run(["check"], environment: Self.environment(folder))
        #expect(check.status == 1, "\(check.standardOutput)")
        #expect(check.standardError.contains("lies in the artifact store (NOMALY_ARTIFACTS)"), "\(check.standardError)")

        let serve = try await NomalyProcess.run(["serve", "--no-api"], environment: Self.environment(folder))
        #expect(serve.status != 0)
        #expect(serve.standardError.contains("lies in the artifact store (NOMALY_ARTIFACTS)"), "\(serve.standardError)")
        #expect(!serve.standardError.contains("127.0.0.1:1"), "stopped before the database: \(serve.standardError)")
    }

    @Test("when the locations cannot be built (bad S3 settings), check says the score jobs went unchecked")
    func unbuildableLocationsReported() async throws {
        let folder = try TemporaryFolder()
        try folder.file("jobs/overwrite-models.yaml", Self.scoreIntoArtifacts)
        let result = try await NomalyProcess.run(["check", "--json"], environment: Self.environment(folder, ["S3_PART_SIZE": "lots"]))
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["variable"] as? String == "S3_PART_SIZE" })
        let unchecked = problems.first { ($0["message"] as? String)?.contains("score jobs' locations cannot be checked") == true }
        #expect(unchecked?["variable"] as? String == "NOMALY_JOBS_DIR", "\(problems)")
    }

    @Test("check takes --jobs as serve does, so its hint for an unreadable jobs folder names an option it accepts")
    func jobsOption() async throws {
        let folder = try TemporaryFolder()
        try folder.file("jobs", "a file where the folder should be")
        try folder.file("elsewhere/ok.yaml", "kind: command\nschedule: \"@daily\"\nwith: {command: [\"true\"]}\n")
        let environment = ["NOMALY_HOME": folder.path + "/home", "DATABASE_URL": "postgresql://nomaly@127.0.0.1:1/nomaly"]

        let refused = try await NomalyProcess.run(["check"], environment: environment, workingDirectory: folder.path)
        #expect(refused.status == 1, "\(refused.combinedOutput)")
        #expect(refused.standardError.contains("set --jobs or NOMALY_JOBS_DIR"), "\(refused.standardError)")

        let checked = try await NomalyProcess.run(["check", "--jobs", "elsewhere"], environment: environment, workingDirectory: folder.path)
        #expect(checked.status == 0, "\(checked.combinedOutput)")
        #expect(checked.standardOutput.contains("jobs: 1 in \(folder.path)/elsewhere"), "\(checked.standardOutput)")
    }
}
