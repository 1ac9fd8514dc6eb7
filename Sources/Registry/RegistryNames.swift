import Foundation

/// The naming rules of models and aliases, checked in Swift before any statement so that an operator reads what
/// is wrong instead of a CHECK constraint violation. They match the table constraints in `migrations/0001_initial.sql`.
///
/// ```swift
/// try RegistryNames.validateModel("fraud-detector")   // fine
/// try RegistryNames.validateAlias("Production")       // throws: aliases are lower case
/// ```
package enum RegistryNames {
    /// `^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`
    package static func isValidModel(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...128).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `^[a-z][a-z0-9_-]{0,62}$`
    package static func isValidAlias(_ alias: String) -> Bool {
        let bytes = Array(alias.utf8)
        guard (1...63).contains(bytes.count), isLowercaseLetter(bytes[0]) else { return false }
        return bytes.allSatisfy { isLowercaseLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// - Throws: ``RegistryError`` `.invalidName` explaining the rule.
    package static func validateModel(_ name: String) throws {
        guard isValidModel(name) else {
            throw RegistryError(
                .invalidName,
                "'\(name)' is not a valid model name: use 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit"
            )
        }
    }

    /// - Throws: ``RegistryError`` `.invalidName` explaining the rule.
    package static func validateAlias(_ alias: String) throws {
        guard isValidAlias(alias) else {
            throw RegistryError(
                .invalidName,
                "'\(alias)' is not a valid alias: use 1 to 63 lower-case letters, digits, '_' or '-', starting with a letter"
            )
        }
    }

    /// Versions are a Postgres `integer`.
    package static let maxVersion = Int(Int32.max)

    /// - Throws: ``RegistryError`` `.invalidName` for a version outside 1…``maxVersion``.
    static func validateVersion(_ version: Int, model: String) throws {
        guard (1...maxVersion).contains(version) else {
            throw RegistryError(.invalidName, "\(model):\(version) is not a version: versions are numbered from 1 to \(maxVersion)")
        }
    }

    /// - Throws: ``RegistryError`` `.invalidName` for an empty actor, which the audit log cannot attribute.
    static func validateActor(_ actor: String) throws {
        guard !actor.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RegistryError(.invalidName, "every registry change needs an actor (who made it) for the audit log")
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    private static func isLowercaseLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLowercaseLetter(byte) || (0x41...0x5A).contains(byte) }
}
