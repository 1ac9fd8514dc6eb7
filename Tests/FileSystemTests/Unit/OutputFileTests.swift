import FileSystem
import Foundation
import Synchronization
import TestSupport
import Testing

/// The one rule for a path a user names as an output: nothing or a regular file is replaced atomically; a device, a
/// FIFO, a socket or the process's own descriptor is written in place and never renamed over; a folder is refused.
@Suite("OutputFile writes devices, FIFOs and sockets in place, refuses folders, replaces only regular files")
struct OutputFileTests {
    static func write(_ text: String, to file: OutputFile, replacing: Bool = true) throws {
        try Data(text.utf8).withUnsafeBytes { try file.write($0) }
        try file.commit(replacing: replacing)
    }

    @Test("a device node is written in place, even without replacing, and stays the device", .enabled(if: SpecialFiles.deviceTestsRun))
    func deviceNode() throws {
        let folder = try TemporaryFolder()
        let null = folder.path + "/null"
        try SpecialFiles.makeNullDevice(at: null)
        let file = try OutputFile(path: null)
        #expect(file.writesInPlace)
        try Self.write("scores\n", to: file, replacing: false)
        #expect(SpecialFiles.kind(of: null) == "character device 1:3")
        #expect(try folder.names() == ["null"])
    }

    @Test("a symbolic link to a device is followed and written in place; the link and the device stay", .enabled(if: SpecialFiles.deviceTestsRun))
    func linkToDevice() throws {
        let folder = try TemporaryFolder()
        try SpecialFiles.makeNullDevice(at: folder.path + "/null")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/discard", withDestinationPath: folder.path + "/null")
        try Self.write("x\n", to: try OutputFile(path: folder.path + "/discard"))
        #expect(SpecialFiles.kind(of: folder.path + "/discard") == "symbolic link")
        #expect(SpecialFiles.kind(of: folder.path + "/null") == "character device 1:3")
        #expect(try folder.names() == ["discard", "null"])
    }

    @Test("a FIFO's reader gets the bytes as written and the FIFO stays; no-clobber does not apply")
    func fifo() throws {
        let folder = try TemporaryFolder()
        let reader = try FIFOReader(path: folder.path + "/scores")
        let file = try OutputFile(path: reader.path)
        #expect(file.writesInPlace)
        try Self.write("id,score\n1,0.5\n", to: file, replacing: false)
        #expect(reader.finishText() == "id,score\n1,0.5\n")
        #expect(file.bytesWritten == 15)
        #expect(SpecialFiles.kind(of: reader.path) == "FIFO")
        #expect(try folder.names() == ["scores"])
    }

    @Test("a symbolic link to a FIFO is written in place; discard closes it and removes nothing")
    func linkToFIFODiscarded() throws {
        let folder = try TemporaryFolder()
        let reader = try FIFOReader(path: folder.path + "/pipe")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/out", withDestinationPath: reader.path)
        let file = try OutputFile(path: folder.path + "/out")
        try Data("partial".utf8).withUnsafeBytes { try file.write($0) }
        file.discard()
        #expect(reader.finishText() == "partial")
        #expect(SpecialFiles.kind(of: folder.path + "/out") == "symbolic link")
        #expect(SpecialFiles.kind(of: reader.path) == "FIFO")
    }

    @Test("a folder is refused before anything is written, naming it")
    func folderRefused() throws {
        let folder = try TemporaryFolder()
        try folder.file("out/keep.txt", "kept\n")
        let error = try #require(throws: FileSystemError.self) { try OutputFile(path: folder.path + "/out") }
        #expect(error.code == EISDIR)
        #expect(error.description == "cannot write \(folder.path)/out: it is a folder; name a file inside it")
        #expect(try folder.names() == ["out"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out") == ["keep.txt"])
    }

    @Test("a missing path and a regular file go through a temporary file renamed into place")
    func regularFiles() throws {
        let folder = try TemporaryFolder()
        let fresh = try OutputFile(path: folder.path + "/new/scores.csv")
        #expect(!fresh.writesInPlace)
        try Self.write("a\n", to: fresh)
        #expect(try folder.read("new/scores.csv") == "a\n")

        try folder.file("old.csv", "old\n")
        let kept = try OutputFile(path: folder.path + "/old.csv")
        try Data("new\n".utf8).withUnsafeBytes { try kept.write($0) }
        let error = try #require(throws: FileSystemError.self) { try kept.commit(replacing: false) }
        #expect(error.code == EEXIST)
        #expect(try folder.read("old.csv") == "old\n")
        try Self.write("new\n", to: try OutputFile(path: folder.path + "/old.csv"))
        #expect(try folder.read("old.csv") == "new\n")
        #expect(try folder.names() == ["new", "old.csv"])
    }

    @Test("a symbolic link to a regular file replaces the target and keeps the link")
    func linkToRegularFile() throws {
        let folder = try TemporaryFolder()
        try folder.file("runs/2026.csv", "old\n")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/latest.csv", withDestinationPath: "runs/2026.csv")
        try Self.write("new\n", to: try OutputFile(path: folder.path + "/latest.csv"))
        #expect(SpecialFiles.kind(of: folder.path + "/latest.csv") == "symbolic link")
        #expect(try folder.read("runs/2026.csv") == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/runs") == ["2026.csv"])
    }

