package import Foundation

/// One move of an alias: a promotion, a rollback or a removal, as `alias_history` records it.
///
/// ```swift
/// let change = try await registry.promote(model: "fraud", version: 4, alias: "production", actor: "ana")
/// print("\(change.alias): \(change.fromVersion.map(String.init) ?? "-") → \(change.toVersion.map(String.init) ?? "-")")
/// ```
package struct AliasChange: Codable, Sendable, Equatable {
    package var model: String
    package var alias: String
    /// The version the alias pointed at before; nil when it did not exist.
    package var fromVersion: Int?
    /// The version it points at afterwards; nil when it was removed.
    package var toVersion: Int?
    package var actor: String
    package var reason: String?
    package var changedAt: Date

    package init(model: String, alias: String, fromVersion: Int?, toVersion: Int?, actor: String, reason: String?, changedAt: Date) {
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
package enum ExpectedTarget: Sendable, Equatable, CustomStringConvertible {
    /// Whatever it points at now.
    case any
    /// The alias must not exist yet.
    case empty
    /// The alias must point at this version.
    case version(Int)

    package var description: String {
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
