import Foundation
import Testing

@testable import Observability

@Suite("Process metrics from /proc/self")
struct ProcessSampleTests {
    @Test("/proc/self/stat fields are counted after the command name, which may hold spaces and parentheses")
    func parseStat() {
        let line =
            "4242 (nomaly (serve) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 9 0 123456 987654321 2048 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let fields = ProcessSample.parseStat(line)
        #expect(
            fields == .init(userTicks: 250, systemTicks: 75, startTicks: 123_456, virtualBytes: 987_654_321, residentPages: 2048)
        )
        #expect(ProcessSample.parseStat("garbage") == nil)
    }

    @Test("boot time and the open-files limit")
    func parseSystemFiles() {
        #expect(ProcessSample.parseBootTime("cpu  1 2 3\nbtime 1764380000\nprocesses 9\n") == 1_764_380_000)
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max open files            1024                 524288               files
            """
        #expect(ProcessSample.parseMaxOpenFiles(limits) == 1024)
    }

    #if os(Linux)
    @Test("this process's sample has sane values")
    func currentSample() throws {
        let sample = try #require(ProcessSample.current())
        #expect(sample.residentMemoryBytes > 1_000_000)
        #expect(sample.virtualMemoryBytes >= sample.residentMemoryBytes)
        #expect(sample.cpuSeconds > 0)
        #expect(sample.openFileDescriptors >= 3)
        let now = Date().timeIntervalSince1970
        #expect(sample.startTimeSeconds <= now + 1)
        #expect(sample.startTimeSeconds > now - 86_400)
    }

    @Test("the process collector exposes the standard process metrics, the CPU counter only going up")
    func processCollector() async throws {
        let registry = NomalyMetrics.bootstrap()
        let collector = MetricsCollector.process(registry: registry)
        await collector.collect()
        let first = try #require(Self.value(of: "process_cpu_seconds_total", in: NomalyMetrics.exposition(of: registry)))
        // A second collector on the same registry must not count the CPU time again.
        await MetricsCollector.process(registry: registry).collect()
        let text = NomalyMetrics.exposition(of: registry)
        let second = try #require(Self.value(of: "process_cpu_seconds_total", in: text))
        #expect(second >= first)
        #expect(second < first + 5)
        #expect(try #require(Self.value(of: "process_resident_memory_bytes", in: text)) > 1_000_000)
        #expect(try #require(Self.value(of: "process_open_fds", in: text)) >= 3)
        #expect(try #require(Self.value(of: "process_start_time_seconds", in: text)) > 1_700_000_000)
    }
    #endif

    static func value(of name: String, in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}
