import Crypto
import Foundation

/// One `migrations/NNNN_name.sql` file, compiled in (``embedded()``) or read from a folder (``load(from:)``).
///
/// A file whose first line is `-- nomaly:no-transaction` runs outside a transaction, for statements
/// such as `CREATE INDEX CONCURRENTLY` that refuse to run inside one.
package struct Migration: Sendable, Equatable {
    package let version: Int
    package let name: String
    package let filename: String
    package let sql: String
    /// sha256 of the file with line endings normalised, so a CRLF checkout does not look edited.
    package let checksum: String
    package let transactional: Bool

    package init(version: Int, name: String, filename: String, sql: String) {
        self.version = version
        self.name = name
        self.filename = filename
        self.sql = sql
        let normalised = sql.replacingOccurrences(of: "\r\n", with: "\n")
        checksum = SHA256.hash(data: Data(normalised.utf8)).map { String(format: "%02x", $0) }.joined()
        transactional = !normalised.hasPrefix("-- nomaly:no-transaction")
    }

    /// The schema compiled into this binary: `migrations/*.sql` as they were when it was built (the EmbedMigrations
    /// build plugin), sorted by version. What every command applies unless `NOMALY_MIGRATIONS_DIR` names a folder.
    /// - Throws: ``MigrationError`` for a misnamed file or two files with one version (the build does not check names).
    package static func embedded() throws -> [Migration] {
        try compiledIn.get()
    }

    /// The compiled-in files parsed and checksummed once per process: they cannot change while it runs.
    private static let compiledIn = Result { () throws -> [Migration] in
        let texts = Dictionary(uniqueKeysWithValues: EmbeddedMigrations.files.map { ($0.name, $0.text) })
        return try collect(EmbeddedMigrations.files.map(\.name), location: "migrations") { texts[$0] ?? "" }
    }

    /// Reads every `NNNN_name.sql` in `directory`, sorted by version.
    /// - Throws: ``MigrationError`` for a missing directory, a misnamed `.sql` file or two files with one version.
    package static func load(from directory: String) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError(
                code: .invalidFile,
                message: "cannot read the migrations directory \(directory); set NOMALY_MIGRATIONS_DIR to the folder holding NNNN_name.sql files"
            )
        }
        return try collect(names.filter { $0.hasSuffix(".sql") }, location: directory) { filename in
            let path = directory + "/" + filename
            guard let data = FileManager.default.contents(atPath: path), let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError(code: .invalidFile, message: "\(path): cannot read the file as UTF-8")
            }
            return sql
        }
    }

    /// One rule for a folder and the compiled-in copy: each name is checked before its text is read, versions are unique.
    private static func collect(_ filenames: [String], location: String, text: (String) throws -> String) throws -> [Migration] {
        var migrations: [Migration] = []
        for filename in filenames {
            let stem = filename.dropLast(4)
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count >= 4, parts[0].allSatisfy(\.isNumber), let version = Int(parts[0]), version > 0,
                !parts[1].isEmpty
            else {
                throw MigrationError(
                    code: .invalidFile,
                    message: "\(location)/\(filename): migration files are named NNNN_name.sql (four or more digits, from 0001)"
                )
            }
            let sql = try text(filename)
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError(code: .invalidFile, message: "\(clash.filename) and \(filename) both have version \(version)")
            }
            migrations.append(Migration(version: version, name: String(parts[1]), filename: filename, sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// A migration that cannot be loaded, does not match what was applied, or failed.
package struct MigrationError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        /// A misnamed, unreadable or duplicated file.
        package static let invalidFile = Code(name: "invalid_file")
        /// An applied migration's file changed since.
        package static let checksumMismatch = Code(name: "checksum_mismatch")
        /// A pending file numbered below one already applied.
        package static let outOfOrder = Code(name: "out_of_order")
        /// The SQL failed; nothing of that file was applied (unless it is `no-transaction`).
        package static let failed = Code(name: "failed")
    }

    package let code: Code
    package let message: String

    package var description: String { message }
}
