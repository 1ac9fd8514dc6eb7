import App
import ArgumentParser
import Backup
import Foundation
import Maintenance
import Units

struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Apply retention: old backups (local and in the bucket), runs, scores, unused artifacts, temporary files.",
        discussion: """
            The defaults are the guide's and the shipped cleanup job's: database and full backups kept 30 days, model \
            backups the newest 7, and never the newest verified set of a kind; finished runs and stored scores kept 90 \
            days; artifacts no live version uses are collected after an hour's grace. --dry-run prints the plan.
            """
    )

    @Flag(help: "Show what would be deleted, delete nothing.")
    var dryRun = false

    @Option(help: "Keep database backups this long (such as 30d).")
    var databaseMaxAge: String = "30d"

    @Option(help: "Keep the newest N model backups.")
    var modelsKeepLast: Int = 7

    @Option(help: "Keep full backups this long.")
    var fullMaxAge: String = "30d"

    @Option(help: "Delete finished runs older than this (with their stored scores); `never` keeps them.")
    var runsMaxAge: String = "90d"

    @Option(help: "Delete stored scores older than this; `never` keeps them.")
    var scoresMaxAge: String = "90d"

    @Flag(help: "Print the report as JSON (docs/cli.md lists the fields).")
    var json = false

    func validate() throws {
        guard modelsKeepLast >= 1 else { throw ValidationError("--models-keep-last must be at least 1") }
        _ = try options
    }

    private var options: Cleanup.Options {
        get throws {
            var options = Cleanup.Options(dryRun: dryRun)
            options.retention = RetentionPolicy(
                database: .init(maxAge: try OptionValues.duration(databaseMaxAge, option: "--database-max-age")),
                models: .init(keepLast: modelsKeepLast),
                full: .init(maxAge: try OptionValues.duration(fullMaxAge, option: "--full-max-age"))
            )
            options.runsMaxAge = runsMaxAge == "never" ? nil : try OptionValues.duration(runsMaxAge, option: "--runs-max-age")
            options.scoresMaxAge = scoresMaxAge == "never" ? nil : try OptionValues.duration(scoresMaxAge, option: "--scores-max-age")
            return options
        }
    }

    func run() async throws {
        let options = try self.options
        try await Runtime.load().withBackups { backups in
            let report = try await backups.cleanup(options)
            if json { return try JSONOutput.print(report) }
            let verb = dryRun ? "would delete" : "deleted"
            print("\(verb):")
            print("  backup sets, local:  \(report.localSets.isEmpty ? "none" : report.localSets.joined(separator: ", "))")
            print("  backup sets, bucket: \(report.remoteSets.isEmpty ? "none" : report.remoteSets.joined(separator: ", "))")
            print("  failed backup records: \(report.failedRecords)")
            print("  runs: \(report.runs); stored scores: \(report.scores); unused artifacts: \(report.artifacts)")
            print("  temporary files: \(report.temporaryFiles.isEmpty ? "none" : report.temporaryFiles.joined(separator: ", "))")
            print("  space: \(ProgressBar.bytes(report.bytesReclaimed))")
            for note in report.notes { print("note: \(note)") }
        }
    }
}
