import App
import Archive
import ArgumentParser
import Foundation
import Units

struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Create, list and safely extract .tar.gz files (model artifacts, backups).",
        subcommands: [Create.self, List.self, Extract.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a folder into a deterministic .tar.gz, compressed on every core.",
            discussion: """
                Entries are sorted, owned by 0:0 with mtime 0 and modes 0644/0755, so the same folder always gives the same \
                bytes and the same sha256 (printed; equal to sha256sum's). Symlinks, devices and FIFOs are refused. The \
                output is written beside OUT and renamed into place when complete; an OUT that is a device, a FIFO or \
                /dev/stdout is written in place, and a folder is refused.
                """
        )

        @Argument(help: "The folder to archive; entries are named relative to it.")
        var directory: String

        @Argument(help: "The .tar.gz to write.")
        var output: String

        @Option(help: "gzip level, 1 (fastest) to 9 (smallest).")
        var level = 6

        @Flag(help: "Print {path, sha256, compressed_bytes, uncompressed_bytes, entries} as JSON.")
        var json = false

        func validate() throws {
            guard (1...9).contains(level) else { throw ValidationError("--level must be between 1 and 9") }
        }

        func run() async throws {
            _ = try Runtime.load()
            var options = ArchiveCreateOptions()
            options.compressionLevel = level
            let summary = try await TarGz.create(directory: directory, output: output, options: options)
            try report(summary, path: output, verb: "created", json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the entries of a .tar.gz without extracting anything.",
            discussion: "Shows every entry as stored, including ones `extract` would refuse (absolute paths, links out, devices)."
        )

        @Argument(help: "The .tar.gz to read.")
        var archive: String

        @Flag(help: "Print {sha256, entries: [{path, kind, size, mode, link_target}]} as JSON.")
        var json = false

        struct Listing: Encodable {
            let sha256: String
            let entries: [ArchiveEntry]
        }

        func run() async throws {
            _ = try Runtime.load()
            let (entries, summary) = try await TarGz.list(archive)
            if json {
                try JSONOutput.print(Listing(sha256: summary.sha256, entries: entries))
                return
            }
            printColumns(
                header: ["MODE", "SIZE", "KIND", "PATH"],
                rows: entries.map { entry in
                    [
                        String(entry.mode, radix: 8), String(entry.size), entry.kind.rawValue,
                        entry.path + (entry.linkTarget.map { " -> \($0)" } ?? ""),
                    ]
                }
            )
        }
    }

    struct Extract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract a .tar.gz into a new folder, refusing anything that could escape it.",
            discussion: """
                DIR must not exist or be an empty folder. Absolute paths, '..', paths through a symlink, links pointing \
                outside, devices and FIFOs are refused; sizes, entry count and compression ratio are bounded \
                (NOMALY_ARCHIVE_MAX_BYTES, _MAX_ENTRY_BYTES, _MAX_ENTRIES, _MAX_RATIO, or the options below). Files are \
                extracted into a hidden folder beside DIR and moved into place only when everything passed: a refused or \
                damaged archive leaves nothing behind.
                """
        )

        @Argument(help: "The .tar.gz to read.")
        var archive: String

        @Argument(help: "The folder to create.")
        var directory: String

        @Option(help: "Most bytes the archive may expand to (e.g. 8GiB).")
        var maxBytes: String?

        @Option(help: "Most entries the archive may hold.")
        var maxEntries: Int?

        @Flag(help: "Print {path, sha256, compressed_bytes, uncompressed_bytes, entries} as JSON.")
        var json = false

        func validate() throws {
            _ = try maximumBytes
            if let maxEntries, maxEntries < 1 { throw ValidationError("--max-entries must be at least 1") }
        }

        private var maximumBytes: Int64? {
            get throws {
                try maxBytes.map { text in
                    guard let bytes = parseByteSize(text), bytes > 0 else {
                        throw ValidationError("--max-bytes: '\(text)' is not a size such as 8GiB")
                    }
                    return bytes
                }
            }
        }

        func run() async throws {
            var limits = try Runtime.load().configuration.archiveLimits
            if let bytes = try maximumBytes { limits.maxTotalBytes = bytes }
            if let maxEntries { limits.maxEntries = maxEntries }
            let summary = try await TarGz.extract(archive, into: directory, limits: limits)
            try report(summary, path: directory, verb: "extracted", json: json)
        }
    }
}

private struct SummaryOutput: Encodable {
    let path: String
    let sha256: String
    let compressedBytes: Int64
    let uncompressedBytes: Int64
    let entries: Int
}

private func report(_ summary: ArchiveSummary, path: String, verb: String, json: Bool) throws {
    if json {
        try JSONOutput.print(
            SummaryOutput(
                path: path,
                sha256: summary.sha256,
                compressedBytes: summary.compressedBytes,
                uncompressedBytes: summary.uncompressedBytes,
                entries: summary.entries
            )
        )
    } else {
        print("\(summary.sha256)  \(path)")
        FileHandle.standardError.write(
            Data(
                "\(verb) \(path): \(summary.entries) entries, \(summary.uncompressedBytes) bytes uncompressed, \(summary.compressedBytes) compressed\n"
                    .utf8
            )
        )
    }
}
