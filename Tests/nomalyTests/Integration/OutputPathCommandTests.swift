import Foundation
import Processes
import TestSupport
import Testing

/// The reproduction, with the built binary: `nomaly score --output /dev/null` (as root) used to rename a
/// regular file over the device. Outputs that are devices, FIFOs or `/dev/stdout` are written in place; a folder is
/// refused with exit status 1.
@Suite("nomaly score, fit, archive create and s3 cp write devices, FIFOs and /dev/stdout in place and refuse folders")
struct OutputPathCommandTests {
    /// A trained model and its training data in `folder`.
    static func model(in folder: TemporaryFolder) async throws -> (model: String, input: String) {
        let input = try folder.file("train.csv", FitScoreCommandTests.training)
        let model = folder.path + "/model.tar.gz"
        let fit = try await NomalyProcess.run(["fit", "--detector", "ecod", "--input", input, "--id", "id", "--label", "label", "--output", model])
        #expect(fit.status == 0, "\(fit.combinedOutput)")
        return (model, input)
    }

    @Test("score, fit, archive create and s3 cp into a device node exit 0 and leave the device as it was", .enabled(if: SpecialFiles.deviceTestsRun))
    func device() async throws {
        let folder = try TemporaryFolder()
        let (model, input) = try await Self.model(in: folder)
        try FileManager.default.createDirectory(atPath: folder.path + "/dev", withIntermediateDirectories: false)
        let null = folder.path + "/dev/null"
        try SpecialFiles.makeNullDevice(at: null)
        try folder.file("tree/model.json", "{}")
        let commands = [
            ["score", "--model", model, "--input", input, "--id", "id", "--output", null],
            ["fit", "--detector", "ecod", "--input", input, "--id", "id", "--label", "label", "--output", null],
            ["archive", "create", folder.path + "/tree", null],
            ["s3", "cp", input, null],
        ]
        for command in commands {
            let result = try await NomalyProcess.run(command)
            #expect(result.status == 0, "\(command): \(result.combinedOutput)")
            #expect(SpecialFiles.kind(of: null) == "character device 1:3", "\(command)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/dev") == ["null"], "\(command)")
        }
    }

    @Test("score and s3 cp into a FIFO feed its reader; score into /proc/self/fd/1 or a link to it (as /dev/stdout is) writes to standard output")
    func fifoAndStandardOutput() async throws {
        let folder = try TemporaryFolder()
        let (model, input) = try await Self.model(in: folder)
        let reader = try FIFOReader(path: folder.path + "/scores")
        let fifo = try await NomalyProcess.run(["score", "--model", model, "--input", input, "--id", "id", "--output", reader.path])
        #expect(fifo.status == 0, "\(fifo.combinedOutput)")
        #expect(reader.finishText().split(separator: "\n").count == 202)
        #expect(SpecialFiles.kind(of: reader.path) == "FIFO")

        let copied = try FIFOReader(path: folder.path + "/copied")
        let copy = try await NomalyProcess.run(["s3", "cp", input, copied.path])
        #expect(copy.status == 0, "\(copy.combinedOutput)")
        #expect(copied.finishText() == FitScoreCommandTests.training)
        #expect(SpecialFiles.kind(of: copied.path) == "FIFO")

        // Never the machine's own /dev/stdout: a nomaly without the fix, run as root, would replace it for everyone
        // (it did once, while this test was shown to fail). /proc/self/fd/1 is the same rule's path, and a
        // link of the test's own to it stands for /dev/stdout; without the fix, only they are at stake.
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/stdout", withDestinationPath: "/proc/self/fd/1")
        for output in ["/proc/self/fd/1", folder.path + "/stdout"] {
            let stdout = try await NomalyProcess.run(["score", "--model", model, "--input", input, "--id", "id", "--output", output])
            #expect(stdout.status == 0, "\(output): \(stdout.combinedOutput)")
            #expect(stdout.standardOutput.split(separator: "\n").first == "id,score,is_anomaly", "\(output)")
            #expect(stdout.standardOutput.split(separator: "\n").count == 202, "\(output)")
        }
        #expect(SpecialFiles.kind(of: folder.path + "/stdout") == "symbolic link")
    }

    @Test("a folder as the output exits 1 naming it, and nothing is written in it")
    func folder() async throws {
        let folder = try TemporaryFolder()
        let (model, input) = try await Self.model(in: folder)
        let out = folder.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        for command in [["score", "--model", model, "--input", input, "--output", out], ["archive", "create", folder.path + "/out", out]] {
            let result = try await NomalyProcess.run(command)
            #expect(result.status == 1, "\(command): \(result.combinedOutput)")
            #expect(result.standardError.contains("cannot write \(out): it is a folder; name a file inside it"), "\(result.standardError)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
        }
    }
}
