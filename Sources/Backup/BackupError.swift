/// A backup, verification, restore or retention step that failed, with a message an operator can act on.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// pg_dump, pg_restore or psql failed or could not be found.
        public static let tool = Code(name: "tool")
        /// The database to dump or restore cannot be reached, or refused a query.
        public static let database = Code(name: "database")
        /// No set with that id, locally or in the bucket.
        public static let notFound = Code(name: "not_found")
        /// A file does not match its manifest, a chunk failed authentication, a dump cannot be read whole.
        public static let integrity = Code(name: "integrity")
        /// The set cannot be used here: wrong key, unknown manifest version, a newer migration level.
        public static let incompatible = Code(name: "incompatible")
        /// The operator must confirm (`--yes`), or the request contradicts itself.
        public static let refused = Code(name: "refused")
        /// Local files or the object store failed.
        public static let storage = Code(name: "storage")
        /// Something did not finish in time (runs still running when a restore wanted to start).
        public static let timeout = Code(name: "timeout")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
