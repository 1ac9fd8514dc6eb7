package import ObjectStore

/// What backups need of the model artifacts: the store they live in and its key layout, whether one is stored,
/// storing one back (a models restore into a remote store), and which ones live versions use.
///
/// The registry's artifact store and its versions answer it (`Maintenance.RegistryArtifacts`): Backup does not
/// depend on the registry, whose tables it never reads.
package protocol BackupArtifacts: Sendable {
    var store: any ObjectStore { get }
    /// Every artifact key starts with this.
    var keyPrefix: String { get }
    /// The key of the artifact with this sha256.
    func key(sha256: String) -> String
    /// The sha256 a key names, or nil for a key that is not an artifact key of this store.
    func sha256(ofKey key: String) -> String?
    /// Whether the artifact is stored with this size.
    func exists(sha256: String, size: Int64) async throws -> Bool
    /// Uploads the file as the artifact with this sha256 unless it is already stored, and checks it arrived.
    /// - Returns: its key.
    @discardableResult
    func store(file path: String, sha256: String, size: Int64) async throws -> String
    /// Every artifact a live version references, one per sha256 in sha256 order, with the versions using it.
    func liveObjects() async throws -> [BackupManifest.ArtifactObject]
}
