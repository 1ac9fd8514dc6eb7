import Crypto
import FileSystem
import Foundation

/// Writes one file of a set as its content streams in: hashes the content, encrypts it when a key is given (bound to
/// the set and the file's name), and writes (and hashes) the stored bytes to a file renamed into place only by
/// ``commit()``.
///
/// Invariant: one user at a time; every method is blocking.
final class SetFileWriter {
    let name: String
    private let file: AtomicFile
    private var contentHasher = SHA256()
    private var contentSize: Int64 = 0
    private var encryptor: ChunkEncryptor?

    init(name: String, setID: BackupSetID, destination: String, key: EncryptionKey?) throws {
        self.name = name
        file = try AtomicFile(destination: destination)
        if let key {
            let file = file
            encryptor = try ChunkEncryptor(key: key, binding: SetFileBinding(setID: setID.value, fileName: name)) { bytes in try file.write(bytes) }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        contentHasher.update(bufferPointer: bytes)
        contentSize += Int64(bytes.count)
        if let encryptor { try encryptor.update(bytes) } else { try file.write(bytes) }
    }

    /// Finishes the encryption, renames the file into place and describes it for the manifest.
    func commit() throws -> BackupManifest.FileEntry {
        try encryptor?.finish()
        let size = file.bytesWritten
        guard let stored = try file.commit() else { throw BackupError(.storage, "\(file.destination) was written without its digest") }
        let content = contentHasher.finalize().hexString
        let encrypted = encryptor != nil
        return BackupManifest.FileEntry(
            name: name,
            size: size,
            sha256: stored,
            contentSize: encrypted ? contentSize : nil,
            contentSha256: encrypted ? content : nil
        )
    }

    func discard() { file.discard() }

    /// Copies a local file into the set through this writer. Blocking.
    static func copy(
        from source: String,
        name: String,
        setID: BackupSetID,
        destination: String,
        key: EncryptionKey?
    ) throws -> BackupManifest.FileEntry {
        let descriptor = open(source, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BackupError(.storage, "cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let writer = try SetFileWriter(name: name, setID: setID, destination: destination, key: key)
        do {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw BackupError(.storage, "cannot read \(source): \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                try buffer.withUnsafeBytes { try writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            }
            return try writer.commit()
        } catch {
            writer.discard()
            throw error
        }
    }
}
