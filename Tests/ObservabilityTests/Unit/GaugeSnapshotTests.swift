import Observability
import Prometheus
import Testing

@Suite("GaugeSnapshot: series of one read, kept through a blip, dropped when reads keep failing")
struct GaugeSnapshotTests {
    func exposition(_ registry: PrometheusCollectorRegistry) -> String { NomalyMetrics.exposition(of: registry) }

    @Test("a series not set again is dropped; failed reads keep the rest until too many fail in a row")
    func staleSeries() {
        let registry = PrometheusCollectorRegistry()
        let snapshot = GaugeSnapshot(registry: registry)
        func sample(_ job: String) -> GaugeSnapshot.Sample { .init(name: "snapshot_test", labels: [("job", job)], help: "test", value: 1) }

        snapshot.publish([sample("a"), sample("b")])
        snapshot.publish([sample("a")])
        #expect(exposition(registry).contains(#"snapshot_test{job="a"}"#))
        #expect(!exposition(registry).contains(#"snapshot_test{job="b"}"#))

        for _ in 1..<GaugeSnapshot.staleAfterFailedReads { snapshot.readFailed() }
        #expect(exposition(registry).contains(#"snapshot_test{job="a"}"#), "a blip keeps the series")
        // A successful read in between starts the count again.
        snapshot.publish([sample("a")])
        for _ in 1..<GaugeSnapshot.staleAfterFailedReads { snapshot.readFailed() }
        #expect(exposition(registry).contains(#"snapshot_test{job="a"}"#))
        snapshot.readFailed()
        #expect(!exposition(registry).contains("snapshot_test{"), "\(GaugeSnapshot.staleAfterFailedReads) failures in a row drop it")
    }
}
