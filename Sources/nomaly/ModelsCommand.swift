import App
import ArgumentParser
import Foundation
import Registry

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "The model registry: versions, aliases, promotion and rollback, training from specs, garbage collection.",
        discussion: """
            Versions are numbered 1, 2, 3… per model by the database; aliases (production, staging, …) point at one version \
            each and every change is kept in a history. Artifacts live content-addressed in NOMALY_ARTIFACTS. A version is \
            named NAME:VERSION, an alias NAME@ALIAS, and NAME alone means NAME@production. See docs/registry.md.
            """,
        subcommands: [
            List.self, Show.self, Versions.self, Register.self, Train.self, Promote.self, Rollback.self, Download.self, Delete.self,
            History.self, GC.self,
        ]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every model with its latest version and aliases.")

        @Flag(help: "Print an array of {name, description, version_count, latest_version, aliases: {alias: version}, …}.")
        var json = false

        func run() async throws {
            try await withRegistry { registry in
                let models = try await registry.models()
                if json { return try JSONOutput.print(models) }
                printColumns(
                    header: ["NAME", "VERSIONS", "LATEST", "ALIASES", "UPDATED"],
                    rows: models.map { model in
                        [
                            model.name, String(model.versionCount), model.latestVersion.map(String.init) ?? "-", describe(model.aliases),
                            TimeText.ago(model.updatedAt),
                        ]
                    }
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One model, with its aliases.")

        @Argument(help: "The model's name.")
        var name: String

        @Flag(help: "Print {name, description, tags, version_count, latest_version, aliases: {production: 3, …}, …}.")
        var json = false

        func run() async throws {
            try await withRegistry { registry in
                let model = try await registry.model(name)
                if json { return try JSONOutput.print(model) }
                print("\(model.name)\(model.description.isEmpty ? "" : " — \(model.description)")")
                print("versions: \(model.versionCount), latest \(model.latestVersion.map(String.init) ?? "-")")
                print("aliases:  \(describe(model.aliases))")
            }
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A model's live versions, newest first, a page at a time.")

        @Argument(help: "The model's name.")
        var name: String

        @Option(help: "Versions per page (1–1000).")
        var limit = 50

        @Option(help: "Show versions older than this one (the previous page's next cursor).")
        var before: Int?

        @Flag(help: "Print an array of versions {model, version, algorithm, metrics, artifact_sha256, aliases, created_at, …}.")
        var json = false

        func validate() throws {
            try OptionValues.checkLimit(limit)
        }

        func run() async throws {
            try await withRegistry { registry in
                let page = try await registry.versions(model: name, limit: limit, before: before)
                if json { return try JSONOutput.print(page.versions) }
                printColumns(
                    header: ["VERSION", "ALGORITHM", "ALIASES", "SHA256", "CREATED"],
                    rows: page.versions.map { version in
                        [
                            String(version.version), version.algorithm, version.aliases.joined(separator: ","),
                            String(version.artifactSha256.prefix(12)),
                            TimeText.ago(version.createdAt),
                        ]
                    }
                )
                if let next = page.nextCursor { print("more: nomaly models versions \(name) --before \(next)") }
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every alias change of a model, newest first: who, when, from, to, why.")

        @Argument(help: "The model's name.")
        var name: String

        @Option(help: "Only this alias.")
        var alias: String?

        @Option(help: "At most this many changes (1–1000).")
        var limit = 100

        @Flag(help: "Print an array of {model, alias, from_version, to_version, actor, reason, changed_at}.")
        var json = false

        func validate() throws {
            try OptionValues.checkLimit(limit)
        }

        func run() async throws {
            try await withRegistry { registry in
                let changes = try await registry.history(model: name, alias: alias, limit: limit)
                if json { return try JSONOutput.print(changes) }
                printColumns(
                    header: ["WHEN", "ALIAS", "FROM", "TO", "BY", "REASON"],
                    rows: changes.map { change in
                        [
                            TimeText.absolute(change.changedAt), change.alias, change.fromVersion.map(String.init) ?? "-",
                            change.toVersion.map(String.init) ?? "-", change.actor, change.reason ?? "",
                        ]
                    }
                )
            }
        }
    }
}

func describe(_ aliases: [String: Int]) -> String {
    aliases.isEmpty ? "-" : aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
}

/// Runs `body` with the registry over the configured database.
func withRegistry(_ body: (ModelRegistry) async throws -> Void) async throws {
    try await Runtime.load().withRegistry(body)
}