    @Test("a symbolic link to nothing is refused and kept")
    func danglingLink() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/out", withDestinationPath: folder.path + "/gone/x")
        let error = try #require(throws: FileSystemError.self) { try OutputFile(path: folder.path + "/out") }
        #expect(error.description == "cannot write \(folder.path)/out: it is a symbolic link to a file that does not exist")
        #expect(SpecialFiles.kind(of: folder.path + "/out") == "symbolic link")
    }

    @Test("/dev/fd/N writes through the process's own descriptor: a pipe, and a redirected file at its offset")
    func ownDescriptors() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        try Self.write("through the pipe\n", to: try OutputFile(path: "/dev/fd/\(ends[1])"))
        close(ends[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(ends[0], &buffer, 64)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "through the pipe\n")

        let folder = try TemporaryFolder()
        let log = folder.path + "/daemon.log"
        let descriptor = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(descriptor) }
        _ = Foundation.write(descriptor, "before\n", 7)
        let file = try OutputFile(path: "/proc/self/fd/\(descriptor)")
        #expect(file.writesInPlace)
        try Self.write("scores\n", to: file, replacing: false)
        #expect(try folder.read("daemon.log") == "before\nscores\n")
        #expect(try folder.names() == ["daemon.log"])
    }

    @Test("a Unix socket is connected to and written in place")
    func socket() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/scores.sock"
        let listener = try UnixListener(path: path)
        let file = try OutputFile(path: path)
        #expect(file.writesInPlace)
        try Self.write("over the socket\n", to: file)
        #expect(listener.received() == "over the socket\n")
        #expect(SpecialFiles.kind(of: path) == "socket")
    }

    @Test("in an open folder: a FIFO is written in place, a folder and a symbolic link are refused")
    func inFolder() throws {
        let folder = try TemporaryFolder()
        let handle = try DirectoryHandle(path: folder.path)
        let reader = try FIFOReader(path: folder.path + "/fifo")
        try Self.write("in place\n", to: try OutputFile(in: handle, name: "fifo"), replacing: false)
        #expect(reader.finishText() == "in place\n")

        try FileManager.default.createDirectory(atPath: folder.path + "/dir", withIntermediateDirectories: false)
        let folderError = try #require(throws: FileSystemError.self) { try OutputFile(in: handle, name: "dir") }
        #expect(folderError.code == EISDIR)

        try FileManager.default.createSymbolicLink(atPath: folder.path + "/stdout", withDestinationPath: "/proc/self/fd/1")
        let linkError = try #require(throws: FileSystemError.self) { try OutputFile(in: handle, name: "stdout") }
        #expect(linkError.code == ELOOP)
        #expect(SpecialFiles.kind(of: folder.path + "/stdout") == "symbolic link")

        try Self.write("file\n", to: try OutputFile(in: handle, name: "plain.csv"))
        #expect(try folder.read("plain.csv") == "file\n")
        #expect(try folder.names() == ["dir", "fifo", "plain.csv", "stdout"])
    }

    @Test("a reader that went away is EPIPE, not a SIGPIPE that would end the process")
    func readerGone() throws {
        let folder = try TemporaryFolder()
        let reader = try FIFOReader(path: folder.path + "/fifo", readLimit: 1)
        let file = try OutputFile(path: reader.path)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let error = try #require(throws: FileSystemError.self) {
            // The first write may fit the pipe before the reader leaves; later ones meet a closed reader.
            for _ in 0..<64 { try chunk.withUnsafeBytes { try file.write($0) } }
        }
        #expect(error.code == EPIPE)
        #expect(error.description.hasPrefix("cannot write \(reader.path): "))
        _ = reader.finish()
    }

    @Test("OutputTarget says what is at a path")
    func targets() throws {
        let folder = try TemporaryFolder()
        try folder.file("file", "x")
        #expect(mkfifo(folder.path + "/fifo", 0o644) == 0)
        #expect(try OutputTarget.inspect(folder.path + "/missing") == .absent)
        #expect(try OutputTarget.inspect(folder.path + "/file") == .regularFile(path: folder.path + "/file"))
        #expect(try OutputTarget.inspect(folder.path) == .folder)
        #expect(try OutputTarget.inspect(folder.path + "/fifo") == .inPlace(kind: "a FIFO"))
        #expect(try OutputTarget.inspect("/dev/stdout") == .inPlace(kind: "standard output"))
        #expect(try OutputTarget.inspect("/dev/null") == .inPlace(kind: "a character device"))
        #expect(!OutputTarget.inPlace(kind: "a FIFO").replacesAFile && OutputTarget.regularFile(path: "/x").replacesAFile)
    }
}

/// A Unix stream socket listening at a path, which accepts one connection and reads it to its end.
final class UnixListener: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let data = Mutex(Data())

    init(path: String) throws {
        let listening = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard listening >= 0, bound == 0, listen(listening, 1) == 0 else {
            throw SpecialFileError("cannot listen at \(path): \(String(cString: strerror(errno)))")
        }
        Thread.detachNewThread { [self] in
            defer {
                close(listening)
                done.signal()
            }
            let connection = accept(listening, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { return }
                data.withLock { $0.append(contentsOf: buffer[0..<count]) }
            }
        }
    }

    func received() -> String {
        done.wait()
        return String(decoding: data.withLock { $0 }, as: UTF8.self)
    }
}
