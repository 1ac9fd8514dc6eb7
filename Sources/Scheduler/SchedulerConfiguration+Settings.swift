package import Settings

extension SchedulerConfiguration {
    /// `WORKERS`, `NOMALY_LEASE_DURATION` and `NOMALY_SHUTDOWN_GRACE` (docs/configuration.md); each unset or invalid
    /// one keeps its default, and the problem goes into `reader`. The replica's id is generated as by ``init(replicaID:)``.
    package init(reader: inout SettingsReader) {
        self.init()
        workers = reader.integer("WORKERS", default: workers, range: 1...1000)
        leaseDuration = reader.duration("NOMALY_LEASE_DURATION", default: leaseDuration)
        shutdownGrace = reader.duration("NOMALY_SHUTDOWN_GRACE", default: shutdownGrace)
    }
}
