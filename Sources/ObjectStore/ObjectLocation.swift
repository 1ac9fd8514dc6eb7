import Foundation
package import Logging

/// An object, or a folder of objects, named the way an operator writes it: `s3://bucket/key`, `/path/file`,
/// `relative/file` or `file:///path/file`.
///
/// A local file becomes a ``FileStore`` rooted at its **folder**, with the file name as the key: every local path
/// then is an object of some store, and `put`/`get` keep their atomic write-beside-and-rename behaviour in that folder.
/// An `s3://` URL becomes an ``S3Store`` for the bucket with an empty prefix, the rest of the URL being the key
/// (taken literally: S3 keys are not percent-decoded).
///
/// ```swift
/// let source = try ObjectLocation.parse("/var/backups/database.dump", s3: nil)
/// let target = try ObjectLocation.parse("s3://backups/nomaly/database.dump", s3: settings)
/// try await target.store.put(file: source.localPath!, key: target.key, progress: nil)
/// ```
package struct ObjectLocation: Sendable, CustomStringConvertible {
    package var store: any ObjectStore
    /// The object's key in ``store``; for a location from ``parsePrefix(_:s3:logger:workingDirectory:)``, a key
    /// prefix (`""` for everything in the store).
    package var key: String

    package init(store: any ObjectStore, key: String) {
        self.store = store
        self.key = key
    }

    /// Parses the name of one object.
    /// - Parameters:
    ///   - s3: settings for `s3://` URLs; nil refuses them.
    ///   - workingDirectory: resolves relative paths.
    /// - Throws: ``ObjectStoreError`` `.invalidLocation` for an unusable name (`s3://` without bucket or key, a key
    ///   with `..` parts, an unknown scheme, a folder), `.configuration` for an `s3://` URL without `s3` settings.
    package static func parse(
        _ text: String,
        s3: S3Configuration?,
        logger: Logger = Logger(label: "nomaly.objectstore"),
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ObjectStoreError) -> ObjectLocation {
        if let (bucket, key) = try checkedS3Parts(text) {
            guard !key.isEmpty else {
                throw ObjectStoreError(code: .invalidLocation, message: "'\(text)' names a bucket, not an object: add a key (s3://\(bucket)/KEY)")
            }
            try validateObjectKey(key)
            return ObjectLocation(store: try s3Store(text, bucket: bucket, s3: s3, logger: logger), key: key)
        }
        let path = try localPath(text, workingDirectory: workingDirectory)
        guard !text.hasSuffix("/"), path != "/" else {
            throw ObjectStoreError(code: .invalidLocation, message: "'\(text)' names a folder, not a file")
        }
        let url = URL(fileURLWithPath: path)
        let key = url.lastPathComponent
        try validateObjectKey(key)
        return ObjectLocation(store: FileStore(root: url.deletingLastPathComponent().path), key: key)
    }

    /// Parses the name of a folder or key prefix, for `--recursive` copies and listings.
    ///
    /// `s3://bucket` and `s3://bucket/` give the prefix `""`, `s3://bucket/logs/` the prefix `logs/`, and
    /// `s3://bucket/logs/2026-` every key starting with `logs/2026-`. A local path is always a folder: the store is
    /// rooted there and the prefix is `""`.
    package static func parsePrefix(
        _ text: String,
        s3: S3Configuration?,
        logger: Logger = Logger(label: "nomaly.objectstore"),
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ObjectStoreError) -> ObjectLocation {
        if let (bucket, prefix) = try checkedS3Parts(text) {
            let components = prefix.split(separator: "/", omittingEmptySubsequences: false)
            let inner = prefix.hasSuffix("/") ? components.dropLast() : components[...]
            guard prefix.isEmpty || inner.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }), !prefix.contains("\0") else {
                throw ObjectStoreError(code: .invalidLocation, message: "'\(text)' is not a valid key prefix (no empty, '.' or '..' parts)")
            }
            return ObjectLocation(store: try s3Store(text, bucket: bucket, s3: s3, logger: logger), key: prefix)
        }
        return ObjectLocation(store: FileStore(root: try localPath(text, workingDirectory: workingDirectory)), key: "")
    }

    /// The local file (or folder, for a prefix) this location names; nil for remote stores.
    package var localPath: String? {
        guard let files = store as? FileStore else { return nil }
        return key.isEmpty ? files.root : files.root == "/" ? "/" + key : files.root + "/" + key
    }

    /// `s3://bucket/key` or the local path.
    package var description: String {
        if let localPath { return localPath }
        if let s3 = store as? S3Store { return "s3://\(s3.bucket)/\(s3.prefix)\(key)" }
        return store.locationDescription + key
    }

    // MARK: Parsing

    /// Bucket and the rest for an `s3://` URL, the bucket checked; nil for anything that is not one.
    private static func checkedS3Parts(_ text: String) throws(ObjectStoreError) -> (String, String)? {
        guard let (bucket, key) = s3Parts(text) else { return nil }
        guard isValidBucketName(bucket) else {
            let reason = bucket.isEmpty ? "it has no bucket" : "'\(bucket)' is not a bucket name"
            throw ObjectStoreError(code: .invalidLocation, message: "'\(text)' is not a usable s3:// URL: \(reason)")
        }
        return (bucket, key)
    }

    /// Whether `text` starts with `s3://`, the scheme's letters in any ASCII case.
    package static func hasS3Scheme(_ text: String) -> Bool {
        text.utf8.prefix(5).map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }.elementsEqual("s3://".utf8)
    }

    /// The one splitting of an `s3://` URL into bucket and key, for locations, scoring's confinement and its settings
    /// alike: nil for anything that is not one; neither part is checked. Byte-wise, as S3 stores keys: the bucket ends
    /// at the first `/` byte. Swift's `String` works on grapheme clusters instead, where a combining mark after a slash
    /// hides the slash, so two parsers of the same URL could disagree on where the key starts.
    ///
    /// ```swift
    /// ObjectLocation.s3Parts("s3://scores/in/day.csv")  // ("scores", "in/day.csv")
    /// ObjectLocation.s3Parts("s3://scores")             // ("scores", "")
    /// ```
    package static func s3Parts(_ text: String) -> (bucket: String, key: String)? {
        guard hasS3Scheme(text) else { return nil }
        let rest = Array(text.utf8.dropFirst(5))
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        // Cut at an ASCII byte, valid UTF-8 stays valid on both sides.
        let key = slash < rest.endIndex ? rest[(slash + 1)...] : []
        return (String(decoding: rest[..<slash], as: UTF8.self), String(decoding: key, as: UTF8.self))
    }

    /// S3's rules (3–63 letters, digits, dots and hyphens, starting and ending with a letter or digit), widened to
    /// capitals and underscores, which old us-east-1 buckets may have.
    package static func isValidBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func alphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        guard (3...255).contains(bytes.count), alphanumeric(bytes.first!), alphanumeric(bytes.last!) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F }
    }

    private static func s3Store(_ text: String, bucket: String, s3: S3Configuration?, logger: Logger) throws(ObjectStoreError) -> S3Store {
        guard let s3 else {
            throw ObjectStoreError(
                code: .configuration,
                message: "'\(text)' needs S3 settings (S3_ENDPOINT, AWS_ACCESS_KEY_ID, …), and none were given"
            )
        }
        return S3Store(configuration: s3, bucket: bucket, prefix: "", logger: logger)
    }

    /// An absolute, standardised path from a path or a `file://` URL.
    private static func localPath(_ text: String, workingDirectory: String) throws(ObjectStoreError) -> String {
        var path = text
        if text.lowercased().hasPrefix("file://") {
            guard let url = URL(string: text), url.host == nil || url.host == "" || url.host == "localhost", !url.path.isEmpty else {
                throw ObjectStoreError(code: .invalidLocation, message: "'\(text)' is not a local file URL (file:///absolute/path)")
            }
            path = url.path
        } else if let colon = text.range(of: "://") {
            let scheme = text[..<colon.lowerBound]
            throw ObjectStoreError(code: .invalidLocation, message: "'\(text)': \(scheme):// is not supported; use s3://, file:// or a path")
        }
        guard !path.isEmpty, !path.contains("\0") else {
            throw ObjectStoreError(code: .invalidLocation, message: "'\(text)' is not a path")
        }
        let absolute = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }
}
