import FileSystem
public import Foundation

/// Where scoring runs may read their input and write their scores: the one rule the API (`POST /api/v1/scoring-jobs`)
/// applies when it takes a request and `kind: score` applies again when a run starts, since the settings may have
/// changed in between. It lives here because both sides reason about object locations and both depend on this module.
///
/// - `s3://` URLs only below the operator's prefixes (`NOMALY_SCORING_S3_PREFIXES`; none by default): the daemon's
///   credentials usually reach the artifact store and the backups too.
/// - Never a protected location (the artifact store, the backups), even where a prefix or the scoring folder covers it.
///   Buckets and keys are compared without regard to case, and percent-escaped keys in both forms.
/// - For API runs, local files only below the scoring folder (`NOMALY_SCORING_DIR`), symbolic links resolved.
///
/// ```swift
/// let locations = ScoringLocations(s3Prefixes: ["s3://inbox/scoring/"], protected: [.s3(name: "the artifact store", bucket: "inbox", prefix: "models/")], scoringDirectory: "/var/lib/nomaly/scoring")
/// try locations.checkS3("s3://inbox/scoring/today.csv", role: "input")   // "s3://inbox/scoring/today.csv"
/// try locations.checkS3("s3://inbox/models/sha256/ab/ab….tar.gz", role: "output")   // throws .s3NotAllowed
/// ```
public struct ScoringLocations: Sendable, Equatable {
    /// `s3://bucket/prefix/` locations, each ending in exactly one `/`.
    public var s3Prefixes: [String]
    public var protected: [ProtectedLocation]
    /// Where API runs' files must lie, and where their relative paths start.
    public var scoringDirectory: String

    public init(s3Prefixes: [String] = [], protected: [ProtectedLocation] = [], scoringDirectory: String) {
        self.s3Prefixes = s3Prefixes
        self.protected = protected
        self.scoringDirectory = scoringDirectory
    }

    /// Adds the keys below `prefix` in `store` to the protected locations, unless they are there already or the store
    /// is neither a folder nor S3.
    public mutating func protect(_ name: String, store: any ObjectStore, prefix: String) {
        guard let location = ProtectedLocation(name: name, store: store, prefix: prefix), !protected.contains(where: { $0.place == location.place })
        else { return }
        protected.append(location)
    }

    /// Whether `text` names an object in S3 (`s3://`, in any case) rather than a local file.
    public static func isS3(_ text: String) -> Bool { text.lowercased().hasPrefix("s3://") }

    /// Checks an `s3://` URL. Pure: no I/O.
    /// - Parameter role: `input` or `output`, for messages.
    /// - Returns: the URL with its scheme in lower case, as runs should use it.
    /// - Throws: ``ScoringLocationError`` `.invalidLocation`, `.protectedLocation` or `.s3NotAllowed`.
    public func checkS3(_ text: String, role: String) throws(ScoringLocationError) -> String {
        let rest = text.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let key = String(rest.dropFirst(bucket.count + 1))
        guard Self.isS3(text), ObjectLocation.isValidBucketName(bucket), Self.isUsableKey(key) else {
            throw ScoringLocationError(
                code: .invalidLocation,
                message: "\(role) '\(text)' is not an s3://bucket/key URL (a key without empty, '.' or '..' parts)"
            )
        }
        let url = "s3://\(bucket)/\(key)"
        // S3 takes keys literally, but a proxy or an S3-compatible server might decode escapes: judge both forms.
        let forms = [key, key.removingPercentEncoding ?? key]
        for place in protected {
            guard case .s3(let protectedBucket, let prefix) = place.place, protectedBucket.lowercased() == bucket.lowercased() else { continue }
            if forms.contains(where: { Self.key($0, isBelow: prefix) }) {
                throw ScoringLocationError(
                    code: .protectedLocation,
                    message: "\(role) '\(url)' lies in \(place.name): scoring never reads or writes there, whatever NOMALY_SCORING_S3_PREFIXES allows"
                )
            }
        }
        let allowed = s3Prefixes.contains { allowedPrefix in
            let allowedRest = allowedPrefix.dropFirst("s3://".count)
            let allowedBucket = String(allowedRest.prefix { $0 != "/" })
            let allowedKey = String(allowedRest.dropFirst(allowedBucket.count + 1))
            return allowedBucket == bucket && forms.allSatisfy { $0.hasPrefix(allowedKey) && Self.isUsableKey($0) }
        }
        guard allowed else {
            let listed = s3Prefixes.isEmpty ? "none are allowed" : "allowed: \(s3Prefixes.joined(separator: ", "))"
            throw ScoringLocationError(
                code: .s3NotAllowed,
                message: "\(role) '\(url)' is not below a prefix in NOMALY_SCORING_S3_PREFIXES (\(listed)); an operator must list the prefix"
            )
        }
        return url
    }

    /// Checks a local path whose symbolic links are already resolved, against protected folders given the same way.
    /// Pure: no I/O.
    /// - Parameter scoringDirectory: the resolved scoring folder the path must lie in (API runs); nil for job files.
    /// - Throws: ``ScoringLocationError`` `.outsideScoringDirectory` or `.protectedLocation`.
    public func checkLocal(resolvedPath path: String, role: String, original: String, scoringDirectory root: String?) throws(ScoringLocationError) {
        if let root, !Self.path(path, isBelow: root) || path == root {
            throw ScoringLocationError(
                code: .outsideScoringDirectory,
                message:
                    "\(role) '\(original)' is outside the scoring folder \(scoringDirectory) (NOMALY_SCORING_DIR); put the file there or use s3://"
            )
        }
        for place in protected {
            guard case .folder(let folder) = place.place, Self.path(path.lowercased(), isBelow: folder.lowercased()) else { continue }
            throw ScoringLocationError(
                code: .protectedLocation,
                message: "\(role) '\(original)' lies in \(place.name): scoring never reads or writes there"
            )
        }
    }

