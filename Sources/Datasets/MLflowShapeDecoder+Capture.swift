extension MLflowShapeDecoder {
    /// Starts keeping the text of the value whose first byte (`[`) is at `offset`, in the buffer being read.
    mutating func beginCapture(at offset: Int) {
        capture = CapturedText()
        captureFrom = offset
    }

    /// Ends the value being kept with its last byte (`]`) at `offset`, in the buffer being read, and hands its text on.
    mutating func endCapture(at offset: Int) -> CapturedText {
        copyCaptured(upTo: offset + 1)
        captureFrom = nil
        defer { capture = CapturedText() }
        return capture
    }

    /// At the end of a buffer: keeps the part of it that belongs to the value being kept, if there is one.
    mutating func keepCapturedText() {
        copyCaptured(upTo: bufferStart + buffer.count)
    }

    mutating func copyCaptured(upTo end: Int) {
        guard let from = captureFrom, end > from else { return }
        capture.append(UnsafeRawBufferPointer(rebasing: buffer[(from - bufferStart)..<(end - bufferStart)]))
        captureFrom = end
    }
}

/// The raw text of one JSON value, copied from the body as it streams past, to be read again later.
///
/// Kept in blocks that never move, from 256 bytes growing to 64 KiB: n bytes cost n plus one partly filled block,
/// where an array grown by appending may reserve 2n and briefly need 3n while it moves. Read back with
/// ``feed(maxBytes:to:_:)``, which frees each block once it is read, so the text shrinks as its rows are drained.
struct CapturedText {
    static let smallestBlock = 256
    static let largestBlock = 64 << 10

    var blocks: [[UInt8]] = []
    private(set) var count = 0
    /// The next byte to read back: its block, and its offset in the block.
    var readBlock = 0
    var readOffset = 0

    var isExhausted: Bool { readBlock >= blocks.count }

    /// The bytes allocated for the text still held.
    var allocatedBytes: Int {
        blocks.reduce(blocks.capacity * MemoryLayout<[UInt8]>.stride) { $0 + $1.capacity }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            if blocks.last.map({ $0.count == $0.capacity }) ?? true {
                var block: [UInt8] = []
                // Small values (a short column) stay small; long ones settle at the largest block.
                block.reserveCapacity(min(Self.largestBlock, max(Self.smallestBlock, count)))
                blocks.append(block)
            }
            let last = blocks.count - 1
            let part = min(blocks[last].capacity - blocks[last].count, rest.count)
            blocks[last].append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<part]))
            rest = UnsafeRawBufferPointer(rebasing: rest[part...])
            count += part
        }
    }

    /// Hands at most the next `maxBytes` to `reader` (they never straddle two blocks), freeing each block once read.
    mutating func feed<Consumer: JSONTokenConsumer>(maxBytes: Int, to reader: inout JSONReader, _ consumer: inout Consumer) throws {
        guard readBlock < blocks.count else { return }
        let block = blocks[readBlock]
        let end = min(block.count, readOffset + maxBytes)
        try block.withUnsafeBytes { try reader.read(UnsafeRawBufferPointer(rebasing: $0[readOffset..<end]), into: &consumer) }
        readOffset = end
        if readOffset == block.count {
            blocks[readBlock] = []
            readBlock += 1
            readOffset = 0
        }
    }
}
