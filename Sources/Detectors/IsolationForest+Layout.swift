// The scoring layout: every tree becomes a perfect binary tree of depth H = heightLimit in flat arrays.
// Internal node i has children 2i + 1 (x <= t) and 2i + 2 (x > t), so a traversal is H steps of
// `i = 2i + 1 + (x > t)`, with no branches and no child pointers to load. A leaf above the bottom becomes a
// pass-through node (threshold +∞, which no x, not even +∞ or NaN, exceeds) and every bottom slot below it
// carries its path length, so all rows take exactly H steps.

extension IsolationForest {
    /// Flattens grown trees into the scoring layout.
    init(trees: [IsolationTree], featureCount: Int, parameters: Parameters, sampleSize: Int) {
        let height = AveragePathLength.heightLimit(sampleSize: sampleSize)
        let internalCount = (1 << height) - 1
        let leafCount = 1 << height
        var features = [Int32](repeating: 0, count: trees.count * internalCount)
        var thresholds = [Double](repeating: .infinity, count: trees.count * internalCount)
        var leaves = [Double](repeating: 0, count: trees.count * leafCount)
        for (t, tree) in trees.enumerated() {
            let placer = LayoutPlacer(
                tree: tree,
                height: height,
                internalBase: t * internalCount,
                leafBase: t * leafCount
            )
            placer.place(node: 0, slot: 0, depth: 0, features: &features, thresholds: &thresholds, leaves: &leaves)
        }
        self.init(
            featureCount: featureCount,
            parameters: parameters,
            sampleSize: sampleSize,
            heightLimit: height,
            features: features,
            thresholds: thresholds,
            leafPathLengths: leaves
        )
    }
}

private struct LayoutPlacer {
    let tree: IsolationTree
    let height: Int
    let internalBase: Int
    let leafBase: Int

    /// Puts grown node `node` at heap slot `slot` (depth `depth`) and recurses.
    func place(node: Int, slot: Int, depth: Int, features: inout [Int32], thresholds: inout [Double], leaves: inout [Double]) {
        let grown = tree.nodes[node]
        if grown.isLeaf {
            // The pass-through nodes above are already +∞ with feature 0; fill the bottom slots this leaf covers.
            let levelsLeft = height - depth
            let firstBottom = ((slot + 1) << levelsLeft) - 1 - ((1 << height) - 1)
            for bottom in firstBottom..<(firstBottom + (1 << levelsLeft)) {
                leaves[leafBase + bottom] = grown.pathLength
            }
            return
        }
        precondition(depth < height, "a grown tree is deeper than its height limit")
        features[internalBase + slot] = Int32(grown.feature)
        thresholds[internalBase + slot] = grown.threshold
        place(node: grown.left, slot: 2 * slot + 1, depth: depth + 1, features: &features, thresholds: &thresholds, leaves: &leaves)
        place(node: grown.right, slot: 2 * slot + 2, depth: depth + 1, features: &features, thresholds: &thresholds, leaves: &leaves)
    }
}
