import FileSystem
import Foundation

/// Objects as files below a root folder: key `a/b.tar.gz` is `ROOT/a/b.tar.gz`.
///
/// Writes go to a temporary file beside the destination, are fsynced and renamed into place, so a reader
/// or a crash never sees half an object.
///
/// ```swift
/// let store = FileStore(root: "/var/lib/nomaly/artifacts")
/// try await store.put(file: "/tmp/model.tar.gz", key: "models/ab/abcd.tar.gz", progress: nil)
/// ```
package struct FileStore: ObjectStore {
    package let root: String

    package init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    package var locationDescription: String { root }

    func path(of key: String) throws(ObjectStoreError) -> String {
        try validateObjectKey(key)
        return root + "/" + key
    }

    @discardableResult
    package func put(file source: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        let destination = try path(of: key)
        return try await BlockingWork.run {
            let (size, sha256) = try Self.copy(from: source, to: destination, progress: progress)
            return ObjectInfo(key: key, size: size, lastModified: Date(), sha256: sha256)
        }
    }

    /// Writes beside the destination and links the file into place, which fails when a file is already there, so
    /// one that appears during the copy is not replaced either.
    @discardableResult
    package func putIfAbsent(file source: String, key: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        let destination = try path(of: key)
        return try await BlockingWork.run {
            let (size, sha256) = try Self.copy(from: source, to: destination, progress: progress, replacing: false)
            return ObjectInfo(key: key, size: size, lastModified: Date(), sha256: sha256)
        }
    }

    @discardableResult
    package func get(key: String, to destination: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        let source = try path(of: key)
        return try await BlockingWork.run {
            guard FileManager.default.fileExists(atPath: source) else {
                throw ObjectStoreError(code: .notFound, message: "no object \(key) in \(root)")
            }
            // The destination is the caller's (`s3 cp`, `models download`): a device or FIFO there is written in place.
            let (size, sha256) = try Self.copy(from: source, to: destination, progress: progress, asOutput: true)
            return ObjectInfo(key: key, size: size, lastModified: Self.modificationDate(source), sha256: sha256)
        }
    }

    /// Copies the local file `source` to `destination`, a path a user named (`nomaly s3 cp` between two local paths),
    /// as ``FileSystem/OutputFile`` writes it. Blocking work runs on the blocking pool.
    @discardableResult
    package static func copy(file source: String, to destination: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        try await BlockingWork.run {
            let (size, sha256) = try copy(from: source, to: destination, progress: progress, asOutput: true)
            return ObjectInfo(key: URL(fileURLWithPath: destination).lastPathComponent, size: size, lastModified: Date(), sha256: sha256)
        }
    }

    package func head(key: String) async throws -> ObjectInfo? {
        let file = try path(of: key)
        return try await BlockingWork.run {
            var status = stat()
            guard stat(file, &status) == 0 else {
                if errno == ENOENT || errno == ENOTDIR { return nil }
                throw ObjectStoreError.posix("cannot stat \(file)")
            }
            guard (status.st_mode & S_IFMT) == S_IFREG else { return nil }
            return ObjectInfo(key: key, size: Int64(status.st_size), lastModified: Self.modificationDate(file))
        }
    }

    package func list(prefix: String) async throws -> [ObjectInfo] {
        let root = self.root
        return try await BlockingWork.run {
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
            var objects: [ObjectInfo] = []
            while let relative = enumerator.nextObject() as? String {
                guard relative.hasPrefix(prefix), !relative.contains(AtomicFile.temporaryMarker) else { continue }
                let path = root + "/" + relative
                var status = stat()
                guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
                objects.append(ObjectInfo(key: relative, size: Int64(status.st_size), lastModified: Self.modificationDate(path)))
            }
            return objects.sorted { $0.key < $1.key }
        }
    }

    package func delete(key: String) async throws {
        let file = try path(of: key)
        try await BlockingWork.run {
            if unlink(file) != 0, errno != ENOENT { throw ObjectStoreError.posix("cannot delete \(file)") }
        }
    }

    /// Streams `source` into an ``AtomicFile`` at `destination`. Blocking.
    /// - Parameters:
    ///   - replacing: false fails (`.alreadyExists`) rather than replace an existing destination.
    ///   - asOutput: `destination` is a path a user named, written as ``FileSystem/OutputFile`` decides (a device or
    ///     FIFO in place, a folder refused); otherwise it is the store's own file, always renamed into place.
    static func copy(
        from source: String,
        to destination: String,
        progress: TransferProgressHandler?,
        replacing: Bool = true,
        asOutput: Bool = false
    ) throws -> (Int64, String) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            if errno == ENOENT { throw ObjectStoreError(code: .notFound, message: "no such file: \(source)") }
            throw ObjectStoreError.posix("cannot open \(source)")
        }
        defer { close(input) }
        var status = stat()
        fstat(input, &status)
        let total = Int64(status.st_size)
        let output: any FileOutput
        do throws(FileSystemError) {
            output = asOutput ? try OutputFile(path: destination) : try AtomicFile(destination: destination)
        } catch {
            throw ObjectStoreError(error)
        }
        do {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ObjectStoreError.posix("cannot read \(source)")
                }
                if count == 0 { break }
                try buffer.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                progress?(output.bytesWritten, total)
            }
            let sha256 = try output.commit(replacing: replacing) ?? ""
            return (output.bytesWritten, sha256)
        } catch let error as FileSystemError where error.code == EEXIST && !replacing {
            output.discard()
            throw ObjectStoreError.exists(destination)
        } catch let error as FileSystemError {
            output.discard()
            throw ObjectStoreError(error)
        } catch {
            output.discard()
            throw error
        }
    }

    static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
