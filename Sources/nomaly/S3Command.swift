import App
import ArgumentParser
import Foundation
import ObjectStore

struct S3Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3",
        abstract: "Copy, list and delete objects in S3 (AWS, MinIO, any S3-compatible endpoint).",
        discussion: """
            Objects are named s3://BUCKET/KEY; local files by their path (or file:///path). The endpoint, region and \
            credentials come from S3_ENDPOINT, S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (each also as _FILE) \
            and the other variables in docs/configuration.md. Uploads record the content's sha256 as x-amz-meta-sha256 and \
            downloads verify it before the file appears; large files travel in parts, several at a time.
            """,
        subcommands: [Copy.self, List.self, Remove.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cp",
            abstract: "Copy a file or object, or with --recursive a folder or prefix, in either direction.",
            discussion: """
                Either side may be local or s3://. A DESTINATION ending in / (or an existing local folder, or a bare \
                s3://bucket) receives the source's file name. Nothing half-written is ever visible: downloads are \
                written beside the target and renamed into place (a device, FIFO or /dev/stdout is written in place); \
                uploads appear whole or not at all, and a failed \
                multipart upload is aborted. On a terminal a progress bar shows rate and ETA; otherwise one summary \
                line per file is printed. With --recursive, files are copied several at a time and the copy stops at \
                the first failure (files already copied stay).
                """
        )

        @Argument(help: "The file or s3://bucket/key to copy; with --recursive a folder or s3://bucket/prefix.")
        var source: String

        @Argument(help: "Where to copy it: a path or s3://bucket/key (s3://bucket/prefix/ for a folder).")
        var destination: String

        @Flag(help: "Copy every object below SOURCE, keeping their names relative to it.")
        var recursive = false

        func run() async throws {
            let objects = try Runtime.load().objectOperations()
            if recursive {
                let copied = try await objects.copyTree(from: source, to: destination) { ProgressBar(label: $0, expectedTotal: $1) }
                if copied == 0 { FileHandle.standardError.write(Data("nothing to copy below \(source)\n".utf8)) }
            } else {
                try await objects.copyOne(from: source, to: destination) { verb, _ in ProgressBar(label: verb) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List every object whose key starts with a prefix.",
            discussion: """
                s3://bucket lists the whole bucket, s3://bucket/logs/ the folder logs/ (with everything below it), and \
                s3://bucket/logs/2026- every key starting with logs/2026-. Keys are printed in full, sorted.
                """
        )

        @Argument(help: "s3://bucket or s3://bucket/prefix.")
        var location: String

        @Flag(help: "Print an array of {key, size, last_modified, etag} as JSON.")
        var json = false

        func run() async throws {
            let objects = try await Runtime.load().objectOperations().list(location)
            if json {
                try JSONOutput.print(objects)
                return
            }
            let dates = ISO8601DateFormatter()
            printColumns(
                header: ["LAST MODIFIED", "SIZE", "KEY"],
                rows: objects.map { [$0.lastModified.map(dates.string) ?? "-", String($0.size), $0.key] }
            )
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Delete an object, or with --recursive every object below a prefix.",
            discussion: """
                Without --recursive, an object that does not exist is an error (a mistyped key should not pass \
                silently). With --recursive, s3://bucket/logs and s3://bucket/logs/ both delete the folder logs/ \
                (never logs2/), several objects at a time. Only s3:// URLs are accepted.
                """
        )

        @Argument(help: "s3://bucket/key, or with --recursive s3://bucket/prefix.")
        var location: String

        @Flag(help: "Delete every object below the prefix.")
        var recursive = false

        func validate() throws {
            guard location.lowercased().hasPrefix("s3://") else {
                throw ValidationError("nomaly s3 rm takes s3:// URLs; '\(location)' is local (use rm)")
            }
        }

        func run() async throws {
            let objects = try Runtime.load().objectOperations()
            if recursive {
                let deleted = try await objects.removeTree(location) { print("delete: \($0)") }
                if deleted == 0 { FileHandle.standardError.write(Data("nothing to delete below \(location)\n".utf8)) }
                return
            }
            print("delete: \(try await objects.remove(location))")
        }
    }
}
