import Foundation
package import ObjectStore
import Settings

/// What `nomaly s3` does to objects in S3 and local folders: the CLI names locations as text and asks this, which
/// builds the stores.
package struct ObjectOperations: Sendable {
    package let s3: S3Configuration

    package init(s3: S3Configuration) {
        self.s3 = s3
    }

    /// Every object whose key starts with the prefix `location` names (`s3://bucket`, `s3://bucket/prefix`).
    package func list(_ location: String) async throws -> [ObjectInfo] {
        let root = try ObjectLocation.parsePrefix(location, s3: s3)
        return try await root.store.list(prefix: root.key)
    }

    /// Deletes the one object `location` names; one that does not exist is an error (a mistyped key must not pass
    /// silently). Returns what was deleted.
    package func remove(_ location: String) async throws -> ObjectLocation {
        let object = try ObjectLocation.parse(location, s3: s3)
        guard try await object.store.head(key: object.key) != nil else {
            throw ObjectStoreError(code: .notFound, message: "no object at \(object)")
        }
        try await object.store.delete(key: object.key)
        return object
    }

    /// Deletes every object below the folder `location` names (`logs` and `logs/` both mean `logs/`), `s3.concurrency`
    /// at a time, telling `deleted` of each. Returns how many there were: 0 when there was nothing to delete.
    package func removeTree(_ location: String, deleted: @escaping @Sendable (ObjectLocation) -> Void) async throws -> Int {
        let root = try ObjectLocation.parsePrefix(location, s3: s3)
        let objects = try await root.store.list(prefix: Self.folder(root.key))
        let store = root.store
        try await forEachConcurrently(objects.map(\.key), limit: s3.concurrency) { key in
            try await store.delete(key: key)
            deleted(ObjectLocation(store: store, key: key))
        }
        return objects.count
    }

    /// A key prefix as a folder: `logs` and `logs/` both mean `logs/`; the empty prefix stays empty.
    static func folder(_ prefix: String) -> String {
        prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }
}

/// Runs `body` for every element, at most `limit` at a time; the first error cancels the rest and is rethrown.
func forEachConcurrently<Element: Sendable>(
    _ elements: [Element],
    limit: Int,
    _ body: @escaping @Sendable (Element) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var pending = elements[...]
        for _ in 0..<max(limit, 1) {
            guard let element = pending.popFirst() else { break }
            group.addTask { try await body(element) }
        }
        while try await group.next() != nil {
            if let element = pending.popFirst() { group.addTask { try await body(element) } }
        }
    }
}

extension Runtime {
    /// The S3 settings, read once for an `nomaly s3` command; bad S3 variables end it, all listed.
    package func objectOperations() throws -> ObjectOperations {
        do {
            return ObjectOperations(s3: try configuration.s3.get().configuration)
        } catch {
            throw CommandFailure(error.description + "\nrun `nomaly check` for the full report")
        }
    }
}
