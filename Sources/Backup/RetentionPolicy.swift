package import Foundation
import Units

/// How long sets are kept, per kind: older than `maxAge`, or beyond the newest `keepLast`, a set goes, except the
/// newest verified set of each kind, which is never deleted (a run of failed verifications must not leave nothing).
///
/// The defaults are the guide's: database backups 30 days (`RETENTION_DAYS=30`), model backups the newest 7
/// (`tail -n +8`); full sets hold a database, so they follow the database rule.
package struct RetentionPolicy: Sendable, Equatable {
    package struct Rule: Sendable, Equatable {
        package var maxAge: Duration?
        package var keepLast: Int?

        package init(maxAge: Duration? = nil, keepLast: Int? = nil) {
            self.maxAge = maxAge
            self.keepLast = keepLast
        }
    }

    package var database: Rule
    package var models: Rule
    package var full: Rule

    package init(
        database: Rule = .init(maxAge: .seconds(30 * 86_400)),
        models: Rule = .init(keepLast: 7),
        full: Rule = .init(maxAge: .seconds(30 * 86_400))
    ) {
        self.database = database
        self.models = models
        self.full = full
    }

    package func rule(for scope: BackupScope) -> Rule {
        switch scope {
        case .database: return database
        case .models: return models
        case .full: return full
        }
    }

    /// A set as retention sees it.
    package struct Candidate: Sendable, Equatable {
        package let id: BackupSetID
        package let scope: BackupScope
        package let verified: Bool

        package init(id: BackupSetID, scope: BackupScope, verified: Bool) {
            self.id = id
            self.scope = scope
            self.verified = verified
        }
    }

    /// The sets to delete, oldest first. Pure: the same sets and clock always give the same answer.
    package func expired(_ sets: [Candidate], now: Date) -> [Candidate] {
        var doomed: [Candidate] = []
        for scope in BackupScope.allCases {
            let rule = rule(for: scope)
            let newestFirst = sets.filter { $0.scope == scope }.sorted { $0.id > $1.id }
            let protected = newestFirst.first { $0.verified }?.id
            for (rank, set) in newestFirst.enumerated() where set.id != protected {
                let tooOld = rule.maxAge.map { now.timeIntervalSince(set.id.date) > $0.inSeconds } ?? false
                let tooMany = rule.keepLast.map { rank >= $0 } ?? false
                if tooOld || tooMany { doomed.append(set) }
            }
        }
        return doomed.sorted { $0.id < $1.id }
    }
}
