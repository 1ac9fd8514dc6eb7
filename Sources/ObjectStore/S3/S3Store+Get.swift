import FileSystem
import Foundation

extension S3Store {
    /// Downloads into a temporary file beside `destination`, checks its size and the sha256 recorded at upload
    /// (`x-amz-meta-sha256`, when the object has one), and only then renames it into place.
    ///
    /// An interrupted download is retried from the start; whatever fails, nothing is left at `destination`. A device,
    /// FIFO or socket at `destination` is written in place instead (``FileSystem/OutputFile``): its reader gets the
    /// bytes as they arrive, the checks still fail the download, and an attempt that delivered bytes is not retried.
    /// - Returns: the object's metadata, with the sha256 of what was written.
    /// - Throws: ``ObjectStoreError`` `.notFound`, `.noSuchBucket`, `.accessDenied`, or `.integrity` when the content
    ///   does not match its recorded sha256.
    @discardableResult
    package func get(key: String, to destination: String, progress: TransferProgressHandler?) async throws -> ObjectInfo {
        let request = S3Request(operation: "GetObject", method: "GET", bucket: bucket, key: try objectKey(key))
        let tracker = ProgressTracker(total: nil, handler: progress)
        let configuration = configuration
        let inPlace = InPlaceDownload()
        defer { inPlace.close() }
        return try await withRetries(request, progress: tracker) { handle, transfer in
            let file: OutputFile
            if let opened = inPlace.file {
                file = opened
            } else {
                do throws(FileSystemError) { file = try OutputFile(path: destination) } catch { throw ObjectStoreError(error) }
                if file.writesInPlace { inPlace.file = file }
            }
            do {
                let response = try handle.perform(request, configuration: configuration, sink: file, transfer: transfer)
                guard response.isSuccess else { throw response.error(for: request) }
                var info = Self.info(key: key, headers: response.headers)
                let location = "s3://\(request.bucket)/\(request.key ?? "")"
                if let expected = response.headers["content-length"].flatMap({ Int64($0) }), expected != file.bytesWritten {
                    // curl reports a short body itself; this guards against a server that lies about the length.
                    throw ObjectStoreError(
                        code: .transport,
                        message: "GetObject \(location) delivered \(file.bytesWritten) of \(expected) bytes"
                    )
                }
                let actual = file.sha256Hex ?? ""
                if let recorded = info.sha256, recorded != actual {
                    throw ObjectStoreError(
                        code: .integrity,
                        message: "GetObject \(location): content has sha256 \(actual), but \(recorded) was recorded at upload"
                    )
                }
                do throws(FileSystemError) { try file.commit() } catch { throw ObjectStoreError(error) }
                info.size = file.bytesWritten
                info.sha256 = actual
                return info
            } catch let error as ObjectStoreError where error.code == .transport && file.writesInPlace && file.bytesWritten > 0 {
                throw ObjectStoreError(
                    code: .io,
                    message: "\(error.message); not retried: \(file.bytesWritten) bytes already went to \(destination), "
                        + "which is written in place and cannot take them back"
                )
            } catch {
                // Kept open in place for the next attempt: opening a FIFO again would show its reader an end of file.
                if !file.writesInPlace { file.discard() }
                throw error
            }
        }
    }
}

/// A download's output that is written in place, opened by its first attempt and kept for the next ones.
///
/// Invariant: a download's attempts run one after another, so one at a time uses it.
private final class InPlaceDownload: @unchecked Sendable {
    var file: OutputFile?

    func close() { file?.discard() }
}