    /// Resolves and checks a location as a run will use it. Blocking: symbolic links are resolved, in the path and in the
    /// protected folders.
    /// - Parameters:
    ///   - confined: an API run's location: relative paths start at the scoring folder, and files must stay in it.
    ///     Otherwise (job files) relative paths start at the working directory.
    /// - Returns: the canonical `s3://` URL, or the absolute path with its symbolic links resolved.
    public func resolve(
        _ text: String,
        role: String,
        confined: Bool,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ScoringLocationError) -> String {
        if Self.isS3(text) { return try checkS3(text, role: role) }
        guard !text.isEmpty, !text.contains("\0"), !text.contains("://") else {
            throw ScoringLocationError(code: .invalidLocation, message: "\(role) '\(text)' must be a path or an s3:// URL")
        }
        let base = confined ? scoringDirectory : workingDirectory
        let path = Self.resolvedPath(text.hasPrefix("/") ? text : base + "/" + text)
        var resolved = self
        resolved.protected = protected.map { place in
            guard case .folder(let folder) = place.place else { return place }
            return ProtectedLocation(name: place.name, place: .folder(Self.resolvedPath(folder)))
        }
        try resolved.checkLocal(
            resolvedPath: path,
            role: role,
            original: text,
            scoringDirectory: confined ? Self.resolvedPath(scoringDirectory) : nil
        )
        return path
    }

    /// ``resolve(_:role:confined:workingDirectory:)`` on a thread that may block, with what is at the location now.
    /// - Returns: the location as runs use it, and for a local one whether a file is there (an output that would be
    ///   replaced) and readable (an input that can be read); both false for `s3://`.
    public func inspect(_ text: String, role: String, confined: Bool) async throws -> (location: String, exists: Bool, readable: Bool) {
        try await BlockingWork.run {
            let location = try resolve(text, role: role, confined: confined)
            guard !Self.isS3(location) else { return (location, false, false) }
            return (location, FileManager.default.fileExists(atPath: location), FileManager.default.isReadableFile(atPath: location))
        }
    }

    /// The path with every symbolic link resolved, also when its last components do not exist yet (an output file):
    /// the deepest existing ancestor goes through realpath(3), the rest is appended after `..` has been folded.
    /// Blocking.
    public static func resolvedPath(_ path: String) -> String {
        var existing = URL(fileURLWithPath: path).standardizedFileURL.path
        var rest: [String] = []
        while existing != "/" {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return ([base == "/" ? "" : base] + rest.reversed()).joined(separator: "/")
            }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return "/" + rest.reversed().joined(separator: "/")
    }

    // MARK: Rules

    /// A key S3 addresses as written: relative, without empty, `.` or `..` parts or control characters.
    static func isUsableKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        return !key.isEmpty && !key.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// Whether `key` is in the folder `prefix` (`""` is the whole bucket), or is the object `prefix` names without its
    /// slash, ignoring case.
    static func key(_ key: String, isBelow prefix: String) -> Bool {
        let folder = prefix.lowercased()
        let name = key.lowercased()
        guard !folder.isEmpty else { return true }
        let bare = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return name == bare || name.hasPrefix(bare + "/")
    }

    /// Whether `path` is `folder` or inside it (both absolute and standardised).
    static func path(_ path: String, isBelow folder: String) -> Bool {
        folder == "/" || path == folder || path.hasPrefix(folder + "/")
    }
}

/// A place scoring runs must never read or write, with the name messages give it.
public struct ProtectedLocation: Sendable, Equatable {
    public enum Place: Sendable, Equatable {
        /// A bucket and a key prefix (`""`: the whole bucket).
        case s3(bucket: String, prefix: String)
        /// A local folder, absolute.
        case folder(String)
    }

    /// What it is, with its setting: `the artifact store (NOMALY_ARTIFACTS)`.
    public var name: String
    public var place: Place

    public init(name: String, place: Place) {
        self.name = name
        self.place = place
    }

    /// The keys below `prefix` in `store`; nil for a store that is neither a folder nor S3 (a test double).
    public init?(name: String, store: any ObjectStore, prefix: String) {
        if let files = store as? FileStore {
            let folder = prefix.isEmpty ? files.root : files.root + "/" + prefix
            self.init(name: name, place: .folder(folder.hasSuffix("/") && folder != "/" ? String(folder.dropLast()) : folder))
        } else if let bucket = store as? S3Store {
            self.init(name: name, place: .s3(bucket: bucket.bucket, prefix: bucket.prefix + prefix))
        } else {
            return nil
        }
    }
}

/// Why a scoring run may not use a location. The API answers it as 400 with ``code`` as the error code.
public struct ScoringLocationError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// An `s3://` URL outside `NOMALY_SCORING_S3_PREFIXES`.
        public static let s3NotAllowed = Code(name: "s3_not_allowed")
        /// The artifact store or the backups.
        public static let protectedLocation = Code(name: "protected_location")
        /// An API run's file outside `NOMALY_SCORING_DIR`.
        public static let outsideScoringDirectory = Code(name: "outside_scoring_dir")
        /// Neither a usable path nor an `s3://bucket/key` URL.
        public static let invalidLocation = Code(name: "invalid_location")
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
