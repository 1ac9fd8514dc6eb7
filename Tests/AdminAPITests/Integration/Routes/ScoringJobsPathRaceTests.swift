import AdminAPI
import Foundation
import HTTPTypes
import HummingbirdTesting
import Jobs
import Scheduler
import TestSupport
import Testing

/// A run checks its files when it starts, then opens them. Someone who can write to the scoring folder may swap a
/// folder for a symbolic link in between; the run must not follow it, neither to read outside the folder nor to write
/// scores into the artifact store. The hook stands for that moment. Real Postgres and a real scheduler.
@Suite("scoring runs open their files beneath the scoring folder: a link swapped in after the check is not followed")
struct ScoringJobsPathRaceTests {
    /// Replaces the folder `scoring/name` by a symbolic link to `target`.
    static func swap(_ folder: String, for target: String) throws {
        try FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createSymbolicLink(atPath: folder, withDestinationPath: target)
    }

    @Test("input: the folder becomes a link to outside after the check; the run fails and reads nothing there")
    func inputSwapped() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            let scoring = harness.settings.scoringDirectory
            let elsewhere = harness.folder.path + "/elsewhere"
            for folder in [scoring + "/in", elsewhere] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: DemoData.today, toPath: folder + "/today.csv")
            }
            let response = try await harness.postScoringJob(#"{"model": "fraud", "input": "in/today.csv", "output": "scores.csv"}"#)
            #expect(response.status == .accepted)
            var services = harness.services
            services.afterLocationsChecked = { try Self.swap(scoring + "/in", for: elsewhere) }
            let (run, _) = try await harness.runQueued(try CreatedScoringJob(response).runId, services: services)
            #expect(run.status == .failed)
            #expect(run.error?.contains("a symbolic link is in the way") == true, "\(run.error ?? "")")
            #expect(!FileManager.default.fileExists(atPath: scoring + "/scores.csv"))
        }
    }

    @Test("output: the folder becomes a link into the artifact store after the check; nothing is written there")
    func outputSwapped() async throws {
        try await withTestAPI { harness in
            _ = try await harness.registerFraudModel()
            let scoring = harness.settings.scoringDirectory
            let artifacts = harness.folder.path + "/artifacts"
            try FileManager.default.copyItem(atPath: DemoData.today, toPath: scoring + "/today.csv")
            try FileManager.default.createDirectory(atPath: scoring + "/out", withIntermediateDirectories: true)
            let before = try FileManager.default.subpathsOfDirectory(atPath: artifacts).sorted()
            let response = try await harness.postScoringJob(
                #"{"model": "fraud", "input": "today.csv", "output": "out/scores.csv", "overwrite": true}"#
            )
            #expect(response.status == .accepted)
            var services = harness.services
            services.afterLocationsChecked = { try Self.swap(scoring + "/out", for: artifacts) }
            let (run, _) = try await harness.runQueued(try CreatedScoringJob(response).runId, services: services)
            #expect(run.status == .failed)
            #expect(run.error?.contains("a symbolic link is in the way") == true, "\(run.error ?? "")")
            #expect(try FileManager.default.subpathsOfDirectory(atPath: artifacts).sorted() == before, "nothing added to the artifact store")
        }
    }
}
