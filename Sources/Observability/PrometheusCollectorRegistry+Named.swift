package import Prometheus

extension PrometheusCollectorRegistry {
    /// The gauge with this full name and labels, created on first use. swift-prometheus deprecated naming metrics by
    /// their full name in favour of namespace/subsystem/unit parts; ours are written whole (`nomaly_db_pool_waiting`),
    /// so the name goes in `metricName` and the other parts stay empty, which yields the same name.
    package func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// The counter with this full name and labels, created on first use (see ``gauge(_:labels:help:)``).
    package func counter(_ name: String, labels: [(String, String)] = [], help: String) -> Counter {
        makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// The duration histogram with this full name, labels and buckets, created on first use (see ``gauge(_:labels:help:)``).
    package func durationHistogram(_ name: String, labels: [(String, String)] = [], buckets: [Duration], help: String) -> DurationHistogram {
        makeDurationHistogram(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels, buckets: buckets)
    }
}
