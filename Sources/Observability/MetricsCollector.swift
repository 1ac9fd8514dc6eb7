public import Postgres
public import Prometheus
import Synchronization

/// Work done just before each scrape of `/metrics`: reads a value that is cheaper to sample than to track (pool
/// sizes, process memory) and sets gauges in the registry.
///
/// ```swift
/// let endpoint = MetricsEndpoint(registry: registry, collectors: [.process(registry: registry), .databasePool(pool, registry: registry)])
/// ```
public struct MetricsCollector: Sendable {
    public let name: String
    public let collect: @Sendable () async -> Void

    public init(name: String, collect: @escaping @Sendable () async -> Void) {
        self.name = name
        self.collect = collect
    }
}

extension MetricsCollector {
    /// `nomaly_db_pool_connections{state="in_use"|"idle"}`, `nomaly_db_pool_waiting`,
    /// `nomaly_db_pool_max_connections` and `nomaly_db_pool_wait_seconds_total` (whose rate is the average number of
    /// callers waiting: what a saturation alert needs, since a momentary `waiting` reads 0 at some scrape of even
    /// a busy pool), from ``PostgresPool/statistics()``.
    public static func databasePool(_ pool: PostgresPool, registry: PrometheusCollectorRegistry) -> MetricsCollector {
        let connectionsHelp = "Database connections open in the pool, by state."
        let inUse = registry.gauge("nomaly_db_pool_connections", labels: [("state", "in_use")], help: connectionsHelp)
        let idle = registry.gauge("nomaly_db_pool_connections", labels: [("state", "idle")], help: connectionsHelp)
        let waiting = registry.gauge("nomaly_db_pool_waiting", help: "Callers waiting for a database connection.")
        let maximum = registry.gauge("nomaly_db_pool_max_connections", help: "The pool's connection limit.")
        let waited = registry.counter(
            "nomaly_db_pool_wait_seconds_total",
            help: "Seconds callers spent waiting for a pooled connection, summed over callers."
        )
        let counted = Mutex(0.0)
        return MetricsCollector(name: "database_pool") {
            let statistics = await pool.statistics()
            // The counter only goes up: add what the pool reports beyond the previous scrape.
            waited.increment(
                by: counted.withLock { previous in
                    defer { previous = max(previous, statistics.waitedSeconds) }
                    return max(0, statistics.waitedSeconds - previous)
                }
            )
            inUse.set(Double(statistics.open - statistics.idle))
            idle.set(Double(statistics.idle))
            waiting.set(Double(statistics.waiting))
            maximum.set(Double(statistics.maximum))
        }
    }

    /// The standard `process_*` metrics (resident memory, CPU seconds, open descriptors, start time), read from
    /// `/proc/self` on Linux. Elsewhere the collector does nothing.
    public static func process(registry: PrometheusCollectorRegistry) -> MetricsCollector {
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
