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
public struct DoubleBlocks: RandomAccessCollection, MutableCollection, Sendable {
    static let blockShift = 16
    static let blockSize = 1 << blockShift

    var blocks: [[Double]] = []
    public private(set) var count = 0

    public init() {}

    public init(_ values: some Sequence<Double>) {
        for value in values { append(value) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Double {
        get { blocks[position >> Self.blockShift][position & (Self.blockSize - 1)] }
        set { blocks[position >> Self.blockShift][position & (Self.blockSize - 1)] = newValue }
    }

    @inline(__always)
    public mutating func append(_ value: Double) {
        if count & (Self.blockSize - 1) == 0 {
            var block: [Double] = []
            block.reserveCapacity(Self.blockSize)
            blocks.append(block)
        }
        blocks[blocks.count - 1].append(value)
        count += 1
    }

    public mutating func append(contentsOf values: UnsafeBufferPointer<Double>) {
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
