import Foundation
import Processes
import TestSupport
import Testing

@Suite("nomaly fit and nomaly score, as an operator runs them")
struct FitScoreCommandTests {
    static let training =
        (["id,a,b,label"] + (0..<200).map { "row\($0),\(Double($0 % 10) / 10),\(Double($0 % 7) / 7),0" } + ["far,40,-40,1"])
        .joined(separator: "\n") + "\n"

    @Test("fit reports ROC-AUC with --label; score writes id,score,is_anomaly to a file or stdout; --json is parseable")
    func fitThenScore() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", Self.training)
        let model = folder.path + "/model.tar.gz"
        let fit = try await NomalyProcess.run([
            "fit", "--detector", "isolation-forest", "--input", input, "--label", "label", "--id", "id", "--output", model, "--seed", "3",
        ])
        #expect(fit.status == 0, "\(fit.combinedOutput)")
        #expect(fit.standardOutput.contains("on its training data: ROC-AUC 1.0000"), "\(fit.standardOutput)")

        let score = try await NomalyProcess.run(["score", "--model", model, "--input", input, "--output", "-", "--id", "id"])
        #expect(score.status == 0, "\(score.combinedOutput)")
        let lines = score.standardOutput.split(separator: "\n")
        #expect(lines.first == "id,score,is_anomaly")
        #expect(lines.count == 202)
        #expect(lines.last?.hasPrefix("far,") == true && lines.last?.hasSuffix(",1") == true)

        let json = try await NomalyProcess.run([
            "fit", "--detector", "ecod", "--input", input, "--label", "label", "--id", "id", "--output", model, "--json",
        ])
        #expect(json.status == 0, "\(json.combinedOutput)")
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        let manifest = try #require(object?["manifest"] as? [String: Any])
        #expect(manifest["detector"] as? String == "ecod")
        #expect((manifest["features"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["a", "b"])
        #expect(manifest["id_column"] as? String == "id")
        #expect(object?["sha256"] as? String != nil)
    }

    @Test("bad inputs end with exit status 1 (an unknown detector, a wrong command line, with 64) and one clear line on stderr")
    func errors() async throws {
        let folder = try TemporaryFolder()
        let input = try folder.file("train.csv", Self.training)
        let model = folder.path + "/model.tar.gz"
        let unknown = try await NomalyProcess.run(["fit", "--detector", "lof", "--input", input, "--output", model])
        #expect(unknown.status == 64)
        #expect(unknown.standardError.contains("--detector must be one of isolation-forest, ecod, not 'lof'"), "\(unknown.standardError)")

        let fit = try await NomalyProcess.run(["fit", "--detector", "ecod", "--input", input, "--id", "id", "--label", "label", "--output", model])
        #expect(fit.status == 0, "\(fit.combinedOutput)")
        let narrow = try folder.file("narrow.csv", "id,a\nx,1\n")
        let missing = try await NomalyProcess.run(["score", "--model", model, "--input", narrow, "--output", folder.path + "/out.csv"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("\"b\""), "\(missing.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out.csv"))

        let absent = try await NomalyProcess.run(["score", "--model", folder.path + "/none.tar.gz", "--input", narrow, "--output", "-"])
        #expect(absent.status == 1)
        #expect(absent.standardError.contains("none.tar.gz: no such model file"), "\(absent.standardError)")

        let empty = try folder.file("empty.csv", "")
        let nothing = try await NomalyProcess.run(["fit", "--detector", "ecod", "--input", empty, "--output", model])
        #expect(nothing.status == 1)
        #expect(nothing.standardError.hasPrefix("error: "), "\(nothing.standardError)")
    }
}
