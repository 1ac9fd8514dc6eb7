import Scheduler
import TestSupport
import Testing

@Suite("Folders of spec files")
struct SpecDirectoryTests {
    /// Reads a file as its name, refusing those whose name says "bad".
    static func name(_ path: String) throws(JobSpecLoadError) -> String {
        let name = String(path.split(separator: "/").last ?? "")
        if name.contains("bad") { throw JobSpecLoadError(problems: [JobSpecError(key: "kind", message: "is broken", file: path, line: 1)]) }
        return name
    }

    @Test("the .yaml and .yml files, in name order, and nothing else")
    func order() throws {
        let folder = try TemporaryFolder()
        for name in ["b.yaml", "a.yml", "c.yaml", "notes.md", "d.json", "e.yaml.orig", ".f.yaml"] { try folder.file(name, "x") }
        let names = try SpecDirectory.load(folder.path, unreadable: .holdsNothing, file: Self.name)
        #expect(names == [".f.yaml", "a.yml", "b.yaml", "c.yaml"])
    }

    @Test("every broken file is reported, in name order, and no spec is returned")
    func everyProblem() throws {
        let folder = try TemporaryFolder()
        for name in ["good.yaml", "bad-two.yml", "bad-one.yaml"] { try folder.file(name, "x") }
        let error = #expect(throws: JobSpecLoadError.self) {
            try SpecDirectory.load(folder.path, unreadable: .holdsNothing, file: Self.name)
        }
        #expect(error?.problems.map(\.file) == [folder.path + "/bad-one.yaml", folder.path + "/bad-two.yml"])
        #expect(error?.description == "\(folder.path)/bad-one.yaml:1: kind: is broken\n\(folder.path)/bad-two.yml:1: kind: is broken")
    }

    @Test("a folder that cannot be listed holds nothing, or fails naming the folder, as the caller says")
    func unreadable() throws {
        let folder = try TemporaryFolder()
        let missing = folder.path + "/absent"
        let notAFolder = try folder.file("plain.yaml", "x")
        for path in [missing, notAFolder] {
            #expect(try SpecDirectory.load(path, unreadable: .holdsNothing, file: Self.name).isEmpty)
            let error = #expect(throws: JobSpecLoadError.self) {
                try SpecDirectory.load(path, unreadable: .fails(message: "cannot read the folder"), file: Self.name)
            }
            #expect(error?.problems == [JobSpecError(key: nil, message: "cannot read the folder", file: path)])
        }
    }

    /// `nomaly serve` and `nomaly check` decide what a missing jobs folder means from this error.
    @Test("a jobs folder that cannot be read is an error naming the folder and the settings")
    func missingJobsFolder() throws {
        let missing = try TemporaryFolder().path + "/jobs"
        let error = #expect(throws: JobSpecLoadError.self) { try JobSpecLoader(kinds: nil).loadDirectory(missing) }
        #expect(error?.description == "\(missing): cannot read the jobs folder; set --jobs or NOMALY_JOBS_DIR")
    }
}
