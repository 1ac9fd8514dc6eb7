import FileSystem
import Foundation

/// Where scoring runs may read their input and write their scores: the one rule the API (`POST /api/v1/scoring-jobs`)
/// applies when it takes a request and `kind: score` applies again when a run starts, since the settings may have
/// changed in between. It lives here because both sides reason about object locations and both depend on this module.
///
/// - `s3://` URLs only below the operator's prefixes (`NOMALY_SCORING_S3_PREFIXES`; none by default): the daemon's
///   credentials usually reach the artifact store and the backups too.
/// - Never a protected location (the artifact store, the backups), even where a prefix or the scoring folder covers it.
///   Buckets, keys and paths are compared as bytes, without regard to the case of ASCII letters, and percent-escaped
///   keys in both forms.
/// - For API runs, local files only below the scoring folder (`NOMALY_SCORING_DIR`), symbolic links resolved.
///
/// ```swift
/// let locations = ScoringLocations(s3Prefixes: ["s3://inbox/scoring/"], protected: [.s3(name: "the artifact store", bucket: "inbox", prefix: "models/")], scoringDirectory: "/var/lib/nomaly/scoring")
/// try locations.checkS3("s3://inbox/scoring/today.csv", role: "input")   // "s3://inbox/scoring/today.csv"
/// try locations.checkS3("s3://inbox/models/sha256/ab/ab….tar.gz", role: "output")   // throws .s3NotAllowed
/// ```
package struct ScoringLocations: Sendable, Equatable {
    /// `s3://bucket/prefix/` locations, each ending in exactly one `/`.
    package var s3Prefixes: [String]
    package var protected: [ProtectedLocation]
    /// Where API runs' files must lie, and where their relative paths start.
    package var scoringDirectory: String

    package init(s3Prefixes: [String] = [], protected: [ProtectedLocation] = [], scoringDirectory: String) {
        self.s3Prefixes = s3Prefixes
        self.protected = protected
        self.scoringDirectory = scoringDirectory
    }

    /// Adds the keys below `prefix` in `store` to the protected locations, unless they are there already or the store
    /// is neither a folder nor S3.
    package mutating func protect(_ name: String, store: any ObjectStore, prefix: String) {
        guard let location = ProtectedLocation(name: name, store: store, prefix: prefix), !protected.contains(where: { $0.place == location.place })
        else { return }
        protected.append(location)
    }

    /// Adds the model artifact store (`NOMALY_ARTIFACTS`), by the name every refusal gives it.
    package mutating func protectArtifactStore(_ store: any ObjectStore, prefix: String) {
        protect("the artifact store (NOMALY_ARTIFACTS)", store: store, prefix: prefix)
    }

    /// Whether `text` names an object in S3 (`s3://`, in any case) rather than a local file.
    package static func isS3(_ text: String) -> Bool { ObjectLocation.hasS3Scheme(text) }

    /// Checks an `s3://` URL. Pure: no I/O.
    ///
    /// Keys are judged as S3 stores them, as bytes: prefixes match byte for byte and end at a `/` byte, and only ASCII
    /// letters are folded where case is ignored. Swift's `String` comparisons work on grapheme clusters instead, where
    /// a combining mark after a slash hides the slash, and Unicode case folding maps some non-ASCII letters onto ASCII.
    /// - Parameter role: `input` or `output`, for messages.
    /// - Returns: the URL with its scheme in lower case, as runs should use it.
    /// - Throws: ``ScoringLocationError`` `.invalidLocation`, `.protectedLocation` or `.s3NotAllowed`.
    package func checkS3(_ text: String, role: String) throws(ScoringLocationError) -> String {
        guard let (bucket, key) = ObjectLocation.s3Parts(text), ObjectLocation.isValidBucketName(bucket), Self.isUsableKey(Array(key.utf8)) else {
            throw ScoringLocationError(
                code: .invalidLocation,
                message: "\(role) '\(text)' is not an s3://bucket/key URL (a key without empty, '.' or '..' parts)"
            )
        }
        let url = "s3://\(bucket)/\(key)"
        // S3 takes keys literally, but a proxy or an S3-compatible server might decode escapes: judge both forms.
        let written = Array(key.utf8)
        let forms = [written, Self.percentDecoded(written)]
        for place in protected {
            guard case .s3(let protectedBucket, let prefix) = place.place, Self.foldedASCII(protectedBucket.utf8) == Self.foldedASCII(bucket.utf8)
            else { continue }
            if forms.contains(where: { Self.key($0, isBelow: Array(prefix.utf8)) }) {
                throw ScoringLocationError(
                    code: .protectedLocation,
                    message: "\(role) '\(url)' lies in \(place.name): scoring never reads or writes there, whatever NOMALY_SCORING_S3_PREFIXES allows"
                )
            }
        }
        let allowed = s3Prefixes.contains { allowedPrefix in
            guard let (allowedBucket, allowedKey) = ObjectLocation.s3Parts(allowedPrefix) else { return false }
            return allowedBucket == bucket && forms.allSatisfy { $0.starts(with: allowedKey.utf8) && Self.isUsableKey($0) }
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
    package func checkLocal(resolvedPath path: String, role: String, original: String, scoringDirectory root: String?) throws(ScoringLocationError) {
        if let root, !Self.path(Array(path.utf8), isBelow: Array(root.utf8)) || path == root {
            throw ScoringLocationError(
                code: .outsideScoringDirectory,
                message:
                    "\(role) '\(original)' is outside the scoring folder \(scoringDirectory) (NOMALY_SCORING_DIR); put the file there or use s3://"
            )
        }
        for place in protected {
            guard case .folder(let folder) = place.place, Self.path(Self.foldedASCII(path.utf8), isBelow: Self.foldedASCII(folder.utf8)) else {
                continue
            }
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
    package func resolve(
        _ text: String,
        role: String,
        confined: Bool,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ScoringLocationError) -> String {
        if Self.isS3(text) { return try checkS3(text, role: role) }
        // A job file's `/dev/stdout` is the daemon's own descriptor, written through a duplicate (OutputFile): resolved,
        // it would name a pipe that cannot be opened, or the file a shell redirected to, which would be replaced.
        if !confined, role == "output", OutputTarget.ownDescriptor(text) != nil { return text }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, !bytes.contains(0), !Self.bytes(bytes, contain: Array("://".utf8)) else {
            throw ScoringLocationError(code: .invalidLocation, message: "\(role) '\(text)' must be a path or an s3:// URL")
        }
        let base = confined ? scoringDirectory : workingDirectory
        let path = Self.resolvedPath(bytes.first == UInt8(ascii: "/") ? text : base + "/" + text)
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
    /// - Returns: the location as runs use it, and for a local one whether a regular file is there (an output that
    ///   would be replaced; a device, FIFO or socket is written in place, never replaced: ``FileSystem/OutputTarget``)
    ///   and readable (an input that can be read); both false for `s3://`.
    /// - Throws: ``ScoringLocationError`` as `resolve` does, and `.invalidLocation` for an output that is a folder.
    package func inspect(_ text: String, role: String, confined: Bool) async throws -> (location: String, exists: Bool, readable: Bool) {
        try await BlockingWork.run {
            let location = try resolve(text, role: role, confined: confined)
            guard !Self.isS3(location) else { return (location, false, false) }
            let target = try? OutputTarget.inspect(location)
            if role == "output", target == .folder {
                throw ScoringLocationError(code: .invalidLocation, message: "output '\(text)' is a folder; name a file inside it")
            }
            let exists = target.map(\.replacesAFile) ?? FileManager.default.fileExists(atPath: location)
            return (location, exists, FileManager.default.isReadableFile(atPath: location))
        }
    }

    /// The path with every symbolic link resolved, also when its last components do not exist yet (an output file):
    /// the deepest existing ancestor goes through realpath(3), the rest is appended after `..` has been folded.
    /// Blocking.
    package static func resolvedPath(_ path: String) -> String {
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
}
