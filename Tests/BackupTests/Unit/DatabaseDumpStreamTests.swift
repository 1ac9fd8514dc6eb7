import Foundation
import TestSupport
import Testing

@testable import Backup

/// The dump's program as ``DatabaseDump`` runs it, played by a shell so that it can be made to fail or hang.
@Suite("The dump's program: streamed into the set, stopped with its task")
struct DatabaseDumpStreamTests {
    let folder: TemporaryFolder
    let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    let id = BackupSetID("20261201_000000")!

    init() throws { folder = try TemporaryFolder("dump-stream") }

    func stream(_ script: String, into name: String) async throws -> BackupManifest.FileEntry {
        try await DatabaseDump.stream(
            ["sh", "-c", script],
            environment: environment,
            into: folder.path + "/" + name,
            name: name,
            setID: id,
            key: nil
        )
    }

    @Test("standard output becomes the set's file; a failure is reported with standard error and leaves no file")
    func outputAndFailure() async throws {
        let entry = try await stream("printf 'dump bytes'; echo 'notice' >&2", into: "good.dump")
        #expect(entry.size == 10)
        #expect(try folder.read("good.dump") == "dump bytes")

        let error = await #expect(throws: BackupError.self) { try await stream("printf partial; echo 'out of memory' >&2; exit 3", into: "bad.dump") }
        #expect(error?.code == .tool)
        #expect(error?.message == "sh exited with status 3: out of memory")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["good.dump"])
    }

    @Test("cancelling the backup stops the program with its group and removes the partial file")
    func cancellation() async throws {
        let marker = "\(Int.random(in: 100_000...999_999)).75"
        let run = Task { try await stream("printf partial; sleep \(marker)", into: "cancelled.dump") }
        try await waitFor(timeout: .seconds(60)) { processes(matching: marker).count == 1 }
        run.cancel()
        let error = await #expect(throws: BackupError.self) { try await run.value }
        #expect(error?.message.hasPrefix("sh exited with status \(128 + SIGTERM)") == true)
        try await waitFor(timeout: .seconds(60)) { processes(matching: marker).isEmpty }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("a backup cancelled before its dump starts starts no program")
    func cancelledBeforeStart() async throws {
        let marker = "\(Int.random(in: 100_000...999_999)).5"
        let run = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await stream("sleep \(marker)", into: "never.dump")
        }
        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(processes(matching: marker).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
