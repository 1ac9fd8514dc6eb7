import Metrics
import Observability
import Testing

@Suite("Prometheus bootstrap and HTTP metrics")
struct NomalyMetricsTests {
    @Test("bootstrap twice returns the same registry instead of trapping")
    func bootstrapTwice() {
        let first = NomalyMetrics.bootstrap()
        let second = NomalyMetrics.bootstrap()
        #expect(first === second)
    }

    @Test("swift-metrics instruments land in the bootstrapped registry, job timers with long buckets")
    func swiftMetricsBackend() {
        let registry = NomalyMetrics.bootstrap()
        Counter(label: "nomaly_job_runs_total", dimensions: [("job", "bootstrap-test"), ("status", "succeeded")]).increment()
        Timer(label: "nomaly_job_run_duration_seconds", dimensions: [("job", "bootstrap-test")]).recordSeconds(90)
        let text = NomalyMetrics.exposition(of: registry)
        #expect(text.contains(#"nomaly_job_runs_total{job="bootstrap-test",status="succeeded"} 1"#))
        #expect(text.contains(#"nomaly_job_run_duration_seconds_bucket{job="bootstrap-test",le="21600.0"} 1"#))
    }

    @Test("a request counts under its method, route and status, and its duration under method and route")
    func httpMetrics() {
        let registry = NomalyMetrics.bootstrap()
        let metrics = HTTPMetrics(registry: registry)
        metrics.record(method: "GET", route: "/observability-test/{id}", status: 404, duration: .milliseconds(7))
        metrics.record(method: "GET", route: "/observability-test/{id}", status: 404, duration: .milliseconds(20))
        let text = NomalyMetrics.exposition(of: registry)
        #expect(text.contains(#"http_requests_total{method="GET",route="/observability-test/{id}",status="404"} 2"#))
        #expect(text.contains(#"http_request_duration_seconds_bucket{method="GET",route="/observability-test/{id}",le="0.005"} 0"#))
        #expect(text.contains(#"http_request_duration_seconds_bucket{method="GET",route="/observability-test/{id}",le="0.01"} 1"#))
        #expect(text.contains(#"http_request_duration_seconds_bucket{method="GET",route="/observability-test/{id}",le="10.0"} 2"#))
        #expect(text.contains(#"http_request_duration_seconds_count{method="GET",route="/observability-test/{id}"} 2"#))
    }
}
