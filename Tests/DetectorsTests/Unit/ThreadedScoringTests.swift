import Synchronization
import Testing

@testable import Detectors

@Suite("Scoring across threads")
struct ThreadedScoringTests {
    @Test("scores do not depend on the thread count or on chunking into reused buffers")
    func threadCountIndependence() throws {
        // Enough rows (three 8,192-row tasks) that two and three threads really split the work.
        let matrix = TestData.normal(rows: 20_000, columns: 2, seed: 30)
        let forest = try IsolationForest.fit(matrix, parameters: .init(trees: 8, sampleSize: 64, seed: 3))
        let ecod = try ECOD.fit(matrix)
        for detector in [forest, ecod] as [any AnomalyDetector] {
            let single = detector.score(matrix)
            #expect(detector.score(matrix, threads: 2) == single)
            #expect(detector.score(matrix, threads: 3) == single)

            // Stream 9,000-row chunks through one reused output buffer.
            var chunked: [Double] = []
            var buffer = [Double](repeating: 0, count: 9_000)
            matrix.values.withUnsafeBufferPointer { values in
                buffer.withUnsafeMutableBufferPointer { output in
                    for start in stride(from: 0, to: matrix.rowCount, by: 9_000) {
                        let rows = min(9_000, matrix.rowCount - start)
                        detector.score(
                            rows: UnsafeBufferPointer(rebasing: values[(start * 2)..<((start + rows) * 2)]),
                            into: UnsafeMutableBufferPointer(rebasing: output[0..<rows]),
                            threads: 2
                        )
                        chunked += output[0..<rows]
                    }
                }
            }
            #expect(chunked == single)
        }
    }

    @Test("work is cut into ranges that cover every element once")
    func ranges() {
        #expect((0..<3).map { ParallelWork.range($0, chunk: 4, count: 10) } == [0..<4, 4..<8, 8..<10])
        let seen = Mutex<[Int]>([])
        ParallelWork.forEachRange(count: 1_000, chunk: 7, threads: 3) { range in
            seen.withLock { $0 += range }
        }
        #expect(seen.withLock { $0.sorted() } == Array(0..<1_000))
    }

    @Test("no rows score to no scores, whatever the thread count")
    func empty() throws {
        let forest = try IsolationForest.fit(TestData.normal(rows: 10, columns: 2, seed: 1), parameters: .init(trees: 2))
        #expect(forest.score(FeatureMatrix(rowCount: 0, columnCount: 2, values: []), threads: 4) == [])
    }
}
