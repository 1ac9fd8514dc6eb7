package import Archive
import Crypto
package import Detectors
import FileSystem
package import Foundation

/// A model artifact: a deterministic `.tar.gz` holding `manifest.json`, `metrics.json` and the detector file.
///
/// Loading extracts with the Archive module's limits into a private temporary folder, checks the manifest's
/// format version and the model file's sha256, and decodes the detector; the folder is removed whatever
/// happens, so a hostile tarball leaves nothing behind.
///
/// ```swift
/// let model = try await ModelArtifact.load("model.tar.gz")
/// print(model.manifest.detector, model.detector.featureCount)
/// ```
package struct ModelArtifact: Sendable {
    package let manifest: ModelManifest
    package let detector: any AnomalyDetector
    /// The sha256 of the tarball as read, which the registry addresses artifacts by.
    package let sha256: String
    /// `metrics.json` as stored (at most 4 MiB, checked to be JSON); nil when the artifact has none.
    package let metricsJSON: Data?

    /// The biggest manifest or metrics file we read: they are small JSON documents.
    static let maxJSONBytes = 4 << 20
    /// The biggest model file written or loaded. Loading reads it whole into memory, so its size is checked before
    /// a byte is read; 2 GiB holds an ECOD model of about 25 million training values, far beyond the models
    /// Nomaly trains today.
    package static let maxModelBytes: Int64 = 2 << 30
    package static let metricsFileName = "metrics.json"
    package static let modelFileName = "model.bin"

    /// Writes a tarball at `output` (atomically) from a fitted detector, its manifest and its metrics.
    /// `manifest.modelSha256` is filled in here.
    /// - Returns: the written manifest and the tarball's summary (sha256, sizes).
    package static func write(
        detector: any AnomalyDetector,
        manifest: ModelManifest,
        metrics: some Encodable,
        to output: String
    ) async throws -> (manifest: ModelManifest, archive: ArchiveSummary) {
        // Beside a file output (the same disk); a device or FIFO's folder (/dev) is no place for it.
        let staging = try makeTemporaryDirectory(near: (try? OutputTarget.inspect(output))?.isWrittenInPlace == true ? nil : output)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let model = DetectorCodec.encode(detector)
        guard model.count <= maxModelBytes else {
            throw ModelingError(
                .invalidArtifact,
                "the fitted model takes \(model.count) bytes, more than the \(maxModelBytes >> 30) GiB a model file may hold: "
                    + "train on fewer rows (ECOD keeps every training value)"
            )
        }
        var manifest = manifest
        manifest.modelFile = modelFileName
        manifest.modelSha256 = SHA256.hash(data: model).hexString
        let encoder = ModelManifest.encoder()
        do {
            try Data(model).write(to: URL(fileURLWithPath: staging + "/" + modelFileName))
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: staging + "/" + ModelManifest.fileName))
            try encoder.encode(metrics).write(to: URL(fileURLWithPath: staging + "/" + metricsFileName))
        } catch {
            throw ModelingError(.io, "cannot write the model files in \(staging): \(error.localizedDescription)")
        }
        let summary = try await TarGz.create(directory: staging, output: output)
        return (manifest, summary)
    }

    /// Reads and validates a model tarball. Blocking work runs on the blocking pool.
    package static func load(_ path: String, limits: ArchiveLimits = .default) async throws -> ModelArtifact {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelingError(.io, "\(path): no such model file") }
        let scratch = try makeTemporaryDirectory(near: nil)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let contents = scratch + "/model"
        let summary: ArchiveSummary
        do {
            summary = try await TarGz.extract(path, into: contents, limits: limits)
        } catch {
            throw ModelingError(.invalidArtifact, "\(path) is not a readable model tarball: \(error)")
        }
        let manifest = try readManifest(in: contents, artifact: path)
        let modelPath = contents + "/" + manifest.modelFile
        try checkModelFile(modelPath, manifest: manifest, artifact: path)
        guard let model = FileManager.default.contents(atPath: modelPath) else {
            throw ModelingError(.invalidArtifact, "\(path) has no \(manifest.modelFile), which its manifest names")
        }
        let digest = SHA256.hash(data: model).hexString
        guard digest == manifest.modelSha256 else {
            throw ModelingError(
                .checksumMismatch,
                "\(path): \(manifest.modelFile) has sha256 \(digest), but the manifest records \(manifest.modelSha256)"
            )
        }
        let detector: any AnomalyDetector
        do {
            detector = try DetectorCodec.decode(Array(model))
        } catch let error as DetectorError where error.code == .unsupportedVersion {
            throw ModelingError(.unsupportedVersion, "\(path): \(error)")
        } catch {
            throw ModelingError(.invalidArtifact, "\(path): \(error)")
        }
        guard type(of: detector).algorithm == manifest.detector, detector.featureCount == manifest.features.count else {
            throw ModelingError(
                .invalidArtifact,
                "\(path): the manifest describes a \(manifest.detector) over \(manifest.features.count) features, "
                    + "but the model file holds a \(type(of: detector).algorithm) over \(detector.featureCount)"
            )
        }
        return ModelArtifact(
            manifest: manifest,
            detector: detector,
            sha256: summary.sha256,
            metricsJSON: try readMetrics(in: contents, artifact: path)
        )
    }

    /// Refuses a model file that is not a regular file or is larger than ``maxModelBytes``, before reading it: a
    /// sparse entry can make a file of gigabytes out of a tarball of a few kilobytes.
    static func checkModelFile(_ modelPath: String, manifest: ModelManifest, artifact: String) throws {
        var status = stat()
        guard lstat(modelPath, &status) == 0 else {
            throw ModelingError(.invalidArtifact, "\(artifact) has no \(manifest.modelFile), which its manifest names")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw ModelingError(.invalidArtifact, "\(artifact): \(manifest.modelFile) is not a regular file")
        }
        guard Int64(status.st_size) <= maxModelBytes else {
            throw ModelingError(
                .invalidArtifact,
                "\(artifact): \(manifest.modelFile) has \(status.st_size) bytes, more than the \(maxModelBytes >> 30) GiB a model file may hold"
            )
        }
    }

    /// `metrics.json` when present; a file that is too large or not JSON makes the artifact invalid.
    static func readMetrics(in directory: String, artifact: String) throws -> Data? {
        let path = directory + "/" + metricsFileName
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        guard attributes[.type] as? FileAttributeType == .typeRegular, (attributes[.size] as? Int ?? 0) <= maxJSONBytes,
            let data = FileManager.default.contents(atPath: path), (try? JSONSerialization.jsonObject(with: data)) != nil
        else {
            throw ModelingError(.invalidArtifact, "\(artifact): \(metricsFileName) is not a JSON file of at most \(maxJSONBytes >> 20) MiB")
        }
        return data
    }

    static func readManifest(in directory: String, artifact: String) throws -> ModelManifest {
        let path = directory + "/" + ModelManifest.fileName
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw ModelingError(.invalidArtifact, "\(artifact) has no \(ModelManifest.fileName): it is not a nomaly model")
        }
        guard (attributes[.size] as? Int ?? 0) <= maxJSONBytes, let data = FileManager.default.contents(atPath: path) else {
            throw ModelingError(.invalidArtifact, "\(artifact): \(ModelManifest.fileName) is larger than \(maxJSONBytes >> 20) MiB")
        }
        // Check the version before the rest, so a newer layout is reported as such and not as malformed JSON.
        struct Version: Decodable { let formatVersion: Int }
        let decoder = ModelManifest.decoder()
        guard let version = try? decoder.decode(Version.self, from: data) else {
            throw ModelingError(.invalidArtifact, "\(artifact): \(ModelManifest.fileName) is not a manifest (no format_version)")
        }
        guard version.formatVersion <= ModelManifest.currentFormatVersion else {
            throw ModelingError(
                .unsupportedVersion,
                "\(artifact) has artifact format version \(version.formatVersion); this nomaly reads version "
                    + "\(ModelManifest.currentFormatVersion) and older — upgrade nomaly to use this model"
            )
        }
        let manifest: ModelManifest
        do {
            manifest = try decoder.decode(ModelManifest.self, from: data)
        } catch {
            throw ModelingError(.invalidArtifact, "\(artifact): \(ModelManifest.fileName) is malformed: \(error)")
        }
        guard !manifest.modelFile.isEmpty, !manifest.modelFile.contains("/"), manifest.modelFile != ".." else {
            throw ModelingError(.invalidArtifact, "\(artifact): the manifest's model_file must be a plain file name")
        }
        guard !manifest.features.isEmpty else { throw ModelingError(.invalidArtifact, "\(artifact): the manifest lists no features") }
        return manifest
    }

    /// A private folder: beside `path` when given (so the final rename stays on one file system), else in the temp dir.
    static func makeTemporaryDirectory(near path: String?) throws -> String {
        let parent = path.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? NSTemporaryDirectory()
        var template = Array((parent + "/.nomaly-model-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw ModelingError(.io, "cannot create a temporary folder in \(parent): \(String(cString: strerror(errno)))")
        }
        return String(cString: created)
    }
}
