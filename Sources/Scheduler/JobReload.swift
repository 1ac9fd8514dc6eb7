import Foundation
import Metrics

/// How `nomaly jobs reload` reaches every replica: a NOTIFY on ``requestChannel`` (its payload the request's id) asks
/// each replica that runs a scheduler to read its own jobs folder again; each answers on ``answerChannel`` with a
/// ``JobReloadAnswer``. A replica that is down or does not run a scheduler does not answer.
package enum JobReload {
    package static let requestChannel = "nomaly_jobs_reload"
    package static let answerChannel = "nomaly_jobs_reloaded"

    /// Counts a reload in `nomaly_job_reloads_total{trigger, outcome}`.
    package static func record(_ outcome: JobReloadOutcome, trigger: JobReloadTrigger) {
        Counter(label: "nomaly_job_reloads_total", dimensions: [("trigger", trigger.rawValue), ("outcome", outcome.rawValue)]).increment()
    }

    /// A digest of a set of job files (names and spec hashes), equal on two replicas exactly when their sets are.
    package static func digest(of specs: [JobSpec]) -> String {
        SpecHash.of(specs.map { "\($0.name)=\($0.specHash)" }.sorted().joined(separator: "\n"))
    }
}

/// What made a replica read its jobs folder again.
package enum JobReloadTrigger: String, Sendable, Codable, CaseIterable {
    /// `nomaly jobs reload` (a NOTIFY).
    case request
    /// SIGHUP.
    case signal
    /// The folder changed (inotify).
    case files
    /// The folder changed while the daemon was starting, before it watched.
    case start
    /// A reload the database refused, tried again.
    case retry
}

/// How a reload ended.
package enum JobReloadOutcome: String, Sendable, Codable {
    /// The new set was written; the catalogue changed.
    case applied
    /// The files are what the catalogue holds already.
    case unchanged
    /// The files are invalid, or the folder is gone: nothing was written, the jobs run as before.
    case refused
    /// The database did not take the new set (it is rolled back whole): the jobs run as before; tried again later.
    case failed
}

/// One replica's answer to `nomaly jobs reload`, sent as a NOTIFY payload (``payload()`` keeps it within 8000 bytes).
package struct JobReloadAnswer: Sendable, Codable, Equatable {
    /// How many jobs each list of ``CatalogChanges`` held, kept when the lists do not fit.
    package struct Counts: Sendable, Codable, Equatable {
        package var added: Int
        package var changed: Int
        package var removed: Int
        package var unchanged: Int

        package init(added: Int, changed: Int, removed: Int, unchanged: Int) {
            self.added = added
            self.changed = changed
            self.removed = removed
            self.unchanged = unchanged
        }
    }

    /// The id of the request answered.
    package var request: String
    /// The replica (`SchedulerConfiguration.replicaID`: host, process, random suffix).
    package var replica: String
    package var outcome: JobReloadOutcome
    /// The jobs folder the replica read.
    package var folder: String
    /// ``JobReload/digest(of:)`` of the set it read, when the set was valid: replicas whose digests differ read
    /// different files, and the catalogue is the set of whichever wrote last.
    package var digest: String?
    package var counts: Counts?
    /// The names behind ``counts``; nil when they did not fit into a notification.
    package var changes: CatalogChanges?
    /// Why the set was refused or the write failed; cut to the first few when they do not fit.
    package var problems: [String]
    /// How many problems there were in all.
    package var problemCount: Int

    package init(
        request: String,
        replica: String,
        outcome: JobReloadOutcome,
        folder: String,
        digest: String?,
        changes: CatalogChanges?,
        problems: [String]
    ) {
        self.request = request
        self.replica = replica
        self.outcome = outcome
        self.folder = folder
        self.digest = digest
        self.changes = changes
        counts = changes.map { Counts(added: $0.added.count, changed: $0.changed.count, removed: $0.removed.count, unchanged: $0.unchanged.count) }
        self.problems = problems
        problemCount = problems.count
    }

    /// The JSON text of the answer, at most `limit` bytes (PostgreSQL refuses a NOTIFY payload of 8000 or more): the
    /// unchanged names go first, then the other names, then all but the first problem, cut to 200 characters.
    package func payload(limit: Int = 7999) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        var answer = self
        let reductions: [(inout JobReloadAnswer) -> Void] = [
            { $0.changes?.unchanged = [] },
            { $0.changes = nil },
            { $0.problems = $0.problems.prefix(1).map { $0.count > 200 ? String($0.prefix(200)) + "…" : $0 } },
            {
                $0.problems = []
                $0.folder = String($0.folder.suffix(200))
            },
        ]
        var text = String(decoding: try encoder.encode(answer), as: UTF8.self)
        for reduce in reductions where text.utf8.count > limit {
            reduce(&answer)
            text = String(decoding: try encoder.encode(answer), as: UTF8.self)
        }
        return text
    }

    private enum CodingKeys: String, CodingKey {
        case request, replica, outcome, folder, digest, counts, changes, problems, problemCount
    }

    /// Every key is written, an absent value as `null`: the `--json` contract's rule for optional fields.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(request, forKey: .request)
        try container.encode(replica, forKey: .replica)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(folder, forKey: .folder)
        try container.encode(digest, forKey: .digest)
        try container.encode(counts, forKey: .counts)
        try container.encode(changes, forKey: .changes)
        try container.encode(problems, forKey: .problems)
        try container.encode(problemCount, forKey: .problemCount)
    }

    /// Reads a ``payload(limit:)``.
    package init(payload: String) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        self = try decoder.decode(Self.self, from: Data(payload.utf8))
    }
}
