import Foundation

/// A place scoring runs must never read or write, with the name messages give it.
package struct ProtectedLocation: Sendable, Equatable {
    package enum Place: Sendable, Equatable {
        /// A bucket and a key prefix (`""`: the whole bucket).
        case s3(bucket: String, prefix: String)
        /// A local folder, absolute.
        case folder(String)
    }

    /// What it is, with its setting: `the artifact store (NOMALY_ARTIFACTS)`.
    package var name: String
    package var place: Place

    package init(name: String, place: Place) {
        self.name = name
        self.place = place
    }

    /// The keys below `prefix` in `store`; nil for a store that is neither a folder nor S3 (a test double).
    package init?(name: String, store: any ObjectStore, prefix: String) {
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
