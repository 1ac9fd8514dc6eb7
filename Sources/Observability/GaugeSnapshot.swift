package import Prometheus
import Synchronization

/// The gauges a collector sets from one fresh read per scrape. Series it did not set this time are unregistered, so
/// a deleted model, a moved alias or a removed job stops reporting instead of repeating its last value forever.
///
/// A read that fails keeps the previous series (a blip must not reset an alert's `for:`), until
/// ``staleAfterFailedReads`` fail in a row: then they are dropped, because rules take `max by (…)` over replicas
/// and one replica that cannot read would otherwise pin a stale value for the whole fleet.
///
/// ```swift
/// let snapshot = GaugeSnapshot(registry: registry)
/// snapshot.publish([.init(name: "nomaly_model_versions", labels: [("model", "fraud")], help: "…", value: 3)])
/// ```
package final class GaugeSnapshot: Sendable {
    package struct Sample: Sendable {
        package let name: String
        package let labels: [(String, String)]
        package let help: String
        package let value: Double

        package init(name: String, labels: [(String, String)], help: String, value: Double) {
            self.name = name
            self.labels = labels
            self.help = help
            self.value = value
        }

        var key: String { ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1F}") }
    }

    /// How many reads in a row may fail before the series are dropped.
    package static let staleAfterFailedReads = 3

    private let registry: PrometheusCollectorRegistry
    private let published = Mutex<[String: Gauge]>([:])
    private let failedReads = Mutex(0)

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Sets every sample's gauge, and unregisters the gauges of the previous call that are not among them.
    package func publish(_ samples: [Sample]) {
        failedReads.withLock { $0 = 0 }
        var current: [String: Gauge] = [:]
        for sample in samples {
            let gauge = registry.gauge(sample.name, labels: sample.labels, help: sample.help)
            gauge.set(sample.value)
            current[sample.key] = gauge
        }
        let gone = published.withLock { published in
            defer { published = current }
            return published.filter { current[$0.key] == nil }.map(\.value)
        }
        for gauge in gone { registry.unregisterGauge(gauge) }
    }

    /// Records a read that failed; the ``staleAfterFailedReads``th in a row drops every series.
    package func readFailed() {
        let failed = failedReads.withLock { count in
            count += 1
            return count
        }
        if failed >= Self.staleAfterFailedReads { publish([]) }
    }
}
