import FileSystem
import Foundation
import TestSupport
import Testing

/// `AtomicFile.commit(replacing: false)` on the file systems scoring outputs may live on: local ones, which have both
/// renameat2(RENAME_NOREPLACE) and hard links, and mounts that lack one of them (SMB/CIFS and many FUSE mounts have no
/// hard links; NFS has no RENAME_NOREPLACE). The missing call is stood for by one that fails as those file systems do.
@Suite("AtomicFile places a file without replacing one, with or without hard links")
struct AtomicFileTests {
    static func failing(_ code: Int32) -> @Sendable (Int32, String, String) -> Int32 {
        { _, _, _ in
            errno = code
            return -1
        }
    }

    static let noHardLinks = ExclusivePlacement(renameNoReplace: ExclusivePlacement.system.renameNoReplace, link: failing(EPERM))
    static let noRenameFlags = ExclusivePlacement(renameNoReplace: failing(EINVAL), link: ExclusivePlacement.system.link)

    /// Writes `text` to `folder/name` without replacing, through `placement`.
    static func write(_ text: String, to name: String, in folder: TemporaryFolder, placement: ExclusivePlacement) throws {
        let file = try AtomicFile(destination: folder.path + "/" + name, hashing: false)
        file.placement = placement
        try Data(text.utf8).withUnsafeBytes { try file.write($0) }
        try file.commit(replacing: false)
    }

    @Test(
        "a new name is taken, an existing one is kept with EEXIST, and no temporary file stays",
        arguments: [("local", ExclusivePlacement.system), ("no hard links", noHardLinks), ("no RENAME_NOREPLACE", noRenameFlags)]
    )
    func placesWithoutReplacing(_ fileSystem: String, placement: ExclusivePlacement) throws {
        let folder = try TemporaryFolder()
        try Self.write("scores\n", to: "scores.csv", in: folder, placement: placement)
        #expect(try folder.read("scores.csv") == "scores\n", "\(fileSystem)")

        let error = try #require(throws: FileSystemError.self) {
            try Self.write("other\n", to: "scores.csv", in: folder, placement: placement)
        }
        #expect(error.code == EEXIST, "\(fileSystem): \(error)")
        #expect(try folder.read("scores.csv") == "scores\n", "\(fileSystem)")
        #expect(try folder.names() == ["scores.csv"], "\(fileSystem)")
    }

    @Test("a file that appears while the temporary one is written is kept")
    func appearingFileKept() throws {
        let folder = try TemporaryFolder()
        let file = try AtomicFile(destination: folder.path + "/scores.csv", hashing: false)
        try folder.file("scores.csv", "theirs\n")
        try Data("ours\n".utf8).withUnsafeBytes { try file.write($0) }
        let error = try #require(throws: FileSystemError.self) { try file.commit(replacing: false) }
        #expect(error.code == EEXIST)
        #expect(try folder.read("scores.csv") == "theirs\n")
        #expect(try folder.names() == ["scores.csv"])
    }

    @Test("a file system with neither call fails with a message naming both, leaving nothing behind")
    func neitherCall() throws {
        let folder = try TemporaryFolder()
        let error = try #require(throws: FileSystemError.self) {
            try Self.write(
                "x\n",
                to: "scores.csv",
                in: folder,
                placement: ExclusivePlacement(renameNoReplace: Self.failing(EINVAL), link: Self.failing(EPERM))
            )
        }
        #expect(
            error.description.contains("supports neither renameat2(RENAME_NOREPLACE) (Invalid argument) nor hard links (Operation not permitted)"),
            "\(error)"
        )
        #expect(try folder.names().isEmpty)
    }

    @Test("the temporary file and the rename stay in the folder opened first, whatever its path leads to afterwards")
    func landsInTheOpenedFolder() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.path + "/protected", withIntermediateDirectories: true)
        let file = try AtomicFile(in: try DirectoryHandle(path: folder.path + "/out"), name: "scores.csv", hashing: false)
        // The folder moves away and a link to another folder takes its name before the commit.
        try FileManager.default.moveItem(atPath: folder.path + "/out", toPath: folder.path + "/moved")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/out", withDestinationPath: folder.path + "/protected")
        try Data("ours\n".utf8).withUnsafeBytes { try file.write($0) }
        try file.commit(replacing: true)
        #expect(try folder.read("moved/scores.csv") == "ours\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/protected").isEmpty)
    }
}
