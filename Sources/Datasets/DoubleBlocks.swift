/// Doubles stored in blocks of fixed size, for values whose count is known only at the end.
///
/// An `Array` that grows by appending doubles its capacity: holding n values can reserve 2n, and each growth briefly
/// needs the old and the new storage, 3n at the last one. Blocks never move once written, so n values cost 8n bytes
/// and at most one block (512 KiB) more. Reading is by index, as from an array.
///
/// ```swift
/// var scores = DoubleBlocks()
/// for score in [0.1, 0.7] { scores.append(score) }
/// scores.count { $0 > 0.5 }   // 1
/// ```
package struct DoubleBlocks: RandomAccessCollection, MutableCollection, Sendable {
    static let blockShift = 16
    static let blockSize = 1 << blockShift

    var blocks: [[Double]] = []
    package private(set) var count = 0

    package init() {}

    package init(_ values: some Sequence<Double>) {
        for value in values { append(value) }
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }

    package subscript(position: Int) -> Double {
        get { blocks[position >> Self.blockShift][position & (Self.blockSize - 1)] }
        set { blocks[position >> Self.blockShift][position & (Self.blockSize - 1)] = newValue }
    }

    @inline(__always)
    package mutating func append(_ value: Double) {
        if count & (Self.blockSize - 1) == 0 {
            var block: [Double] = []
            block.reserveCapacity(Self.blockSize)
            blocks.append(block)
        }
        blocks[blocks.count - 1].append(value)
        count += 1
    }

    package mutating func append(contentsOf values: UnsafeBufferPointer<Double>) {
        var rest = values[...]
        while !rest.isEmpty {
            if count & (Self.blockSize - 1) == 0 {
                var block: [Double] = []
                block.reserveCapacity(Self.blockSize)
                blocks.append(block)
            }
            let room = Self.blockSize - (count & (Self.blockSize - 1))
            let part = rest.prefix(room)
            blocks[blocks.count - 1].append(contentsOf: part)
            count += part.count
            rest = rest.dropFirst(part.count)
        }
    }
}
