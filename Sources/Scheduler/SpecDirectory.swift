import Foundation

/// A folder of YAML specs, one per file (`jobs/`, `registry/`): its `*.yaml` and `*.yml` files in name order, every
/// mistake of every broken one reported, not only the first, so that an operator fixes them all in one round.
///
/// ```swift
/// let specs = try SpecDirectory.load("registry", unreadable: .holdsNothing, file: ModelSpecLoader.loadFile)
/// ```
package enum SpecDirectory {
    /// What a folder that cannot be listed (missing, not a folder, not readable) means.
    package enum Unreadable: Sendable, Equatable {
        /// It holds no specs.
        case holdsNothing
        /// A ``JobSpecLoadError`` naming the folder, with this message.
        case fails(message: String)
    }

    /// Reads every spec file of `directory` with `load`.
    /// - Throws: ``JobSpecLoadError`` listing every file `load` refused (the good ones are not returned then: a daemon
    ///   must not start with half its jobs), or, with ``Unreadable/fails(message:)``, the folder that cannot be read.
    package static func load<Spec>(
        _ directory: String,
        unreadable: Unreadable,
        file load: (String) throws(JobSpecLoadError) -> Spec
    ) throws(JobSpecLoadError) -> [Spec] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            switch unreadable {
            case .holdsNothing: return []
            case .fails(let message): throw JobSpecLoadError(problems: [JobSpecError(key: nil, message: message, file: directory)])
            }
        }
        var specs: [Spec] = []
        var problems: [JobSpecError] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            do {
                specs.append(try load(directory + "/" + name))
            } catch {
                problems.append(contentsOf: error.problems)
            }
        }
        guard problems.isEmpty else { throw JobSpecLoadError(problems: problems) }
        return specs
    }
}
