import Testing

@testable import Detectors

@Suite("Detector serialisation")
struct DetectorCodecTests {
    static let matrix = TestData.appending([5, 5, -5], to: TestData.normal(rows: 300, columns: 3, seed: 20))

    static func forestBytes() throws -> (IsolationForest, [UInt8]) {
        let forest = try IsolationForest.fit(matrix, parameters: .init(trees: 20, sampleSize: 100, seed: 8))
        return (forest, DetectorCodec.encode(forest))
    }

    static func ecodBytes() throws -> (ECOD, [UInt8]) {
        let ecod = try ECOD.fit(matrix)
        return (ecod, DetectorCodec.encode(ecod))
    }

    static func code(decoding bytes: [UInt8]) -> DetectorError.Code? {
        do {
            _ = try DetectorCodec.decode(bytes)
            return nil
        } catch let error as DetectorError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test("both detectors round-trip to bit-identical scores")
    func roundTrip() throws {
        let (forest, forestBytes) = try Self.forestBytes()
        let decodedForest = try #require(try DetectorCodec.decode(forestBytes) as? IsolationForest)
        #expect(decodedForest == forest)
        #expect(decodedForest.score(Self.matrix).map(\.bitPattern) == forest.score(Self.matrix).map(\.bitPattern))

        let (ecod, ecodBytes) = try Self.ecodBytes()
        let decoded = try DetectorCodec.decode(ecodBytes)
        #expect(type(of: decoded).algorithm == "ecod")
        #expect(decoded.score(Self.matrix).map(\.bitPattern) == ecod.score(Self.matrix).map(\.bitPattern))
        #expect(DetectorCodec.encode(decoded) == ecodBytes)
    }

    @Test("the header is the magic, the version and the algorithm name, little-endian")
    func header() throws {
        let (_, bytes) = try Self.ecodBytes()
        #expect(Array(bytes[0..<8]) == Array("NMLYDET".utf8) + [0])
        #expect(Array(bytes[8..<10]) == [1, 0])
        #expect(Array(bytes[10..<12]) == [4, 0])
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "ecod")
    }

    @Test("every truncation of a model is refused as corrupt")
    func truncated() throws {
        for bytes in [try Self.forestBytes().1, try Self.ecodBytes().1] {
            for length in [0, 5, 9, 13, 20, 30, 60, bytes.count / 2, bytes.count - 1] {
                #expect(Self.code(decoding: Array(bytes.prefix(length))) == .corruptModel)
            }
            #expect(Self.code(decoding: bytes + [0]) == .corruptModel)
        }
    }

    @Test("wrong magic is corrupt; a newer version or unknown algorithm is unsupported")
    func headerRefusals() throws {
        var (_, bytes) = try Self.forestBytes()
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(Self.code(decoding: wrongMagic) == .corruptModel)

        bytes[8] = 2
        let error = #expect(throws: DetectorError.self) { try DetectorCodec.decode(bytes) }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.message == "the model file has format version 2; this nomaly reads format 1 and older — upgrade nomaly")

        var writer = ByteWriter()
        writer.write(bytes: DetectorCodec.magic)
        writer.write(UInt16(1))
        writer.write(UInt16(3))
        writer.write(bytes: Array("knn".utf8))
        writer.write(UInt64(0))
        #expect(Self.code(decoding: writer.bytes) == .unsupportedVersion)
    }

    /// A well-formed header around `payload`.
    static func model(_ algorithm: String, payload: ByteWriter) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: DetectorCodec.magic)
        writer.write(DetectorCodec.formatVersion)
        writer.write(UInt16(algorithm.utf8.count))
        writer.write(bytes: Array(algorithm.utf8))
        writer.write(UInt64(payload.bytes.count))
        writer.write(bytes: payload.bytes)
        return writer.bytes
    }

    @Test("hostile counts are refused before anything is allocated")
    func hostileCounts() {
        // A forest claiming 100,000 trees of height 16 in a few bytes.
        var forest = ByteWriter()
        forest.write(UInt32(3))
        forest.write(UInt32(100_000))
        forest.write(UInt32(65_536))
        forest.write(UInt64(0))
        forest.write(UInt32(65_536))
        forest.write(UInt8(16))
        #expect(Self.code(decoding: Self.model("isolation-forest", payload: forest)) == .corruptModel)

        // An ECOD model claiming 4 billion features, then one claiming 65,536 knots it does not have.
        var ecod = ByteWriter()
        ecod.write(UInt32.max)
        ecod.write(UInt64(10))
        #expect(Self.code(decoding: Self.model("ecod", payload: ecod)) == .corruptModel)
        var knots = ByteWriter()
        knots.write(UInt32(1))
        knots.write(UInt64(10))
        knots.write(Int8(1))
        knots.write(UInt32(65_536))
        knots.write(bytes: [UInt8](repeating: 0, count: 24))
        #expect(Self.code(decoding: Self.model("ecod", payload: knots)) == .corruptModel)
    }

    @Test("inconsistent contents are refused")
    func inconsistent() throws {
        // A split on a feature the forest does not have.
        let (forest, _) = try Self.forestBytes()
        var writer = ByteWriter()
        forest.encodePayload(into: &writer)
        var payload = writer.bytes
        let firstFeature = 4 + 4 + 4 + 8 + 4 + 1
        payload.replaceSubrange(firstFeature..<(firstFeature + 4), with: [9, 0, 0, 0])
        var bad = ByteWriter()
        bad.write(bytes: payload)
        #expect(Self.code(decoding: Self.model("isolation-forest", payload: bad)) == .corruptModel)

        // ECOD knots out of order, and counts that do not reach n.
        for (second, countAtOrBelow) in [(0.5, UInt64(2)), (2.0, UInt64(1))] {
            var ecod = ByteWriter()
            ecod.write(UInt32(1))
            ecod.write(UInt64(2))
            ecod.write(Int8(0))
            ecod.write(UInt32(2))
            for (value, below, atOrBelow) in [(1.0, UInt64(0), UInt64(1)), (second, UInt64(1), countAtOrBelow)] {
                ecod.write(value)
                ecod.write(below)
                ecod.write(atOrBelow)
            }
            #expect(Self.code(decoding: Self.model("ecod", payload: ecod)) == .corruptModel)
        }
    }
}
