/// What a backup set holds and what a restore replaces: the guide's `database|models|full`.
package enum BackupScope: String, Sendable, Codable, CaseIterable {
    case database
    case models
    case full

    package var includesDatabase: Bool { self != .models }
    package var includesModels: Bool { self != .database }

    /// Whether a set of this scope can serve a restore of `other`.
    package func covers(_ other: BackupScope) -> Bool {
        self == .full || self == other
    }
}
