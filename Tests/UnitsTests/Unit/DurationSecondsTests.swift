import Testing
import Units

@Suite("Durations as numbers")
struct DurationSecondsTests {
    @Test(
        "seconds with their fraction, to the bit of whole seconds plus attoseconds / 1e18",
        arguments: [
            Duration.zero, .seconds(90), .milliseconds(1500), .nanoseconds(1), .nanoseconds(-1_500_000_001), .seconds(-3),
            .seconds(86_400 * 365 * 100) + .nanoseconds(123_456_789), Duration(secondsComponent: 12, attosecondsComponent: 999_999_999_999_999_999),
        ]
    )
    func inSeconds(duration: Duration) {
        let expected = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        #expect(duration.inSeconds.bitPattern == expected.bitPattern)
    }

    @Test("known values in seconds")
    func knownSeconds() {
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
        #expect(Duration.seconds(-2).inSeconds == -2)
        #expect(Duration.nanoseconds(250).inSeconds == 2.5e-7)
    }

    @Test(
        "whole milliseconds, the rest dropped toward zero",
        arguments: [
            (Duration.zero, Int64(0)), (.microseconds(2_999), 2), (.seconds(3), 3000), (.milliseconds(-1500), -1500),
            (.microseconds(-2_999), -2), (.seconds(9_000_000_000_000), 9_000_000_000_000_000),
        ]
    )
    func inMilliseconds(duration: Duration, expected: Int64) {
        #expect(duration.inMilliseconds == expected)
    }

    @Test(
        "seconds rounded to the nearest millisecond",
        arguments: [
            (0.0, Duration.zero), (1.5, .milliseconds(1500)), (2.0004, .milliseconds(2000)), (1.9996, .milliseconds(2000)),
            (-0.0006, .milliseconds(-1)), (-0.25, .milliseconds(-250)), (3_153_600_000, .seconds(3_153_600_000)),
        ]
    )
    func roundedToMilliseconds(seconds: Double, expected: Duration) {
        #expect(Duration(secondsRoundedToMilliseconds: seconds) == expected)
    }

    @Test("numbers that do not fit are refused instead of trapping", arguments: [Double.infinity, -.infinity, .nan, 1e16, -1e16, 1e300])
    func roundedOutOfRange(seconds: Double) {
        #expect(Duration(secondsRoundedToMilliseconds: seconds) == nil)
    }

    @Test("the round trip through seconds keeps millisecond durations")
    func roundTrip() {
        for milliseconds in [Int64(0), 1, 999, 1500, 86_400_000, 3_153_600_000_000] {
            let duration = Duration.milliseconds(milliseconds)
            #expect(Duration(secondsRoundedToMilliseconds: duration.inSeconds) == duration)
        }
    }
}
