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
            Commands that list or show things take --json for scripts. `nomaly --version`, alone, prints the version. \
            Exit status: 0 success, 1 the command failed (the reason on stderr as `error: …`), 2 an invalid cron \
            expression, zone or time (`nomaly cron`), 64 a wrong command line (docs/cli.md).
            """,
        subcommands: [
            Serve.self, Migrate.self, Check.self, JobsCommand.self, CronCommand.self, FitCommand.self, ScoreCommand.self, ModelsCommand.self,
            TokensCommand.self, BackupCommand.self, CleanupCommand.self, ReportCommand.self, ArchiveCommand.self, S3Command.self,
        ]
    )

    /// What `nomaly --version` prints. Not the configuration's `version:`: ArgumentParser would then answer `--version`
    /// anywhere on the line, so `nomaly models promote demo --version 2` printed this and exited 0.
    static let versionText = "nomaly \(NomalyVersion.current)"
}
