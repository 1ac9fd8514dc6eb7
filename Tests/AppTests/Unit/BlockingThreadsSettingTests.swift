import App
import FileSystem
import Foundation
import Settings
import Testing

@Suite("NOMALY_BLOCKING_THREADS")
struct BlockingThreadsSettingTests {
    func configuration(_ variables: [String: String]) throws(ConfigurationError) -> NomalyConfiguration {
        try NomalyConfiguration(environment: Environment(variables), workingDirectory: "/srv/nomaly")
    }

    @Test("unset: a thread per worker, per database connection and per core; set: as given")
    func parsed() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(try configuration([:]).blockingWork.threads == 4 + 10 + cores)
        #expect(try configuration(["WORKERS": "8", "NOMALY_DB_POOL_SIZE": "20"]).blockingWork.threads == 8 + 20 + cores)
        #expect(try configuration(["NOMALY_BLOCKING_THREADS": "3"]).blockingWork.threads == 3)
    }

    @Test("no integer, or none in 1…1024, is refused by name", arguments: ["many", "0", "1025"])
    func refused(value: String) {
        let error = #expect(throws: ConfigurationError.self) { try configuration(["NOMALY_BLOCKING_THREADS": value]) }
        #expect(error?.problems.map(\.variable) == ["NOMALY_BLOCKING_THREADS"])
    }
}
