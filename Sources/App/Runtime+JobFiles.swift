import Foundation
import Jobs
package import ObjectStore
package import Scheduler

extension Runtime {
    /// The built-in job kinds without a database, for judging job files before one is open (`nomaly check`, and
    /// `nomaly serve` before it starts anything).
    /// - Parameter scoringLocations: where score jobs may read and write; nil leaves their locations unchecked.
    package func offlineJobKinds(scoringLocations: ScoringLocations?) -> JobKindRegistry {
        BuiltInKinds.registry(pool: nil, specsDirectory: configuration.folders.registryDirectory, scoringLocations: scoringLocations)
    }

    /// Every job file, validated against `kinds`, each problem located (file, line, column, key). Nil without a jobs
    /// folder.
    package func jobFiles(kinds: JobKindRegistry) throws(JobSpecLoadError) -> [JobSpec]? {
        try Self.jobFiles(in: configuration.folders.jobsDirectory, kinds: kinds)
    }

    /// ``jobFiles(kinds:)`` of any folder, for the daemon's reloads (blocking: it reads files).
    static func jobFiles(in folder: String, kinds: JobKindRegistry) throws(JobSpecLoadError) -> [JobSpec]? {
        guard FileManager.default.fileExists(atPath: folder) else { return nil }
        return try JobSpecLoader(kinds: kinds).loadDirectory(folder)
    }
}
