import App
import ArgumentParser
import Foundation
import Jobs
import Modeling
import Registry

extension ModelsCommand {
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a model artifact (.tar.gz from `nomaly fit`) as the model's next version; creates the model on first use.",
            discussion: "The tarball is validated (safe extraction, manifest, feature schema) and stored before the version row is written."
        )

        @Argument(help: "The model's name.")
        var name: String

        @Option(help: "The artifact to register.")
        var artifact: String

        @Option(help: "A note stored with the version.")
        var description = ""

        @Flag(help: "Print the new version as JSON.")
        var json = false

        func run() async throws {
            let version = try await Runtime.load().registerModel(name, artifact: artifact, description: description, actor: Runtime.cliActor)
            if json { return try JSONOutput.print(version) }
            print("registered \(version.model):\(version.version) (sha256 \(version.artifactSha256))")
        }
    }

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the model described by registry/NAME.yaml now, register the version and apply its promotion policy."
        )

        @Argument(help: "The model's name (its spec is NOMALY_REGISTRY_DIR/NAME.yaml).")
        var name: String

        @Flag(help: "Print {model, version, artifact_sha256, training_rows, holdout_rows, metrics, promotion, promotion_detail}.")
        var json = false

        func run() async throws {
            let report = try await Runtime.load().trainModel(name, actor: Runtime.cliActor)
            if json { return try JSONOutput.print(report) }
            print("registered \(report.model):\(report.version) on \(report.trainingRows) rows (holdout \(report.holdoutRows))")
            if let auc = report.metrics.value(of: "roc_auc") { print("ROC-AUC \(formatMetric(auc))") }
            print("promotion: \(report.promotion)\(report.promotionDetail.map { " — \($0)" } ?? "")")
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point an alias at a version, atomically; with --expect only if the alias still points where you think."
        )

        @Argument(help: "The model's name.")
        var name: String

        @Argument(help: "The version to promote.")
        var version: Int

        @Option(help: "The alias to move.")
        var alias = "production"

        @Option(help: "The version the alias must point at now (`none` for an empty alias); otherwise nothing changes and the command fails.")
        var expect: String?

        @Option(help: "Why, kept in the history and the audit log.")
        var reason: String?

        @Flag(help: "Print the change {model, alias, from_version, to_version, actor, reason, changed_at}.")
        var json = false

        func validate() throws {
            _ = try expected
        }

        private var expected: ExpectedTarget {
            get throws {
                switch expect {
                case nil: return .any
                case "none": return .empty
                case let text?:
                    guard let number = Int(text), number >= 1 else { throw ValidationError("--expect takes a version number or `none`") }
                    return .version(number)
                }
            }
        }

        func run() async throws {
            let expected = try self.expected
            try await withRegistry { registry in
                let change = try await registry.promote(
                    model: name,
                    version: version,
                    alias: alias,
                    expect: expected,
                    reason: reason,
                    actor: Runtime.cliActor
                )
                if json { return try JSONOutput.print(change) }
                print("\(name)@\(alias): \(change.fromVersion.map(String.init) ?? "none") → \(change.toVersion.map(String.init) ?? "none")")
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return an alias to the version it pointed at before its last change.")

        @Argument(help: "The model's name.")
        var name: String

        @Option(help: "The alias to roll back.")
        var alias = "production"

        @Option(help: "Why, kept in the history and the audit log.")
        var reason: String?

        @Flag(help: "Print the change as JSON.")
        var json = false

        func run() async throws {
            try await withRegistry { registry in
                let change = try await registry.rollback(model: name, alias: alias, reason: reason, actor: Runtime.cliActor)
                if json { return try JSONOutput.print(change) }
                print("\(name)@\(alias): \(change.fromVersion.map(String.init) ?? "none") → \(change.toVersion.map(String.init) ?? "none")")
            }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch a version's artifact (sha256-checked) to a file.")

        @Argument(help: "NAME@ALIAS, NAME:VERSION, or NAME (its production alias).")
        var reference: String

        @Option(help: "Where to write the .tar.gz (a device, FIFO or /dev/stdout is written in place).")
        var output: String

        func run() async throws {
            let runtime = try Runtime.load()
            let version = try await runtime.downloadModel(try ModelReference.parse(reference), to: output)
            print("\(version.model):\(version.version) → \(output) (sha256 \(version.artifactSha256))")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a version (soft: its row stays for lineage); refused while an alias points at it. `gc` reclaims the artifact."
        )

        @Argument(help: "NAME:VERSION")
        var reference: String

        func run() async throws {
            guard case .version(let model, let version) = try ModelReference.parse(reference) else {
                throw ValidationError("name a version as NAME:VERSION")
            }
            try await withRegistry { registry in
                try await registry.delete(model: model, version: version, actor: Runtime.cliActor)
                print("deleted \(model):\(version)")
            }
        }
    }

    struct GC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Delete stored artifacts no live version references, and stored objects with no row; report bytes reclaimed."
        )

        @Flag(help: "Only report what would be deleted.")
        var dryRun = false

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            try await withRegistry { registry in
                let report = try await registry.collectGarbage(dryRun: dryRun, actor: Runtime.cliActor)
                if json { return try JSONOutput.print(report) }
                let verb = report.dryRun ? "would delete" : "deleted"
                for key in report.deletedKeys { print("\(verb) \(key)\(report.orphanKeys.contains(key) ? " (no version row)" : "")") }
                print("\(verb) \(report.deletedKeys.count) objects, \(report.bytesReclaimed) bytes reclaimed")
                if !report.unreferencedVersions.isEmpty {
                    print("deleted versions whose artifact goes: \(report.unreferencedVersions.joined(separator: ", "))")
                }
                if !report.skippedRecentKeys.isEmpty {
                    print("kept \(report.skippedRecentKeys.count) recent objects with no row yet (a registration may be committing them)")
                }
            }
        }
    }
}
