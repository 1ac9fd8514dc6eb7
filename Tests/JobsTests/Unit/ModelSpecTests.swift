import Datasets
import Foundation
import Jobs
import Scheduler
import TestSupport
import Testing

@Suite("Model specs (registry/NAME.yaml)")
struct ModelSpecTests {
    @Test("the demo spec in the repository loads, with its data path made absolute")
    func demo() throws {
        let spec = try ModelSpecLoader.loadFile(TestEnvironment.repositoryRoot + "/registry/demo.yaml")
        #expect(spec.name == "demo")
        #expect(spec.detector == "isolation-forest")
        #expect(spec.data == .csv(TestEnvironment.repositoryRoot + "/registry/data/payments-train.csv"))
        #expect(spec.selection.id == "id" && spec.selection.label == "is_fraud")
        #expect(spec.holdout == 0.25)
        #expect(spec.promotion == .auto(alias: "production", metric: "roc_auc"))
        #expect(spec.specHash.count == 64)
    }

    @Test(
        "mistakes are refused naming the file, key and line",
        arguments: [
            ("detector: isolation-forest\ndata: {csv: a.csv}\nholdot: 0.2\n", "holdot: unknown key (did you mean 'holdout'?)", 3),
            ("detector: lof\ndata: {csv: a.csv}\n", "unknown detector 'lof'", 1),
            ("detector: ecod\ndata: {csv: a.csv, sql: SELECT 1}\n", "give exactly one of csv", 2),
            ("detector: ecod\nparams: {trees: 10}\ndata: {csv: a.csv}\n", "ecod is parameter-free", 2),
            ("detector: ecod\ndata: {csv: a.csv}\npromotion: {policy: auto}\n", "needs a label column", 3),
            ("detector: ecod\ndata: {csv: a.csv, missing: guess}\n", "must be error, skip or impute-median", 2),
            ("detector: ecod\n", "data: is required", nil),
        ] as [(String, String, Int?)]
    )
    func mistakes(yaml: String, message: String, line: Int?) throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("bad.yaml", yaml)
        do {
            _ = try ModelSpecLoader.loadFile(path)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.problems.count == 1, "\(error)")
            let problem = error.problems.first
            #expect(problem?.description.contains(message) == true, "\(error)")
            #expect(problem?.file == path)
            if let line { #expect(problem?.line == line, "\(error)") }
        }
    }

    @Test("every mistake of a spec is reported at once, in the order written")
    func everyMistake() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file(
            "bad.yaml",
            "detector: lof\nparams: {trees: 0}\ndata: {csv: a.csv, delimiter: ab, missing: guess}\nholdot: 0.2\npromotion: {policy: sometimes}\n"
        )
        let error = #expect(throws: JobSpecLoadError.self) { try ModelSpecLoader.loadFile(path) }
        #expect(
            error?.problems.map { "\($0.line ?? 0) \($0.key ?? "")" } == [
                "1 detector", "2 params.trees", "3 data.delimiter", "3 data.missing", "4 holdot", "5 promotion.policy",
            ]
        )
        #expect(error?.problems.allSatisfy { $0.file == path } == true)
        let missing = #expect(throws: JobSpecLoadError.self) { try ModelSpecLoader.loadFile(try folder.file("empty.yaml", "detectr: ecod\n")) }
        #expect(
            missing?.problems.map { "\($0.key ?? ""): \($0.message)" } == [
                "detectr: unknown key (did you mean 'detector'?); known keys: contamination, data, description, detector, features, holdout, id, label, name, params, promotion, threshold",
                "data: is required (csv: PATH or sql: QUERY)",
            ]
        )
    }

    @Test("a folder is loaded whole, every broken file reported together; a train job naming a missing spec is refused")
    func folder() throws {
        let folder = try TemporaryFolder()
        try folder.file("good.yaml", "detector: ecod\ndata: {sql: SELECT 1 AS a}\n")
        try folder.file("one.yaml", "detector: nope\ndata: {csv: a.csv}\n")
        try folder.file("two.yml", "- not a mapping\n")
        do {
            _ = try ModelSpecLoader.loadDirectory(folder.path)
            Issue.record("broken specs accepted")
        } catch {
            #expect(error.problems.count == 2)
        }
        let kinds = BuiltInKinds.registry(pool: nil, specsDirectory: folder.path)
        #expect(throws: JobSpecLoadError.self) {
            try JobSpecLoader(kinds: kinds).load("kind: train\nschedule: \"@daily\"\nwith: {model: absent}\n", file: "t.yaml", defaultName: "t")
        }
        _ = try JobSpecLoader(kinds: kinds).load("kind: train\nschedule: \"@daily\"\nwith: {model: good}\n", file: "t.yaml", defaultName: "t")
    }

    @Test("a registry folder that does not exist holds no specs")
    func missingFolder() throws {
        let folder = try TemporaryFolder()
        #expect(try ModelSpecLoader.loadDirectory(folder.path + "/registry").isEmpty)
        try folder.file("registry/demo.yaml", "detector: ecod\ndata: {sql: SELECT 1 AS a}\n")
        #expect(try ModelSpecLoader.loadDirectory(folder.path + "/registry").map(\.name) == ["demo"])
    }
}
