import FileSystem
import Foundation
import TestSupport
import Testing

@Suite("FolderWatcher: a folder's changes through inotify")
struct FolderWatcherTests {
    /// Reads changes until `enough` says so (or the stream ends), and returns them all.
    func collect(_ watcher: FolderWatcher, until enough: ([FolderChange]) -> Bool) async -> [FolderChange] {
        var seen: [FolderChange] = []
        for await change in watcher.changes {
            seen.append(change)
            if enough(seen) { break }
        }
        return seen
    }

    @Test("reports entries created, written, renamed into place and removed, by name", .timeLimit(.minutes(1)))
    func entries() async throws {
        let folder = try TemporaryFolder("nomaly-watch")
        let watcher = try FolderWatcher.start(watching: folder.path)
        defer { watcher.stop() }
        try folder.file("nightly.yaml", "kind: command\n")
        try folder.file(".staged.tmp", "kind: vacuum\n")
        try FileManager.default.moveItem(atPath: folder.path + "/.staged.tmp", toPath: folder.path + "/hourly.yaml")
        try FileManager.default.removeItem(atPath: folder.path + "/nightly.yaml")
        let seen = await collect(watcher) { seen in
            seen.filter { $0 == .entry("nightly.yaml") }.count >= 2 && seen.contains(.entry("hourly.yaml"))
        }
        #expect(seen.contains(.entry("nightly.yaml")))
        #expect(seen.contains(.entry(".staged.tmp")))
        #expect(seen.contains(.entry("hourly.yaml")))
        #expect(!seen.contains(.folderGone))
    }

    @Test("a removed folder ends the changes with folderGone", .timeLimit(.minutes(1)))
    func folderRemoved() async throws {
        let folder = try TemporaryFolder("nomaly-watch")
        let watched = folder.path + "/jobs"
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: false)
        let watcher = try FolderWatcher.start(watching: watched)
        defer { watcher.stop() }
        try FileManager.default.removeItem(atPath: watched)
        // The stream finishes by itself after folderGone: collecting it whole cannot hang.
        let seen = await collect(watcher) { _ in false }
        #expect(seen.last == .folderGone)
    }

    @Test("stop() ends the changes, and a second stop() does nothing", .timeLimit(.minutes(1)))
    func stop() async throws {
        let folder = try TemporaryFolder("nomaly-watch")
        let watcher = try FolderWatcher.start(watching: folder.path)
        let reader = Task { await collect(watcher) { _ in false } }
        watcher.stop()
        watcher.stop()
        #expect(await reader.value.isEmpty)
    }

    @Test("a folder that does not exist, or a file, cannot be watched and the error names it")
    func refused() throws {
        let folder = try TemporaryFolder("nomaly-watch")
        let missing = folder.path + "/nowhere"
        let error = #expect(throws: FileSystemError.self) { try FolderWatcher.start(watching: missing) }
        #expect(error?.description.contains(missing) == true)
        #expect(error?.code == ENOENT)
        let file = try folder.file("plain.yaml", "kind: command\n")
        let notFolder = #expect(throws: FileSystemError.self) { try FolderWatcher.start(watching: file) }
        #expect(notFolder?.code == ENOTDIR)
    }
}
