/// Appends fixed-width little-endian values: the model file format is little-endian whatever the host.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Double) {
        write(value.bitPattern)
    }

    mutating func write(bytes other: [UInt8]) {
        bytes.append(contentsOf: other)
    }
}

/// Reads what ``ByteWriter`` wrote, refusing to run past the end: every read of hostile input either
/// succeeds within the bytes or throws ``DetectorError/Code/corruptModel``.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are there; call before allocating anything sized by the input.
    func require(_ count: Int, for what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw DetectorError(
                code: .corruptModel,
                message: "the model file is truncated or damaged: \(what()) needs \(count) bytes, \(remaining) are left"
            )
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, for what: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, for: what())
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readDouble(for what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, for: what()))
    }

    mutating func readBytes(_ count: Int, for what: @autoclosure () -> String) throws -> [UInt8] {
        try require(count, for: what())
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
}
