import Testing

@testable import Detectors

@Suite("Seeded random numbers")
struct RandomSourceTests {
    @Test("xoshiro256** and SplitMix64 match their reference implementations")
    func referenceOutputs() {
        var xoshiro = Xoshiro256StarStar(state: (1, 2, 3, 4))
        #expect((0..<4).map { _ in xoshiro.next() } == [11_520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
        var splitMix = SplitMix64(state: 0)
        #expect(splitMix.next() == 0xE220_A839_7B1D_CDAF)
        #expect(splitMix.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test("bounded draws stay in range and cover it; streams of one seed differ")
    func boundedDraws() {
        var random = Xoshiro256StarStar(seed: 5, stream: 0)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let value = random.next(below: 7)
            #expect((0..<7).contains(value))
            seen.insert(value)
            let unit = random.nextUnit()
            #expect(unit >= 0 && unit < 1)
        }
        #expect(seen.count == 7)
        var a = Xoshiro256StarStar(seed: 5, stream: 0)
        var b = Xoshiro256StarStar(seed: 5, stream: 1)
        #expect(a.next() != b.next())
    }

    @Test("Floyd's sampling draws distinct rows in range, all of them when the sample is the whole")
    func sampling() {
        var random = Xoshiro256StarStar(seed: 1, stream: 0)
        let rows = IsolationForest.sampleRows(count: 256, from: 1_000_000_000, random: &random)
        #expect(rows.count == 256)
        #expect(Set(rows).count == 256)
        #expect(rows.allSatisfy { (0..<1_000_000_000).contains($0) })
        let all = IsolationForest.sampleRows(count: 50, from: 50, random: &random)
        #expect(all.sorted() == Array(0..<50))
    }
}
