import Metrics

/// Rows scored and anomalies found, per model and per path (`api` for the scoring endpoints, `job` for score runs),
/// through swift-metrics: Prometheus in `nomaly serve`, nothing in the CLI. Their ratio over a window is the live
/// anomaly rate dashboards compare with the rate the model was trained for.
package enum ScoringMetrics {
    package static func record(model: String, rows: Int, anomalies: Int, source: String) {
        let dimensions = [("model", model), ("source", source)]
        Counter(label: "nomaly_rows_scored_total", dimensions: dimensions).increment(by: rows)
        Counter(label: "nomaly_anomalies_total", dimensions: dimensions).increment(by: anomalies)
    }
}
