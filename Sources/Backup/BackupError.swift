/// A backup, verification, restore or retention step that failed, with a message an operator can act on.
package struct BackupError: Error, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        /// pg_dump, pg_restore or psql failed or could not be found.
        package static let tool = Code(name: "tool")
        /// The database to dump or restore cannot be reached, or refused a query.
        package static let database = Code(name: "database")
        /// No set with that id, locally or in the bucket.
        package static let notFound = Code(name: "not_found")
        /// A file does not match its manifest, a chunk failed authentication, a dump cannot be read whole.
        package static let integrity = Code(name: "integrity")
        /// The set cannot be used here: wrong key, unknown manifest version, a newer migration level.
        package static let incompatible = Code(name: "incompatible")
        /// `ENCRYPTION_KEY_FILE` or `NOMALY_BACKUP_SIGNING_KEY_FILE` names a file that cannot be read or holds no key.
        package static let key = Code(name: "key")
        /// The operator must confirm (`--yes`), or the request contradicts itself.
        package static let refused = Code(name: "refused")
        /// Local files or the object store failed.
        package static let storage = Code(name: "storage")
        /// Something did not finish in time (runs still running when a restore wanted to start).
        package static let timeout = Code(name: "timeout")
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
