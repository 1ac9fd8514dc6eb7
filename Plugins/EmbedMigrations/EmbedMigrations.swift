import Foundation
import PackagePlugin

/// Compiles the package's `migrations/*.sql` into the target that applies this plugin, so the binary carries its
/// schema: `nomaly migrate` and `nomaly serve` then work from any directory, with no folder installed beside them.
///
/// The folder stays at the repository root (the Dockerfile, the docs and operators name it there), which SwiftPM
/// resources cannot reach: they must lie inside the target's folder, and `.embedInCode` gives each file a static
/// whose name drops the leading digit, with no list to iterate.
///
/// SwiftPM keeps the commands a plugin returned until the package's structure changes, and migrations/ is no
/// target's folder. So the tool lists the folder itself, the folder is an input (adding or removing a file reruns
/// the command), and `Plugins/EmbedMigrationsTool/migrations` is a symbolic link to it, excluded from the tool's
/// sources, which makes an added file a change of structure: the next build asks this plugin again, and the new
/// file becomes an input whose edits rebuild the schema.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "migrations", directoryHint: .isDirectory)
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))
                .filter { $0.hasSuffix(".sql") }
                .map { folder.appending(path: $0, directoryHint: .notDirectory) }
        } catch {
            throw EmbedMigrationsError(
                description: "cannot list \(folder.path(percentEncoded: false)): the schema is compiled into \(target.name) from it (\(error))"
            )
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift", directoryHint: .notDirectory)
        return [
            .buildCommand(
                displayName: "Compiling migrations/*.sql into \(target.name)",
                executable: try context.tool(named: "nomaly-embed-migrations").url,
                arguments: [output.path(percentEncoded: false), folder.path(percentEncoded: false)],
                inputFiles: files + [folder],
                outputFiles: [output]
            )
        ]
    }
}

struct EmbedMigrationsError: Error, CustomStringConvertible {
    let description: String
}
