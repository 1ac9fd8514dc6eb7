import Datasets
import Hummingbird

/// The answer to a scoring request, formatted as it is sent: buffers of about 64 KiB, so a million scores never sit in
/// memory as text at once (it was one buffer reserved at 48 bytes a row).
///
/// JSON is `{"model":…,"predictions":[{"is_anomaly":…,"score":…}…],"version":…}`, as JSONEncoder would write it with
/// sorted keys, but written directly: for a thousand rows the encoder cost twice the scoring. Model names are
/// `[A-Za-z0-9_.-]` (the registry's rule), so they need no escaping; scores are finite. CSV is `score,is_anomaly`
/// with Swift's shortest round-trip form of each score.
struct ScoreChunks: Sequence, IteratorProtocol, Sendable {
    enum Format: Sendable {
        case json(model: String, version: Int)
        case csv
    }

    let scores: DoubleBlocks
    let threshold: Double
    let format: Format
    let chunkBytes: Int
    var nextRow = 0
    var started = false
    var finished = false

    init(scores: DoubleBlocks, threshold: Double, format: Format, chunkBytes: Int = 64 << 10) {
        self.scores = scores
        self.threshold = threshold
        self.format = format
        self.chunkBytes = chunkBytes
    }

    /// The chunks as a streamed response body (chunked transfer encoding: the length is not known up front).
    var responseBody: ResponseBody {
        ResponseBody { writer in
            var chunks = self
            while let chunk = chunks.next() { try await writer.write(chunk) }
            try await writer.finish(nil)
        }
    }

    mutating func next() -> ByteBuffer? {
        guard !finished else { return nil }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(chunkBytes + 64)
        if !started {
            started = true
            switch format {
            case .json(let model, _):
                buffer.writeString(#"{"model":""#)
                buffer.writeString(model)
                buffer.writeString(#"","predictions":["#)
            case .csv:
                buffer.writeString("score,is_anomaly\n")
            }
        }
        while nextRow < scores.count && buffer.readableBytes < chunkBytes {
            let score = scores[nextRow]
            switch format {
            case .json:
                if nextRow > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                buffer.writeString(score > threshold ? #"{"is_anomaly":true,"score":"# : #"{"is_anomaly":false,"score":"#)
                buffer.writeString(Self.jsonNumber(score))
                buffer.writeInteger(UInt8(ascii: "}"))
            case .csv:
                buffer.writeString(score.description)
                buffer.writeString(score > threshold ? ",1\n" : ",0\n")
            }
            nextRow += 1
        }
        if nextRow == scores.count {
            finished = true
            if case .json(_, let version) = format {
                buffer.writeString(#"],"version":"#)
                buffer.writeString(String(version))
                buffer.writeInteger(UInt8(ascii: "}"))
            }
        }
        return buffer
    }

    /// Swift's shortest round-trip form, with JSONEncoder's `1` for `1.0`.
    static func jsonNumber(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
