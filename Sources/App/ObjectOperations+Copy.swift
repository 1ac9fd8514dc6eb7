import Foundation
package import ObjectStore
import Units

/// What a copy tells its caller as it goes: `nomaly s3 cp` draws one bar on a terminal and prints a line per file.
package protocol CopyObserver: Sendable {
    /// The handler for the bytes of one transfer; a tree's transfers are numbered from 0.
    func progress(transfer: Int) -> TransferProgressHandler?
    /// One object arrived (or, at the end of a tree, all of them: `verb` then says how many).
    func copied(verb: String, from source: String, to destination: String, bytes: Int64, seconds: Double)
}

extension ObjectOperations {
    /// Copies one file or object, in either direction. A `destination` ending in `/`, an existing local folder or a
    /// bare `s3://bucket` receives the source's file name.
    /// - Parameter observer: made once the verb (`upload`, `download`, `copy`) is known.
    package func copyOne(
        from sourceText: String,
        to destinationText: String,
        observer makeObserver: (_ verb: String, _ expectedTotal: Int64?) -> some CopyObserver
    ) async throws {
        let source = try ObjectLocation.parse(sourceText, s3: s3)
        let destination = try ObjectLocation.parse(Self.destinationName(destinationText, sourceKey: source.key), s3: s3)
        let verb = Self.verb(source, destination)
        let observer = makeObserver(verb, nil)
        let started = ContinuousClock.now
        let info = try await Self.copy(source, to: destination, progress: observer.progress(transfer: 0))
        observer.copied(verb: verb, from: "\(source)", to: "\(destination)", bytes: info.size, seconds: Self.seconds(since: started))
    }

    /// Copies every object below a folder or prefix, keeping their names relative to it, `s3.concurrency` at a time;
    /// stops at the first failure (files already copied stay). Returns how many objects there were: 0 when there
    /// was nothing to copy.
    package func copyTree(
        from sourceText: String,
        to destinationText: String,
        observer makeObserver: (_ verb: String, _ expectedTotal: Int64?) -> some CopyObserver
    ) async throws -> Int {
        let source = try ObjectLocation.parsePrefix(sourceText, s3: s3)
        let destination = try ObjectLocation.parsePrefix(destinationText, s3: s3)
        let sourcePrefix = Self.folder(source.key)
        let destinationPrefix = Self.folder(destination.key)
        // Keys ending in / are the folder markers some consoles create, not files.
        let objects = try await source.store.list(prefix: sourcePrefix).filter { !$0.key.hasSuffix("/") }
        guard !objects.isEmpty else { return 0 }
        let verb = Self.verb(source, destination)
        let total = objects.map(\.size).reduce(0, +)
        let observer = makeObserver(verb, total)
        let started = ContinuousClock.now
        let (sourceStore, destinationStore) = (source.store, destination.store)
        try await forEachConcurrently(Array(objects.enumerated()), limit: s3.concurrency) { index, object in
            let from = ObjectLocation(store: sourceStore, key: object.key)
            let to = ObjectLocation(store: destinationStore, key: destinationPrefix + object.key.dropFirst(sourcePrefix.count))
            let fileStarted = ContinuousClock.now
            let info = try await Self.copy(from, to: to, progress: observer.progress(transfer: index))
            observer.copied(verb: verb, from: "\(from)", to: "\(to)", bytes: info.size, seconds: Self.seconds(since: fileStarted))
        }
        observer.copied(
            verb: "\(verb) \(objects.count) objects",
            from: "\(source)",
            to: "\(destination)",
            bytes: total,
            seconds: Self.seconds(since: started)
        )
        return objects.count
    }

    /// Copies one object: an upload from a local file, a download into one, or (remote to remote) a download into a
    /// temporary file and an upload from it. A local destination is always written as a path the user named
    /// (``FileSystem/OutputFile``: a device or FIFO in place, a folder refused), even from a local file.
    static func copy(_ source: ObjectLocation, to destination: ObjectLocation, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        if let from = source.localPath, let to = destination.localPath {
            try validateObjectKey(destination.key)
            return try await FileStore.copy(file: from, to: to, progress: progress)
        }
        if let path = source.localPath {
            return try await destination.store.put(file: path, key: destination.key, progress: progress)
        }
        if let path = destination.localPath {
            // Keys listed from a bucket may hold `..`: such a key must not write outside the destination folder.
            try validateObjectKey(destination.key)
            return try await source.store.get(key: source.key, to: path, progress: progress)
        }
        let temporary = NSTemporaryDirectory() + "/nomaly-s3-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try await source.store.get(key: source.key, to: temporary, progress: nil)
        return try await destination.store.put(file: temporary, key: destination.key, progress: progress)
    }

    /// `DEST/`, an existing local folder, or a bare `s3://bucket` receive the source's file name.
    static func destinationName(_ text: String, sourceKey: String) -> String {
        let name = sourceKey.split(separator: "/").last.map(String.init) ?? sourceKey
        if text.hasSuffix("/") { return text + name }
        if text.lowercased().hasPrefix("s3://") {
            return text.dropFirst(5).contains("/") ? text : text + "/" + name
        }
        let path = text.lowercased().hasPrefix("file://") ? (URL(string: text)?.path ?? text) : text
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return text + "/" + name
        }
        return text
    }

    static func verb(_ source: ObjectLocation, _ destination: ObjectLocation) -> String {
        switch (source.localPath != nil, destination.localPath != nil) {
        case (true, false): "upload"
        case (false, true): "download"
        default: "copy"
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }
}
