import FileSystem

extension FileDigest {
    /// Hashes the file off Swift's cooperative pool, so a large artifact never occupies one of its threads.
    /// - Throws: ``RegistryError`` `.invalidArtifact` when the file cannot be read.
    static func of(file path: String) async throws -> FileDigest {
        try await BlockingWork.run {
            do { return try FileDigest.of(path: path) } catch { throw RegistryError(.invalidArtifact, "\(error)") }
        }
    }
}
