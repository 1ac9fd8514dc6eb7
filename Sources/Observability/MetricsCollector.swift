package import Prometheus
import Synchronization

/// Work done just before each scrape of `/metrics`: reads a value that is cheaper to sample than to track (pool
/// sizes, process memory) and sets gauges in the registry. Collectors that read another module's state are declared
/// beside what they read (Maintenance: the database pool and the backup catalog; AdminAPI: jobs, models, readiness),
/// so this module depends on no store.
///
/// ```swift
/// let endpoint = MetricsEndpoint(registry: registry, collectors: [.process(registry: registry), .databasePool(pool, registry: registry)])
/// ```
package struct MetricsCollector: Sendable {
    package let name: String
    package let collect: @Sendable () async -> Void

    package init(name: String, collect: @escaping @Sendable () async -> Void) {
        self.name = name
        self.collect = collect
    }
}

extension MetricsCollector {
    /// The standard `process_*` metrics (resident memory, CPU seconds, open descriptors, start time), read from
    /// `/proc/self` on Linux. Elsewhere the collector does nothing.
    package static func process(registry: PrometheusCollectorRegistry) -> MetricsCollector {
        let memory = registry.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.")
        let virtualMemory = registry.gauge("process_virtual_memory_bytes", help: "Virtual memory size in bytes.")
        let cpu = registry.counter("process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.")
        let descriptors = registry.gauge("process_open_fds", help: "Number of open file descriptors.")
        let maxDescriptors = registry.gauge("process_max_fds", help: "Maximum number of open file descriptors.")
        let start = registry.gauge(
            "process_start_time_seconds",
            help: "Start time of the process since unix epoch in seconds."
        )
        let registryID = ObjectIdentifier(registry)
        return MetricsCollector(name: "process") {
            guard let sample = ProcessSample.current() else { return }
            memory.set(Double(sample.residentMemoryBytes))
            virtualMemory.set(Double(sample.virtualMemoryBytes))
            // The counter only goes up: add the CPU time used since the previous scrape.
            cpu.increment(by: CPUCounted.advance(registryID, to: sample.cpuSeconds))
            descriptors.set(Double(sample.openFileDescriptors))
            if let limit = sample.maxFileDescriptors { maxDescriptors.set(Double(limit)) }
            start.set(sample.startTimeSeconds)
        }
    }
}
