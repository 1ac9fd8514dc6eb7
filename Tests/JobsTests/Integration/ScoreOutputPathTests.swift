import Foundation
import Jobs
import Postgres
import Scheduler
import TestSupport
import Testing

/// A score job's (and an API scoring run's) output that is not a regular file: a device or FIFO is written in place
/// without `overwrite: true` and stays what it was; a folder fails the run. Real Postgres.
@Suite("kind: score writes devices and FIFOs in place and refuses a folder (real Postgres)")
struct ScoreOutputPathTests {
    @Test("a FIFO output is written in place without overwrite, for a job file and for an API run in the scoring folder")
    func fifo() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let services = try JobsHarness.services(pool, folder: folder)
            try await JobsHarness.trainDemo(services)
            let input = folder.path + "/registry/data/payments-today.csv"
            let rows = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n").count - 1

            let reader = try FIFOReader(path: folder.path + "/scores.fifo")
            _ = try await JobsHarness.run(ScoreLocationTests.score(input: input, output: reader.path), name: "s", services: services)
            let lines = reader.finishText().split(separator: "\n")
            #expect(lines.first == "id,score,is_anomaly")
            #expect(lines.count == rows + 1)
            #expect(SpecialFiles.kind(of: reader.path) == "FIFO")

            try FileManager.default.createDirectory(atPath: folder.path + "/scoring/in", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: input, toPath: folder.path + "/scoring/in/today.csv")
            let confined = try FIFOReader(path: folder.path + "/scoring/out.fifo")
            _ = try await JobsHarness.run(
                ScoreLocationTests.score(input: "in/today.csv", output: "out.fifo"),
                name: RunStore.apiScoringJob,
                services: services
            )
            #expect(confined.finishText().split(separator: "\n").count == rows + 1)
            #expect(SpecialFiles.kind(of: confined.path) == "FIFO")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/scoring").sorted() == ["in", "out.fifo"])
        }
    }

    @Test("a device node output is written in place without overwrite and stays the device", .enabled(if: SpecialFiles.deviceTestsRun))
    func device() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let services = try JobsHarness.services(pool, folder: folder)
            try await JobsHarness.trainDemo(services)
            try FileManager.default.createDirectory(atPath: folder.path + "/dev", withIntermediateDirectories: false)
            let null = folder.path + "/dev/null"
            try SpecialFiles.makeNullDevice(at: null)
            let input = folder.path + "/registry/data/payments-today.csv"
            _ = try await JobsHarness.run(ScoreLocationTests.score(input: input, output: null), name: "s", services: services)
            #expect(SpecialFiles.kind(of: null) == "character device 1:3")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/dev") == ["null"])
        }
    }

    @Test("a folder output fails the run, naming it, and nothing is written into it")
    func folderOutput() async throws {
        try await ScratchDatabase.withSchema { pool, _ in
            let folder = try TemporaryFolder()
            let services = try JobsHarness.services(pool, folder: folder)
            try await JobsHarness.trainDemo(services)
            try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: false)
            let input = folder.path + "/registry/data/payments-today.csv"
            await #expect {
                try await JobsHarness.run(
                    ScoreLocationTests.score(input: input, output: folder.path + "/out", with: ", overwrite: true"),
                    name: "s",
                    services: services
                )
            } throws: { "\($0)" == "output '\(folder.path)/out' is a folder; name a file inside it" }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out").isEmpty)
        }
    }
}
