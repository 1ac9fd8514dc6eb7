package import Observability
package import Postgres
package import Prometheus
import Synchronization

extension MetricsCollector {
    /// `nomaly_db_pool_connections{state="in_use"|"idle"}`, `nomaly_db_pool_waiting`,
    /// `nomaly_db_pool_max_connections` and `nomaly_db_pool_wait_seconds_total` (whose rate is the average number of
    /// callers waiting: what a saturation alert needs, since a momentary `waiting` reads 0 at some scrape of even
    /// a busy pool), from ``PostgresPool/statistics()``.
    package static func databasePool(_ pool: PostgresPool, registry: PrometheusCollectorRegistry) -> MetricsCollector {
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
}
