import Testing

@testable import Detectors

@Suite("Isolation forest scoring layout")
struct IsolationForestLayoutTests {
    /// Random data with duplicated rows, a constant column and a two-valued one, so trees have leaves above
    /// the height limit (all-constant nodes and single rows) as well as at it.
    static func awkwardMatrix(rows: Int, seed: UInt64) -> FeatureMatrix {
        var random = Xoshiro256StarStar(seed: seed, stream: 7)
        var values: [Double] = []
        for row in 0..<rows {
            if row % 5 == 4 {
                values += values[(values.count - 4)...]
                continue
            }
            values += [random.nextUnit() * 10 - 5, 2, Double(random.next(below: 2)), (random.nextUnit() - 0.5) * 1e6]
        }
        return FeatureMatrix(rowCount: rows, columnCount: 4, values: values)
    }

    @Test("the flat layout scores exactly as walking the grown trees", arguments: [(100, 7), (256, 9), (37, 11)])
    func matchesReference(sampleSize: Int, seed: UInt64) throws {
        let training = Self.awkwardMatrix(rows: 400, seed: seed)
        let parameters = IsolationForest.Parameters(trees: 25, sampleSize: sampleSize, seed: seed)
        let trees = IsolationForest.growTrees(training, parameters: parameters, threads: 2)
        let forest = try IsolationForest.fit(training, parameters: parameters)
        #expect(forest == IsolationForest(trees: trees, featureCount: 4, parameters: parameters, sampleSize: min(sampleSize, 400)))
        // Some leaves must sit above the bottom level for this test to mean anything.
        #expect(trees.contains { tree in tree.nodes.contains { $0.isLeaf && $0.depth < forest.heightLimit } })

        // Scored rows: the training rows, fresh ones, and rows with NaN and infinities (NaN always goes left).
        var probe = training.values + Self.awkwardMatrix(rows: 203, seed: seed + 100).values
        probe += [.nan, .nan, .nan, .nan, .infinity, -.infinity, .nan, 1, -.infinity, .infinity, 0, -0.0]
        let matrix = FeatureMatrix(rowCount: probe.count / 4, columnCount: 4, values: probe)
        let reference = IsolationForest.referenceScores(of: matrix, trees: trees, forest: forest)
        let fast = forest.score(matrix)
        // The first differing row, rather than two long arrays, if they ever differ.
        #expect(fast.indices.first { fast[$0].bitPattern != reference[$0].bitPattern } == nil)
        #expect(forest.score(matrix, threads: 2) == fast)
        #expect(reference.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test("grown trees respect the height limit and account for every sampled row")
    func treeShape() {
        let training = Self.awkwardMatrix(rows: 300, seed: 5)
        let trees = IsolationForest.growTrees(training, parameters: .init(trees: 10, sampleSize: 200, seed: 5), threads: 1)
        for tree in trees {
            let leaves = tree.nodes.filter(\.isLeaf)
            #expect(leaves.reduce(0) { $0 + $1.size } == 200)
            #expect(leaves.allSatisfy { $0.depth <= 8 && $0.pathLength == Double($0.depth) + AveragePathLength.c($0.size) })
            for node in tree.nodes where !node.isLeaf {
                #expect(tree.nodes[node.left].size + tree.nodes[node.right].size == node.size)
                #expect(node.threshold.isFinite)
            }
        }
    }
}
