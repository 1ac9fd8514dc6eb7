import Archive
import Foundation
import Testing

@Suite("Creating archives")
struct CreateTests {
    /// A small tree with text, binary, an empty file, an empty folder, an executable and a non-ASCII name.
    func sampleTree(_ scratch: Scratch) throws -> String {
        let root = scratch.path + "/tree"
        try scratch.file("tree/model.json", #"{"trees": 100}"#)
        try scratch.data("tree/data/weights.bin", Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        try scratch.file("tree/data/empty.txt", "")
        try scratch.file("tree/bin/run.sh", "#!/bin/sh\necho hi\n")
        try scratch.file("tree/naïve/ünïcode.txt", "ok")
        try FileManager.default.createDirectory(atPath: root + "/empty-folder", withIntermediateDirectories: true)
        chmod(root + "/bin/run.sh", 0o700)
        return root
    }

    @Test("the same tree gives the same bytes whatever the thread count, and the sha256 is sha256sum's")
    func deterministic() async throws {
        let scratch = try Scratch()
        let tree = try sampleTree(scratch)
        var options = ArchiveCreateOptions()
        options.blockSize = 64 * 1024
        options.threads = 1
        let one = try await TarGz.create(directory: tree, output: scratch.path + "/one.tar.gz", options: options)
        options.threads = 4
        let four = try await TarGz.create(directory: tree, output: scratch.path + "/four.tar.gz", options: options)
        // Touching files changes mtimes and owners' view, not the archive.
        utimes(tree + "/model.json", nil)
        let again = try await TarGz.create(directory: tree, output: scratch.path + "/again.tar.gz", options: options)
        #expect(one.sha256 == four.sha256)
        #expect(one.sha256 == again.sha256)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/one.tar.gz"))
                == Data(contentsOf: URL(fileURLWithPath: scratch.path + "/four.tar.gz"))
        )
        #expect(try sha256sum(scratch.path + "/one.tar.gz") == one.sha256)
        #expect(one.entries == 9)
    }

    @Test("GNU tar and Python's tarfile read what we write, with normalised owners, times and modes")
    func readByOthers() async throws {
        let scratch = try Scratch()
        let tree = try sampleTree(scratch)
        let archive = scratch.path + "/tree.tar.gz"
        try await TarGz.create(directory: tree, output: archive)
        try run(["gzip", "-t", archive])
        let listing = try run(["tar", "--numeric-owner", "-tvzf", archive])
        #expect(listing.contains("-rwxr-xr-x 0/0              18 1970-01-01 00:00 bin/run.sh"))
        #expect(listing.contains("-rw-r--r-- 0/0          300000 1970-01-01 00:00 data/weights.bin"))
        #expect(listing.contains("drwxr-xr-x 0/0               0 1970-01-01 00:00 empty-folder/"))
        try FileManager.default.createDirectory(atPath: scratch.path + "/gnu", withIntermediateDirectories: true)
        try run(["tar", "-xzf", archive, "-C", scratch.path + "/gnu"])
        try run(["diff", "-r", tree, scratch.path + "/gnu"])
        let python = """
            import sys, tarfile, hashlib
            with tarfile.open(sys.argv[1]) as t:
                for m in t.getmembers():
                    data = t.extractfile(m).read() if m.isfile() else b""
                    print(m.name, m.uid, m.gid, m.mtime, oct(m.mode), hashlib.sha256(data).hexdigest()[:8])
            """
        let fromPython = try run(["python3", "-c", python, archive])
        #expect(fromPython.contains("naïve/ünïcode.txt 0 0 0 0o644"))
        #expect(fromPython.split(separator: "\n").count == 9)
    }

    @Test("many small gzip members round-trip through our own extraction")
    func roundTripManyMembers() async throws {
        let scratch = try Scratch()
        let tree = try sampleTree(scratch)
        var options = ArchiveCreateOptions()
        options.blockSize = 4096
        let created = try await TarGz.create(directory: tree, output: scratch.path + "/small-blocks.tar.gz", options: options)
        let extracted = try await TarGz.extract(scratch.path + "/small-blocks.tar.gz", into: scratch.path + "/out")
        #expect(extracted.sha256 == created.sha256)
        try run(["diff", "-r", tree, scratch.path + "/out"])
    }

    @Test("a file list archives under chosen names with their folders")
    func fileList() async throws {
        let scratch = try Scratch()
        try scratch.file("a.json", "{}")
        try scratch.file("b.bin", "weights")
        let summary = try await TarGz.create(
            files: [.init(name: "manifest.json", source: scratch.path + "/a.json"), .init(name: "model/model.bin", source: scratch.path + "/b.bin")],
            output: scratch.path + "/out.tar.gz"
        )
        #expect(summary.entries == 3)
        let names = try await TarGz.list(scratch.path + "/out.tar.gz").entries.map(\.path)
        #expect(names == ["manifest.json", "model/", "model/model.bin"])
    }

    @Test("symlinks in the source are refused and no output, not even a temporary file, is left")
    func refusesSymlinks() async throws {
        let scratch = try Scratch()
        let tree = try sampleTree(scratch)
        symlink("/etc/passwd", tree + "/data/passwd")
        let error = await #expect(throws: ArchiveError.self) {
            try await TarGz.create(directory: tree, output: scratch.path + "/out.tar.gz")
        }
        #expect(error?.code == .unsupportedEntry)
        #expect(error?.message.contains("symbolic link") == true)
        #expect(try scratch.names() == ["tree"])
    }

    @Test("a missing source file fails cleanly, and an unsafe name in a file list is refused")
    func badInputs() async throws {
        let scratch = try Scratch()
        let missing = await #expect(throws: ArchiveError.self) {
            try await TarGz.create(files: [.init(name: "x", source: scratch.path + "/nope")], output: scratch.path + "/out.tar.gz")
        }
        #expect(missing?.code == .io)
        #expect(try scratch.names().isEmpty)
        try scratch.file("x", "x")
        let unsafe = await #expect(throws: ArchiveError.self) {
            try await TarGz.create(files: [.init(name: "../x", source: scratch.path + "/x")], output: scratch.path + "/out.tar.gz")
        }
        #expect(unsafe?.code == .unsafeEntry)
    }
}
