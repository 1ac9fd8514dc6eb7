/// Reads and writes fitted detectors as self-describing little-endian bytes.
///
/// Layout: the magic bytes `NMLYDET\0`, a `UInt16` format version, the algorithm name (`UInt16` length,
/// UTF-8), a `UInt64` payload length, then the algorithm's payload. Decoding checks every count against the
/// bytes actually present before allocating, so a damaged or hostile file is refused, never trusted.
///
/// ```swift
/// let bytes = DetectorCodec.encode(forest)
/// let detector = try DetectorCodec.decode(bytes) // scores exactly as `forest` does
/// ```
package enum DetectorCodec {
    /// The format this build writes. It reads this version and older ones.
    package static let formatVersion: UInt16 = 1

    static let magic: [UInt8] = Array("NMLYDET".utf8) + [0]

    /// Serialises a detector fitted by this module.
    ///
    /// - Precondition: `detector` is an ``IsolationForest`` or an ``ECOD``.
    package static func encode(_ detector: any AnomalyDetector) -> [UInt8] {
        var payload = ByteWriter()
        let algorithm: String
        switch detector {
        case let forest as IsolationForest:
            algorithm = IsolationForest.algorithm
            forest.encodePayload(into: &payload)
        case let ecod as ECOD:
            algorithm = ECOD.algorithm
            ecod.encodePayload(into: &payload)
        default:
            preconditionFailure("DetectorCodec cannot encode \(type(of: detector)): it knows only this module's detectors")
        }
        var writer = ByteWriter()
        writer.write(bytes: magic)
        writer.write(formatVersion)
        let name = Array(algorithm.utf8)
        writer.write(UInt16(name.count))
        writer.write(bytes: name)
        writer.write(UInt64(payload.bytes.count))
        writer.write(bytes: payload.bytes)
        return writer.bytes
    }

    /// Reads a detector written by ``encode(_:)`` of this or an older nomaly.
    ///
    /// - Throws: ``DetectorError`` with ``DetectorError/Code/unsupportedVersion`` for a newer format or an
    ///   unknown algorithm, ``DetectorError/Code/corruptModel`` for anything else that is not a whole,
    ///   consistent model.
    package static func decode(_ bytes: [UInt8]) throws -> any AnomalyDetector {
        guard bytes.starts(with: magic) else {
            throw DetectorError(
                code: .corruptModel,
                message: "this is not a nomaly model file (it does not start with NMLYDET); check the path"
            )
        }
        var reader = ByteReader(bytes, offset: magic.count)
        let version = try reader.read(UInt16.self, for: "the format version")
        guard version <= formatVersion else {
            throw DetectorError(
                code: .unsupportedVersion,
                message: "the model file has format version \(version); this nomaly reads format \(formatVersion) and older — upgrade nomaly"
            )
        }
        guard version >= 1 else {
            throw DetectorError(code: .corruptModel, message: "the model file is damaged: format version 0 does not exist")
        }
        let nameLength = Int(try reader.read(UInt16.self, for: "the algorithm name length"))
        let name = String(decoding: try reader.readBytes(nameLength, for: "the algorithm name"), as: UTF8.self)
        let payloadLength = try reader.read(UInt64.self, for: "the payload length")
        guard payloadLength == UInt64(reader.remaining) else {
            throw DetectorError(
                code: .corruptModel,
                message: "the model file is truncated or has trailing bytes: its header announces \(payloadLength) bytes of model, "
                    + "\(reader.remaining) follow"
            )
        }
        let detector: any AnomalyDetector
        switch name {
        case IsolationForest.algorithm:
            detector = try IsolationForest.decodePayload(from: &reader)
        case ECOD.algorithm:
            detector = try ECOD.decodePayload(from: &reader)
        default:
            throw DetectorError(
                code: .unsupportedVersion,
                message: "the model file holds a \"\(name)\" detector, which this nomaly does not know; upgrade nomaly"
            )
        }
        guard reader.remaining == 0 else {
            throw DetectorError(
                code: .corruptModel,
                message: "the model file is damaged: \(reader.remaining) bytes are left over after the \(name) model"
            )
        }
        return detector
    }

    /// The error for a payload that is well-formed bytes but not a consistent model.
    static func inconsistent(_ what: String) -> DetectorError {
        DetectorError(code: .corruptModel, message: "the model file is damaged: \(what)")
    }
}
