public import Foundation

/// One move of an alias: a promotion, a rollback or a removal, as `alias_history` records it.
///
/// ```swift
/// let change = try await registry.promote(model: "fraud", version: 4, alias: "production", actor: "ana")
/// print("\(change.alias): \(change.fromVersion.map(String.init) ?? "-") → \(change.toVersion.map(String.init) ?? "-")")
/// ```
public struct AliasChange: Codable, Sendable, Equatable {
    public var model: String
    public var alias: String
    /// The version the alias pointed at before; nil when it did not exist.
    public var fromVersion: Int?
    /// The version it points at afterwards; nil when it was removed.
    public var toVersion: Int?
    public var actor: String
    public var reason: String?
    public var changedAt: Date

    public init(model: String, alias: String, fromVersion: Int?, toVersion: Int?, actor: String, reason: String?, changedAt: Date) {
        self.model = model
        self.alias = alias
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.actor = actor
        self.reason = reason
        self.changedAt = changedAt
    }
}

/// What an alias must point at for a promotion to go ahead (`--expect`), so that two operators cannot
/// overwrite each other's promotion unknowingly.
///
/// ```swift
/// try await registry.promote(model: "fraud", version: 5, alias: "production", expect: .version(4), actor: "ana")
/// try await registry.promote(model: "fraud", version: 1, alias: "canary", expect: .empty, actor: "ana")
/// ```
public enum ExpectedTarget: Sendable, Equatable, CustomStringConvertible {
    /// Whatever it points at now.
    case any
    /// The alias must not exist yet.
    case empty
    /// The alias must point at this version.
    case version(Int)

    public var description: String {
        switch self {
        case .any: "any"
        case .empty: "unset"
        case .version(let version): "\(version)"
        }
    }

    func accepts(_ current: Int?) -> Bool {
        switch self {
        case .any: true
        case .empty: current == nil
        case .version(let version): current == version
        }
    }
}
