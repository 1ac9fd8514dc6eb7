import Archive
import Settings
import Testing

@Suite("Archive limits read from the environment")
struct ArchiveLimitsSettingsTests {
    @Test("each NOMALY_ARCHIVE_* variable sets its limit; unset ones keep the defaults")
    func reads() {
        var reader = SettingsReader(Environment(["NOMALY_ARCHIVE_MAX_BYTES": "2GiB", "NOMALY_ARCHIVE_MAX_ENTRIES": "500"]))
        let limits = ArchiveLimits(reader: &reader)
        #expect(reader.problems.isEmpty)
        #expect(limits.maxTotalBytes == 2 << 30)
        #expect(limits.maxEntries == 500)
        #expect(limits.maxEntryBytes == ArchiveLimits().maxEntryBytes)
        #expect(limits.maxCompressionRatio == ArchiveLimits().maxCompressionRatio)
    }

    @Test("invalid values are reported by their variable, in reading order, and keep the defaults")
    func problems() {
        var reader = SettingsReader(Environment(["NOMALY_ARCHIVE_MAX_RATIO": "1", "NOMALY_ARCHIVE_MAX_ENTRY_BYTES": "lots"]))
        let limits = ArchiveLimits(reader: &reader)
        #expect(reader.problems.map(\.variable) == ["NOMALY_ARCHIVE_MAX_ENTRY_BYTES", "NOMALY_ARCHIVE_MAX_RATIO"])
        #expect(limits == ArchiveLimits())
    }
}
