package import Prometheus

/// Records `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}`, the
/// names the deployment guide's `HighErrorRate` and `HighLatency` alert rules query.
///
/// `route` must be a route pattern (`/api/v1/models/{name}`), never a raw path, so the number of series stays
/// bounded; requests that matched no route use ``unmatchedRoute``.
///
/// ```swift
/// let metrics = HTTPMetrics(registry: NomalyMetrics.bootstrap())
/// metrics.record(method: "GET", route: "/health", status: 200, duration: .milliseconds(3))
/// ```
package struct HTTPMetrics: Sendable {
    /// The Prometheus registry type, named here so callers need not import Prometheus.
    package typealias Registry = PrometheusCollectorRegistry

    /// The `route` label of requests that matched no route.
    package static let unmatchedRoute = "unmatched"
    static let requestsName = "http_requests_total"
    static let requestsHelp = "HTTP requests answered, by method, route pattern and status code."
    static let durationName = "http_request_duration_seconds"
    static let durationHelp = "Time to answer an HTTP request, by method and route pattern."

    package let registry: PrometheusCollectorRegistry

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Counts one answered request and observes its duration.
    /// - Parameters:
    ///   - method: the request method, e.g. `GET`.
    ///   - route: the matched route pattern, or ``unmatchedRoute``.
    ///   - status: the response status code, e.g. 404.
    ///   - duration: from the request's arrival to its response.
    package func record(method: String, route: String, status: Int, duration: Duration) {
        registry.counter(
            Self.requestsName,
            labels: [("method", method), ("route", route), ("status", String(status))],
            help: Self.requestsHelp
        )
        .increment()
        registry.durationHistogram(
            Self.durationName,
            labels: [("method", method), ("route", route)],
            buckets: NomalyMetrics.httpDurationBuckets,
            help: Self.durationHelp
        )
        .record(duration)
    }
}
