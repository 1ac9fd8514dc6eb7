import Foundation
import TestSupport
import Testing

/// The pages that list the shipped jobs name every file in jobs/, so a new job file cannot be left out of them.
@Suite("README.md and docs/backups.md list every shipped job")
struct ShippedJobsDocumentedTests {
    @Test("every jobs/*.yaml is named in README.md and in docs/backups.md's table of shipped jobs")
    func everyJobListed() throws {
        let root = TestEnvironment.repositoryRoot
        let names = try FileManager.default.contentsOfDirectory(atPath: root + "/jobs").filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.contains("vacuum-scheduler-tables.yaml"))
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        let backups = try String(contentsOfFile: root + "/docs/backups.md", encoding: .utf8)
        let table = try #require(backups.components(separatedBy: "## Shipped jobs").dropFirst().first?.components(separatedBy: "\n## ").first)
        for name in names {
            #expect(readme.contains("`\(name.dropLast(5))`"), "README.md does not name \(name)")
            #expect(table.contains("`jobs/\(name)`"), "docs/backups.md's shipped jobs do not list \(name)")
        }
    }
}
