import Testing
import Units

@Suite("Day numbers of proleptic Gregorian dates")
struct CivilDaysTests {
    @Test("civil dates convert both ways across centuries, leap days and years before 1970")
    func roundTrip() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let (year, month, day) = CivilDays.date(ofDay: days)
            #expect(CivilDays.days(year: year, month: month, day: day) == days)
        }
        #expect(CivilDays.days(year: 2024, month: 2, day: 29) == 19_782)
        #expect(CivilDays.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDays.date(ofDay: -1) == (1969, 12, 31))
        #expect(CivilDays.date(ofDay: 20_786) == (2026, 11, 29))
    }
}
