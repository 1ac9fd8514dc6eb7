/// What a backup set holds and what a restore replaces: the guide's `database|models|full`.
public enum BackupScope: String, Sendable, Codable, CaseIterable {
    case database
    case models
    case full

    public var includesDatabase: Bool { self != .models }
    public var includesModels: Bool { self != .database }

    /// Whether a set of this scope can serve a restore of `other`.
    public func covers(_ other: BackupScope) -> Bool {
        self == .full || self == other
    }
}
