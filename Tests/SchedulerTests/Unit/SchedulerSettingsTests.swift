import Scheduler
import Settings
import Testing

@Suite("The scheduler's settings read from the environment")
struct SchedulerSettingsTests {
    @Test("WORKERS, NOMALY_LEASE_DURATION and NOMALY_SHUTDOWN_GRACE set their values; unset ones keep the defaults")
    func reads() {
        var reader = SettingsReader(Environment(["WORKERS": "12", "NOMALY_SHUTDOWN_GRACE": "2m"]))
        let configuration = SchedulerConfiguration(reader: &reader)
        #expect(reader.problems.isEmpty)
        #expect(configuration.workers == 12)
        #expect(configuration.shutdownGrace == .seconds(120))
        #expect(configuration.leaseDuration == SchedulerConfiguration().leaseDuration)
    }

    @Test("invalid values are reported by their variable, in reading order, and keep the defaults")
    func problems() {
        var reader = SettingsReader(Environment(["WORKERS": "0", "NOMALY_LEASE_DURATION": "forever"]))
        let configuration = SchedulerConfiguration(reader: &reader)
        #expect(reader.problems.map(\.variable) == ["WORKERS", "NOMALY_LEASE_DURATION"])
        #expect(configuration.workers == SchedulerConfiguration().workers)
        #expect(configuration.leaseDuration == SchedulerConfiguration().leaseDuration)
    }
}
