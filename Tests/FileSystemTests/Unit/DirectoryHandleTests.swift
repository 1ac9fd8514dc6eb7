import FileSystem
import Foundation
import TestSupport
import Testing

/// Opening beneath a folder by descriptor: no symbolic link and no `..` on the way, with openat2 and with the
/// `O_NOFOLLOW` walk that replaces it on kernels before 5.6.
@Suite("DirectoryHandle opens and creates beneath a folder without following links")
struct DirectoryHandleTests {
    /// `root/scoring` with `in/today.csv`, a link `in-link` to `root/elsewhere`, a link `today-link.csv` to a file
    /// outside, and a FIFO.
    static func tree() throws -> (folder: TemporaryFolder, scoring: DirectoryHandle) {
        let folder = try TemporaryFolder()
        try folder.file("scoring/in/today.csv", "amount\n1\n")
        try folder.file("elsewhere/today.csv", "secret\n")
        let manager = FileManager.default
        try manager.createSymbolicLink(atPath: folder.path + "/scoring/in-link", withDestinationPath: folder.path + "/elsewhere")
        try manager.createSymbolicLink(atPath: folder.path + "/scoring/today-link.csv", withDestinationPath: folder.path + "/elsewhere/today.csv")
        #expect(mkfifo(folder.path + "/scoring/pipe", 0o600) == 0)
        return (folder, try DirectoryHandle(path: folder.path + "/scoring"))
    }

    static func contents(_ descriptor: Int32) -> String {
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(descriptor, &buffer, buffer.count)
        return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
    }

    @Test("files: beneath and plain are opened; links, '..', absolute paths and FIFOs are refused", arguments: [true, false])
    func files(openat2: Bool) throws {
        let (folder, scoring) = try Self.tree()
        defer { withExtendedLifetime(folder) {} }
        let resolution: DirectoryHandle.Resolution = openat2 ? .automatic : .componentWalk
        #expect(Self.contents(try scoring.openFile(beneath: "in/today.csv", resolution: resolution)) == "amount\n1\n")
        #expect(Self.contents(try scoring.openFile(beneath: "./in//today.csv", resolution: resolution)) == "amount\n1\n")
        for (path, code) in [
            ("in-link/today.csv", ELOOP), ("today-link.csv", ELOOP), ("in/../in/today.csv", EXDEV), ("../elsewhere/today.csv", EXDEV),
            ("/etc/passwd", EXDEV), ("pipe", EINVAL), ("in/missing.csv", ENOENT),
        ] {
            let error = try #require(throws: FileSystemError.self, "\(path)") { try scoring.openFile(beneath: path, resolution: resolution) }
            #expect(error.code == code, "\(path): \(error)")
        }
        let link = try #require(throws: FileSystemError.self) { try scoring.openFile(beneath: "in-link/today.csv", resolution: resolution) }
        #expect(link.description.contains("/scoring/in-link"), "\(link)")
        #expect(link.description.hasSuffix(": a symbolic link is in the way, and none is followed here"), "\(link)")
    }

    @Test("folders: missing ones are created on the way, and a link on the way is refused rather than followed")
    func folders() throws {
        let (folder, scoring) = try Self.tree()
        let created = try scoring.folder(beneath: "out/2026/12", creating: true)
        #expect(created.path == folder.path + "/scoring/out/2026/12")
        #expect(FileManager.default.fileExists(atPath: folder.path + "/scoring/out/2026/12"))
        let error = try #require(throws: FileSystemError.self) { try scoring.folder(beneath: "in-link/new", creating: true) }
        #expect(error.code == ELOOP)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/elsewhere/new"))
        #expect(try #require(throws: FileSystemError.self) { try scoring.folder(beneath: "absent", creating: false) }.code == ENOENT)
    }
}
