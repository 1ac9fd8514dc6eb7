extension IsolationForest {
    /// Rows per block, a power of two. Scoring is tree-major within a block: one tree (about 4 KiB at
    /// ψ = 256) and the block (128 × 8 bytes per feature) stay in L1 while the tree walks every row of it.
    static let blockRowsShift = 7
    static let blockRows = 1 << blockRowsShift

    /// Scores rows on the calling thread; see ``AnomalyDetector/score(rows:into:)``.
    ///
    /// A NaN feature fails every `x > threshold` test, so it always takes the left branch.
    package func score(rows: UnsafeBufferPointer<Double>, into scores: UnsafeMutableBufferPointer<Double>) {
        precondition(
            rows.count == scores.count * featureCount,
            "\(rows.count) values are not \(scores.count) rows of \(featureCount) features"
        )
        guard let rowBase = rows.baseAddress, let scoreBase = scores.baseAddress, !scores.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.blockRows * featureCount) { block in
            blockOffsets.withUnsafeBufferPointer { offsets in
                thresholds.withUnsafeBufferPointer { thresholds in
                    leafPathLengths.withUnsafeBufferPointer { leaves in
                        let kernel = ForestKernel(
                            offsets: offsets.baseAddress!,
                            thresholds: thresholds.baseAddress!,
                            leaves: leaves.baseAddress!,
                            height: heightLimit,
                            treeCount: treeCount
                        )
                        var start = 0
                        while start < scores.count {
                            let count = min(Self.blockRows, scores.count - start)
                            transpose(rows: rowBase + start * featureCount, count: count, into: block.baseAddress!)
                            // The output doubles as the path-length accumulator until the block is done.
                            let sums = scoreBase + start
                            sums.initialize(repeating: 0, count: count)
                            kernel.accumulate(block: block.baseAddress!, count: count, into: sums)
                            for i in 0..<count {
                                sums[i] = score(pathLengthSum: sums[i])
                            }
                            start += count
                        }
                    }
                }
            }
        }
    }

    /// Copies `count` rows into `block` feature-major (feature f of row r at `f * blockRows + r`), so the
    /// kernel reaches eight neighbouring rows from one base pointer with constant offsets, instead of holding
    /// eight row pointers in registers it does not have.
    private func transpose(rows: UnsafePointer<Double>, count: Int, into block: UnsafeMutablePointer<Double>) {
        for r in 0..<count {
            let row = rows + r * featureCount
            for f in 0..<featureCount {
                block[f &<< Self.blockRowsShift &+ r] = row[f]
            }
        }
    }

    /// The reference scores: the same sums and formula as the fast path, by walking the grown trees.
    static func referenceScores(of matrix: FeatureMatrix, trees: [IsolationTree], forest: IsolationForest) -> [Double] {
        matrix.values.withUnsafeBufferPointer { values in
            (0..<matrix.rowCount).map { row in
                var sum = 0.0
                for tree in trees {
                    sum += tree.pathLength(of: values.baseAddress! + row * matrix.columnCount)
                }
                return forest.score(pathLengthSum: sum)
            }
        }
    }
}

/// The hot loop over the flat layout, on raw pointers so nothing is bounds-checked or retained in it.
private struct ForestKernel {
    /// Each node's split feature as a byte offset into a transposed block (``IsolationForest/blockOffsets``).
    let offsets: UnsafePointer<Int32>
    let thresholds: UnsafePointer<Double>
    let leaves: UnsafePointer<Double>
    let height: Int
    let treeCount: Int

    /// Adds every tree's path length for the `count` rows of a transposed block to `sums`, tree by tree so
    /// each row's sum is formed in tree order, exactly as the reference traversal forms it.
    @inline(__always)
    func accumulate(block: UnsafePointer<Double>, count: Int, into sums: UnsafeMutablePointer<Double>) {
        let internalCount = (1 << height) &- 1
        for tree in 0..<treeCount {
            let f = offsets + tree &* internalCount
            let t = thresholds + tree &* internalCount
            // Walks end on heap slots internalCount..<2 * internalCount + 1, the bottom level.
            let l = leaves + tree &* (internalCount &+ 1)
            var r = 0
            // Eight independent walks at once, so eight chains of dependent loads overlap.
            while r &+ 8 <= count {
                let x = block + r
                var n0 = 0
                var n1 = 0
                var n2 = 0
                var n3 = 0
                var n4 = 0
                var n5 = 0
                var n6 = 0
                var n7 = 0
                for _ in 0..<height {
                    n0 = step(n0, x, 0, f, t)
                    n1 = step(n1, x, 1, f, t)
                    n2 = step(n2, x, 2, f, t)
                    n3 = step(n3, x, 3, f, t)
                    n4 = step(n4, x, 4, f, t)
                    n5 = step(n5, x, 5, f, t)
                    n6 = step(n6, x, 6, f, t)
                    n7 = step(n7, x, 7, f, t)
                }
                sums[r] += l[n0 &- internalCount]
                sums[r &+ 1] += l[n1 &- internalCount]
                sums[r &+ 2] += l[n2 &- internalCount]
                sums[r &+ 3] += l[n3 &- internalCount]
                sums[r &+ 4] += l[n4 &- internalCount]
                sums[r &+ 5] += l[n5 &- internalCount]
                sums[r &+ 6] += l[n6 &- internalCount]
                sums[r &+ 7] += l[n7 &- internalCount]
                r &+= 8
            }
            while r < count {
                let x = block + r
                var n = 0
                for _ in 0..<height {
                    n = step(n, x, 0, f, t)
                }
                sums[r] += l[n &- internalCount]
                r &+= 1
            }
        }
    }

    /// One level down for the row at `x + lane`: child 2n + 1 when its value <= t (or is NaN), 2n + 2 when > t.
    /// `f` holds byte offsets, so the value's address is one add from `x`.
    @inline(__always)
    private func step(_ node: Int, _ x: UnsafePointer<Double>, _ lane: Int, _ f: UnsafePointer<Int32>, _ t: UnsafePointer<Double>) -> Int {
        let value = UnsafeRawPointer(x).load(fromByteOffset: Int(truncatingIfNeeded: f[node]) &+ lane &* 8, as: Double.self)
        // Bool's bit pattern rather than `? 1 : 0`: LLVM turns that select into an unpredictable branch.
        return node &* 2 &+ 1 &+ Int(unsafeBitCast(value > t[node], to: UInt8.self))
    }
}
