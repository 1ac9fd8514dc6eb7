import App
import ArgumentParser

@main
struct Nomaly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nomaly",
        abstract: "Schedules batch jobs, keeps a versioned model registry and scores anomalies, on one PostgreSQL database.",
        discussion: """
            Configuration comes from environment variables (see docs/configuration.md); every secret may also be \
            given as NAME_FILE. With no DATABASE_URL, commands use a private cluster under $NOMALY_HOME/postgres. \
            Commands that list or show things take --json for scripts.
            """,
        version: "nomaly \(NomalyVersion.current)",
        subcommands: [
            Serve.self, Migrate.self, Check.self, JobsCommand.self, CronCommand.self, FitCommand.self, ScoreCommand.self, ModelsCommand.self,
            TokensCommand.self, BackupCommand.self, CleanupCommand.self, ReportCommand.self, ArchiveCommand.self, S3Command.self,
        ]
    )
}
