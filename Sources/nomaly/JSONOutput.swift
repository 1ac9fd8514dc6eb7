import Foundation
import JSONValues

/// `--json` output: snake_case keys, ISO 8601 dates, sorted keys, every member present (`null` when it has no value,
/// ``ExplicitNulls``, as in the API's answers), one document on stdout.
/// Field names are part of the CLI's contract (docs/cli.md); change them only with a version bump.
enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encodeWithNulls(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
