import Foundation
import TestSupport
import Testing

@testable import Backup

@Suite("A restore moves the old artifacts aside under a name no earlier restore took")
struct ArtifactsMovedAsideTests {
    @Test("two restores in the same second: the second gets ROOT.backup.ID-2, neither fails, nothing is replaced")
    func sameSecond() throws {
        let folder = try TemporaryFolder()
        let root = folder.path + "/artifacts"
        let now = Date()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "first".write(toFile: root + "/a", atomically: true, encoding: .utf8)
        let first = try ArtifactRestore.moveAside(root, at: now)

        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "second".write(toFile: root + "/a", atomically: true, encoding: .utf8)
        let second = try ArtifactRestore.moveAside(root, at: now)

        #expect(first == root + ".backup." + BackupSetID(date: now).value)
        #expect(second == first + "-2")
        #expect(try String(contentsOfFile: first + "/a", encoding: .utf8) == "first")
        #expect(try String(contentsOfFile: second + "/a", encoding: .utf8) == "second")
        #expect(!FileManager.default.fileExists(atPath: root))
    }

    @Test("an empty folder already holding the name is skipped, not replaced")
    func emptyFolderNotReplaced() throws {
        let folder = try TemporaryFolder()
        let root = folder.path + "/artifacts"
        let now = Date()
        let taken = root + ".backup." + BackupSetID(date: now).value
        try FileManager.default.createDirectory(atPath: taken, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        #expect(try ArtifactRestore.moveAside(root, at: now) == taken + "-2")
        #expect(FileManager.default.fileExists(atPath: taken))
    }
}
