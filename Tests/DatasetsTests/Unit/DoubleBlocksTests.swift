import Testing

@testable import Datasets

@Suite("DoubleBlocks: an append-only array of doubles in fixed blocks")
struct DoubleBlocksTests {
    @Test("values appended one by one and in runs that cross blocks read back in order, and can be replaced")
    func appendAndRead() {
        let size = DoubleBlocks.blockSize
        let values = (0..<(2 * size + 17)).map { Double($0) * 0.5 }
        var single = DoubleBlocks()
        for value in values { single.append(value) }
        var runs = DoubleBlocks()
        var start = 0
        for length in [3, size - 5, size + 1, 7, size, 11] where start < values.count {
            let end = min(values.count, start + length)
            values[start..<end].withUnsafeBufferPointer { runs.append(contentsOf: $0) }
            start = end
        }
        values[start...].withUnsafeBufferPointer { runs.append(contentsOf: $0) }
        #expect(Array(single) == values && Array(runs) == values)
        #expect(single.blocks.count == 3 && single.blocks.allSatisfy { $0.capacity < size + size / 64 })
        runs[size] = -1
        #expect(runs[size] == -1 && runs[size - 1] == values[size - 1] && runs.count == values.count)
        #expect(DoubleBlocks().isEmpty && DoubleBlocks([1, 2]).count { $0 > 1 } == 1)
    }
}
