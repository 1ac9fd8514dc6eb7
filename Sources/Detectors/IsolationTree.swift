/// One isolation tree as grown, nodes linked by index. Fitting produces these; the forest flattens them into
/// its scoring layout, and tests walk them with ``pathLength(of:)`` as the reference the layout must match.
struct IsolationTree: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        /// The split feature; meaningless for a leaf.
        var feature: Int
        /// Rows with `x[feature] > threshold` go right, all others (NaN included) left.
        var threshold: Double
        /// Child indices into ``IsolationTree/nodes``; `-1` for a leaf.
        var left: Int
        var right: Int
        var depth: Int
        /// How many of the tree's training rows reached this node.
        var size: Int
        /// For a leaf, depth + c(size): the depth plus the expected remaining depth had the tree gone on.
        var pathLength: Double

        var isLeaf: Bool { left < 0 }
    }

    /// Nodes in preorder; the root is `nodes[0]`.
    var nodes: [Node]

    /// The reference traversal: follows child links until a leaf. Slow but obviously right.
    func pathLength(of row: UnsafePointer<Double>) -> Double {
        var index = 0
        while !nodes[index].isLeaf {
            let node = nodes[index]
            index = row[node.feature] > node.threshold ? node.right : node.left
        }
        return nodes[index].pathLength
    }
}

extension IsolationTree {
    /// Grows a tree on `sample` (row-major, `rowCount` × `featureCount`) down to `heightLimit`.
    ///
    /// Each node tries features in random order, discarding those constant in the node, as scikit-learn's
    /// random splitter does; so the split feature is uniform among the non-constant ones, and a node where
    /// all are constant becomes a leaf. The threshold is uniform in [min, max) of that feature in the node.
    static func grow(
        sample: UnsafeBufferPointer<Double>,
        rowCount: Int,
        featureCount: Int,
        heightLimit: Int,
        random: inout Xoshiro256StarStar
    ) -> IsolationTree {
        var grower = Grower(sample: sample, featureCount: featureCount, heightLimit: heightLimit, rowCount: rowCount)
        _ = grower.grow(start: 0, end: rowCount, depth: 0, random: &random)
        return IsolationTree(nodes: grower.nodes)
    }
}

/// The mutable state of growing one tree: the rows of each node are a contiguous range of `order`, which
/// every split partitions in place.
struct Grower {
    let sample: UnsafeBufferPointer<Double>
    let featureCount: Int
    let heightLimit: Int
    var order: [Int]
    var candidates: [Int]
    var nodes: [IsolationTree.Node] = []

    init(sample: UnsafeBufferPointer<Double>, featureCount: Int, heightLimit: Int, rowCount: Int) {
        self.sample = sample
        self.featureCount = featureCount
        self.heightLimit = heightLimit
        self.order = Array(0..<rowCount)
        self.candidates = Array(0..<featureCount)
        nodes.reserveCapacity(2 * rowCount)
    }

    mutating func grow(start: Int, end: Int, depth: Int, random: inout Xoshiro256StarStar) -> Int {
        let index = nodes.count
        let size = end - start
        let leaf = IsolationTree.Node(
            feature: 0,
            threshold: .infinity,
            left: -1,
            right: -1,
            depth: depth,
            size: size,
            pathLength: Double(depth) + AveragePathLength.c(size)
        )
        nodes.append(leaf)
        guard depth < heightLimit, size > 1, let (feature, threshold) = chooseSplit(start: start, end: end, random: &random) else {
            return index
        }
        let middle = partition(start: start, end: end, feature: feature, threshold: threshold)
        let left = grow(start: start, end: middle, depth: depth + 1, random: &random)
        let right = grow(start: middle, end: end, depth: depth + 1, random: &random)
        nodes[index] = IsolationTree.Node(
            feature: feature,
            threshold: threshold,
            left: left,
            right: right,
            depth: depth,
            size: size,
            pathLength: 0
        )
        return index
    }

    /// Draws features without replacement until one is not constant in the node; nil when all are.
    mutating func chooseSplit(start: Int, end: Int, random: inout Xoshiro256StarStar) -> (Int, Double)? {
        for i in 0..<featureCount { candidates[i] = i }
        var remaining = featureCount
        while remaining > 0 {
            let pick = random.next(below: remaining)
            let feature = candidates[pick]
            var low = Double.infinity
            var high = -Double.infinity
            for position in start..<end {
                let x = sample[order[position] * featureCount + feature]
                low = min(low, x)
                high = max(high, x)
            }
            if high > low {
                return (feature, Self.threshold(low: low, high: high, unit: random.nextUnit()))
            }
            candidates.swapAt(pick, remaining - 1)
            remaining -= 1
        }
        return nil
    }

    /// Uniform in [low, high); like scikit-learn, a draw that rounds up to `high` becomes `low`, so both
    /// children always get rows.
    static func threshold(low: Double, high: Double, unit: Double) -> Double {
        let width = high - low
        // A range wider than the largest double overflows `width`; the convex combination cannot.
        let t = width.isFinite ? low + width * unit : low * (1 - unit) + high * unit
        return t < high && t >= low ? t : low
    }

    /// Moves the rows with `x[feature] <= threshold` in front; returns where the others start.
    mutating func partition(start: Int, end: Int, feature: Int, threshold: Double) -> Int {
        var i = start
        var j = end - 1
        while i <= j {
            if sample[order[i] * featureCount + feature] <= threshold {
                i += 1
            } else {
                order.swapAt(i, j)
                j -= 1
            }
        }
        return i
    }
}
