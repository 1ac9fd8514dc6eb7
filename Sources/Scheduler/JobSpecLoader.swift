import Foundation

/// Reads `jobs/*.yaml`, one job per file, and reports every mistake of every file with its file, line, column and key.
///
/// ```swift
/// let specs = try JobSpecLoader(kinds: registry).loadDirectory("jobs")
/// ```
package struct JobSpecLoader: Sendable {
    package let kinds: JobKindRegistry?

    package init(kinds: JobKindRegistry?) {
        self.kinds = kinds
    }

    /// Every `*.yaml` / `*.yml` file in `directory`, sorted by name.
    /// - Throws: ``JobSpecLoadError`` listing every broken file (the good ones are not returned then: a daemon
    ///   must not start with half its jobs), or when the folder cannot be read.
    package func loadDirectory(_ directory: String) throws(JobSpecLoadError) -> [JobSpec] {
        try SpecDirectory.load(directory, unreadable: Self.unreadableFolder, file: loadFile)
    }

    /// A jobs folder that cannot be read is an error, unlike a missing `registry/`: a daemon would plan nothing.
    static let unreadableFolder = SpecDirectory.Unreadable.fails(message: "cannot read the jobs folder; set --jobs or NOMALY_JOBS_DIR")

    /// One job file.
    /// - Throws: ``JobSpecLoadError`` with every mistake in the file, each with its line, column and key, in the order
    ///   they are written.
    package func loadFile(_ path: String) throws(JobSpecLoadError) -> JobSpec {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw JobSpecLoadError(problems: [JobSpecError(key: nil, message: "cannot read the file as UTF-8", file: path)])
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try load(text, file: path, defaultName: stem)
    }

    /// Parses one document; `file` is only used in error messages.
    /// - Throws: ``JobSpecLoadError`` as ``loadFile(_:)`` does.
    package func load(_ yaml: String, file: String, defaultName: String?) throws(JobSpecLoadError) -> JobSpec {
        let document: SpecDocument
        do {
            document = try SpecDocument.parse(yaml, file: file, expecting: "a job file must be a mapping of keys (name, kind, schedule, …)")
        } catch {
            throw JobSpecLoadError(problems: [error])
        }
        do {
            return try JobSpec(document: document.values, defaultName: defaultName, kinds: kinds)
        } catch {
            throw document.locate(error)
        }
    }
}

/// Every mistake found in a spec file, or in a folder of them: each with its file, line, column and key.
package struct JobSpecLoadError: Error, Sendable, CustomStringConvertible {
    package let problems: [JobSpecError]

    package init(problems: [JobSpecError]) {
        self.problems = problems
    }

    /// One mistake a line.
    package var description: String { problems.map(\.description).joined(separator: "\n") }
}
