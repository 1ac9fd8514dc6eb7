import Testing

@testable import Datasets

@Suite("Dataset: loading for fitting, medians, column summaries")
struct DatasetTests {
    @Test("load reads every row with ids and labels")
    func load() throws {
        let files = try ScratchFiles()
        let path = try files.write("d.csv", "id,a,b,y\nr1,1,2,0\nr2,3,4,1\nr3,5,6,0\n")
        let data = try Dataset.load(csv: path, selection: .init(id: "id", label: "y"))
        #expect(data.featureNames == ["a", "b"])
        #expect(data.rowCount == 3)
        #expect(data.features == [1, 2, 3, 4, 5, 6])
        #expect(data.ids == ["r1", "r2", "r3"])
        #expect(data.labels == [0, 1, 0])
        #expect(data.medians == nil)
        #expect(data.skippedRows == 0)
        #expect(data.idColumn == "id")
        #expect(data.labelColumn == "y")
        #expect(Array(data.row(1)) == [3, 4])
    }

    @Test("impute-median fills each column with the median of its present values and reports them")
    func imputeMedians() throws {
        let files = try ScratchFiles()
        // a: 1, 9, 5 present → median 5; b: 10, 40, 20, 30 present → median 25 (mean of the middle two).
        let path = try files.write("d.csv", "a,b\n1,10\n,40\n9,NaN\n5,20\nnull,30\n")
        let data = try Dataset.load(csv: path, missing: .imputeMedian)
        #expect(data.medians == [5, 25])
        #expect(data.features == [1, 10, 5, 40, 9, 25, 5, 20, 5, 30])
        #expect(data.skippedRows == 0)
    }

    @Test("skip reports dropped rows; error stops at the first missing cell")
    func otherPolicies() throws {
        let files = try ScratchFiles()
        let path = try files.write("d.csv", "a,b\n1,2\n,4\n5,6\n")
        let skipped = try Dataset.load(csv: path, missing: .skip)
        #expect(skipped.rowCount == 2)
        #expect(skipped.skippedRows == 1)
        #expect(skipped.features == [1, 2, 5, 6])
        #expect(throws: DatasetError.self) { try Dataset.load(csv: path) }
    }

    @Test("a column with no value at all has no median")
    func allMissing() throws {
        let files = try ScratchFiles()
        let path = try files.write("d.csv", "a,b\n1,\n2,NA\n")
        let error = try #require(throws: DatasetError.self) { try Dataset.load(csv: path, missing: .imputeMedian) }
        #expect(
            error.description == "\(path): column \"b\" has no values at all, so there is no median to fill it with; leave it out of the features"
        )
    }

    @Test("a header-only file loads as zero rows")
    func headerOnly() throws {
        let files = try ScratchFiles()
        let path = try files.write("d.csv", "a,b\n")
        let data = try Dataset.load(csv: path, missing: .imputeMedian)
        #expect(data.rowCount == 0)
        #expect(data.features.isEmpty)
        #expect(data.featureNames == ["a", "b"])
        #expect(data.medians == nil)
        #expect(data.columnSummaries().map(\.count) == [0, 0])
    }

    @Test("column summaries: count, min, max, mean, median, ignoring NaN")
    func summaries() {
        let data = Dataset(featureNames: ["a", "b"], rowCount: 4, features: [4, .nan, -1, 2, 3, 8, 10, 4])
        let summaries = data.columnSummaries()
        #expect(summaries[0] == ColumnSummary(name: "a", count: 4, min: -1, max: 10, mean: 4, median: 3.5))
        #expect(summaries[1] == ColumnSummary(name: "b", count: 3, min: 2, max: 8, mean: 14.0 / 3, median: 4))
    }

    @Test("medians by selection agree with sorting, duplicates and all")
    func medianProperty() {
        var random = SeededGenerator(state: 5)
        for _ in 0..<500 {
            let count = Int.random(in: 1...200, using: &random)
            let spread = Int.random(in: 1...50, using: &random)
            var values = (0..<count).map { _ in Double(Int.random(in: 0...spread, using: &random)) }
            if Bool.random(using: &random) { values.sort() }
            let sorted = values.sorted()
            let expected = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
            #expect(values.withUnsafeMutableBufferPointer { medianReordering($0) } == expected)
        }
    }
}
