import App
import ArgumentParser
import Backup
import Foundation
import Units

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Create, list, verify, restore and upload backup sets (database dump, model artifacts, manifest).",
        discussion: """
            A set is a folder named by its UTC time (YYYYMMDD_HHMMSS) under NOMALY_BACKUP_DIR holding database.dump \
            (pg_dump -Fc --no-owner), models.tar.gz and manifest.json (sha256 of every file, versions, row counts). With \
            ENCRYPTION_KEY_FILE set, every file but the manifest is encrypted (AES-256-GCM, each file bound to its set \
            and name) and the manifest is signed (manifest.json.sig, HMAC-SHA256); NOMALY_BACKUP_SIGNING_KEY_FILE signs \
            unencrypted sets. While a key is configured, verify and restore refuse sets that are unsigned, or \
            unencrypted under ENCRYPTION_KEY_FILE, unless --allow-unsigned / --allow-unencrypted is given. Sets are \
            copied off-site to S3 with --upload, `nomaly backup upload` or the s3-upload job. See docs/backups.md.
            """,
        subcommands: [Create.self, List.self, Verify.self, Restore.self, Upload.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a set, verify it, and optionally upload it.")

        @Option(help: "database, models or full.", transform: BackupCommand.scope)
        var kind: BackupScope = .full

        @Flag(help: "Copy the set to the configured bucket afterwards; if that fails, the set is kept and the error names it.")
        var upload = false

        @Flag(help: "Skip the verification that follows creation (the set then does not count as verified).")
        var noVerify = false

        @Flag(help: "Print the manifest as JSON.")
        var json = false

        func run() async throws {
            try await Runtime.load().withBackups { backups in
                let (manifest, uploaded) = try await backups.create(scope: kind, verify: !noVerify, upload: upload)
                if json { return try JSONOutput.print(manifest) }
                print(
                    "created \(manifest.id) (\(kind.rawValue), \(ProgressBar.bytes(manifest.totalSize))\(manifest.encryption == nil ? "" : ", encrypted"))"
                        + (noVerify ? "" : ", verified") + " in \(backups.environment.setPath(manifest.id))"
                )
                if let uploaded {
                    print(
                        "uploaded \(uploaded.uploaded.count) object(s) to \(backups.environment.remote!.description) (\(uploaded.skipped) already there)"
                    )
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every set, local and in the bucket, with age, size and verified state.")

        @Flag(help: "Print an array of {id, kind, status, created_at, age_seconds, size_bytes, local, remote, encrypted, verified_at, error}.")
        var json = false

        func run() async throws {
            try await Runtime.load().withBackups { backups in
                let listings = try await backups.list()
                if json { return try JSONOutput.print(listings) }
                guard !listings.isEmpty else { return print("no backups in \(backups.environment.directory)") }
                print(Self.row(["ID", "KIND", "STATUS", "AGE", "SIZE", "WHERE", "VERIFIED"]))
                for listing in listings {
                    let places = [listing.local == nil ? nil : "local", listing.remote == nil ? nil : "s3"].compactMap { $0 }
                    print(
                        Self.row([
                            listing.id, listing.kind ?? "?", listing.status, Self.age(listing.ageSeconds),
                            listing.sizeBytes.map(ProgressBar.bytes) ?? "-", places.isEmpty ? "-" : places.joined(separator: "+"),
                            listing.verifiedAt.map { Self.age(Int64(Date().timeIntervalSince($0))) + " ago" } ?? "no",
                        ])
                    )
                    if let error = listing.error { print("    error: \(error.split(separator: "\n").first ?? "")") }
                }
            }
        }

        static func row(_ cells: [String]) -> String {
            let widths = [15, 8, 10, 8, 10, 8, 10]
            return zip(cells, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }

        static func age(_ seconds: Int64) -> String {
            switch seconds {
            case ..<120: return "\(seconds)s"
            case ..<7200: return "\(seconds / 60)m"
            case ..<172_800: return "\(seconds / 3600)h"
            default: return "\(seconds / 86400)d"
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the manifest's signature, re-hash every file, authenticate every encrypted chunk and read the whole dump.",
            discussion: """
                The manifest's signature is checked before anything else, and the set must be the one its manifest names \
                (a renamed set is refused). The dump is read with pg_restore -f /dev/null (pg_restore --list would pass a \
                truncated dump). With --restore-test it is also restored into a scratch database (the role needs \
                CREATEDB), row counts are compared with the manifest, and the scratch database is dropped. A set only in \
                the bucket is downloaded. Each file is copied into a private folder in NOMALY_BACKUP_DIR as it is checked, \
                and only the copies are read afterwards: that needs free space there of about the set's size.
                """
        )

        @Argument(help: "The set's id (YYYYMMDD_HHMMSS); `latest` for the newest local set.")
        var id: String

        @Flag(help: "Also restore into a scratch database and compare row counts.")
        var restoreTest = false

        @OptionGroup var waivers: WaiverFlags

        @Flag(help: "Print {id, files, bytes, decrypted, signed_with, waived, dump_read, restore_test_tables}.")
        var json = false

        func validate() throws {
            try BackupCommand.checkSetIDs([id])
        }

        func run() async throws {
            try await Runtime.load().withBackups { backups in
                let report = try await backups.verify(id, restoreTest: restoreTest, waivers: waivers.waivers)
                if json { return try JSONOutput.print(report) }
                var parts = [report.signedWith.map { "manifest signed with key \($0)" } ?? "manifest not signed"]
                if !report.waived.isEmpty { parts.append("accepted \(report.waived.joined(separator: " and ")) as asked") }
                parts.append("\(report.files) file(s), \(ProgressBar.bytes(report.bytes)) match the manifest")
                if report.decrypted { parts.append("every chunk authenticated") }
                if report.dumpRead { parts.append("dump read to its end") }
                if let tables = report.restoreTestTables { parts.append("test restore matched \(tables) table(s)") }
                print("verified \(report.id): " + parts.joined(separator: "; "))
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore the database, the artifacts or both from a set (needs --yes).",
            discussion: """
                The set is verified first (signature, set id, every file, the whole dump). Claims then pause on every replica (a Postgres advisory lock; they resume when \
                the restore ends, fails or dies) and running runs are waited for. The database is restored in place in one \
                transaction (pg_restore --clean --if-exists --single-transaction): on failure it is left as it was. Newer \
                migrations are applied afterwards. Replaced artifacts are kept as ARTIFACTS.backup.YYYYMMDD_HHMMSS. \
                What is restored is the private copy made while the set was checked (free space of about the set's size \
                in NOMALY_BACKUP_DIR), so files changed in the backup folder meanwhile are not used.
                """
        )

        @Argument(help: "The set's id (YYYYMMDD_HHMMSS), local or in the bucket; `latest` for the newest local set.")
        var id: String

        @Option(help: "database, models or full.", transform: BackupCommand.scope)
        var kind: BackupScope = .full

        @Flag(help: "Confirm: the restore replaces live data.")
        var yes = false

        @Option(help: "How long to wait for running runs after pausing claims, such as 10m.")
        var waitForRuns: String = "10m"

        @OptionGroup var waivers: WaiverFlags

        @Flag(help: "Print the restore report as JSON.")
        var json = false

        func validate() throws {
            try BackupCommand.checkSetIDs([id])
            _ = try OptionValues.duration(waitForRuns, option: "--wait-for-runs", allowZero: true)
        }

        func run() async throws {
            let timeout = try OptionValues.duration(waitForRuns, option: "--wait-for-runs", allowZero: true)
            try await Runtime.load(quiet: false).withBackups { backups in
                let report = try await backups.restore(id, scope: kind, confirmed: yes, runsTimeout: timeout, waivers: waivers.waivers)
                if json { return try JSONOutput.print(report) }
                var lines = ["restored \(kind.rawValue) from \(report.id)" + (report.downloaded ? " (downloaded from the bucket)" : "")]
                lines.append("  manifest: " + (report.signedWith.map { "signed with key \($0)" } ?? "not signed"))
                if !report.waived.isEmpty { lines.append("  accepted \(report.waived.joined(separator: " and ")) as asked (audited)") }
                if let tables = report.tablesRestored {
                    lines.append("  database: \(tables) table(s) match the manifest; \(report.migrationsApplied ?? 0) migration(s) applied")
                }
                if let count = report.artifactsRestored {
                    lines.append("  artifacts: \(count)" + (report.replacedArtifactsMovedTo.map { "; previous folder kept as \($0)" } ?? ""))
                }
                lines.append(
                    "  claims paused for \(String(format: "%.1f", report.resumedAt.timeIntervalSince(report.pausedAt))) s; waited for \(report.waitedForRuns) run(s)"
                )
                print(lines.joined(separator: "\n"))
            }
        }
    }

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy sets (all complete local sets by default) to the bucket, as the s3-upload job does.",
            discussion: "Objects already there with the same sha256 are skipped; each set's manifest goes last."
        )

        @Argument(help: "Set ids; every complete local set when none.")
        var ids: [String] = []

        @Flag(help: "Also mirror the local artifact store under PREFIX/artifacts/.")
        var artifacts = false

        @Flag(help: "Print {uploaded, skipped, bytes_uploaded, sets, artifacts_uploaded, artifacts_skipped}.")
        var json = false

        func validate() throws {
            try BackupCommand.checkSetIDs(ids)
        }

        func run() async throws {
            try await Runtime.load().withBackups { backups in
                let report = try await backups.upload(ids, artifacts: artifacts)
                if json { return try JSONOutput.print(report) }
                print(
                    "\(report.sets.count) set(s) to \(backups.environment.remote!.description): uploaded \(report.uploaded.count) object(s) "
                        + "(\(ProgressBar.bytes(report.bytesUploaded))), \(report.skipped) already there"
                        + (artifacts ? "; artifacts uploaded \(report.artifactsUploaded), already there \(report.artifactsSkipped)" : "")
                )
            }
        }
    }

    /// `--kind database|models|full`.
    static func scope(_ text: String) throws -> BackupScope {
        guard let scope = BackupScope(rawValue: text) else { throw ValidationError("--kind must be database, models or full") }
        return scope
    }

    /// A malformed set id is a wrong command line (exit 64), found before anything is opened.
    static func checkSetIDs(_ ids: [String]) throws {
        for id in ids where id != "latest" && BackupSetID(id) == nil {
            throw ValidationError("'\(id)' is not a set id such as 20261203_020000, or latest")
        }
    }

    /// `--allow-unencrypted` and `--allow-unsigned`, shared by verify and restore.
    struct WaiverFlags: ParsableArguments {
        @Flag(
            help: """
                Accept a set that is not encrypted although ENCRYPTION_KEY_FILE is set (one made before encryption was \
                turned on). Logged as a warning and written to the audit log.
                """
        )
        var allowUnencrypted = false

        @Flag(
            help: """
                Accept a set whose manifest is not signed (made before a key was configured, or by a Nomaly before \
                format 2), or was signed with a NOMALY_BACKUP_SIGNING_KEY_FILE key not configured here. A signature that \
                does not match is never accepted. Logged as a warning and written to the audit log.
                """
        )
        var allowUnsigned = false

        var waivers: BackupWaivers {
            BackupWaivers(allowUnencrypted: allowUnencrypted, allowUnsigned: allowUnsigned, actor: Runtime.cliActor)
        }
    }
}
