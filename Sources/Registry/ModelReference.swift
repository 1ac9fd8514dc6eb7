/// How operators name a model version: `NAME@ALIAS`, `NAME:VERSION`, or `NAME` (its `production` alias).
///
/// ```swift
/// try ModelReference.parse("fraud@production") // .alias(model: "fraud", alias: "production")
/// try ModelReference.parse("fraud:3")          // .version(model: "fraud", version: 3)
/// ```
package enum ModelReference: Sendable, Equatable, CustomStringConvertible {
    case alias(model: String, alias: String)
    case version(model: String, version: Int)

    package static let defaultAlias = "production"

    package var model: String {
        switch self {
        case .alias(let model, _), .version(let model, _): model
        }
    }

    package var description: String {
        switch self {
        case .alias(let model, let alias): "\(model)@\(alias)"
        case .version(let model, let version): "\(model):\(version)"
        }
    }

    /// - Throws: ``RegistryError`` `.invalidName` for an empty part or a version that is not a positive integer.
    package static func parse(_ text: String) throws -> ModelReference {
        if let at = text.firstIndex(of: "@") {
            let model = String(text[..<at])
            let alias = String(text[text.index(after: at)...])
            guard !model.isEmpty, !alias.isEmpty else {
                throw RegistryError(.invalidName, "'\(text)' is not NAME@ALIAS")
            }
            return .alias(model: model, alias: alias)
        }
        if let colon = text.lastIndex(of: ":") {
            let model = String(text[..<colon])
            guard !model.isEmpty, let version = Int(text[text.index(after: colon)...]), version >= 1 else {
                throw RegistryError(.invalidName, "'\(text)' is not NAME:VERSION with a version of 1 or more")
            }
            return .version(model: model, version: version)
        }
        guard !text.isEmpty else { throw RegistryError(.invalidName, "a model reference cannot be empty") }
        return .alias(model: text, alias: defaultAlias)
    }
}
