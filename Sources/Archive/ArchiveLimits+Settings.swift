package import Settings

extension ArchiveLimits {
    /// `NOMALY_ARCHIVE_MAX_BYTES`, `…_MAX_ENTRY_BYTES`, `…_MAX_ENTRIES` and `…_MAX_RATIO`: what extracting an artifact or
    /// backup tarball may expand to; each unset or invalid one keeps its default, and the problem goes into `reader`.
    package init(reader: inout SettingsReader) {
        self.init()
        maxTotalBytes = reader.byteSize("NOMALY_ARCHIVE_MAX_BYTES", default: maxTotalBytes)
        maxEntryBytes = reader.byteSize("NOMALY_ARCHIVE_MAX_ENTRY_BYTES", default: maxEntryBytes)
        maxEntries = reader.integer("NOMALY_ARCHIVE_MAX_ENTRIES", default: maxEntries, range: 1...100_000_000)
        maxCompressionRatio = Double(
            reader.integer("NOMALY_ARCHIVE_MAX_RATIO", default: Int(maxCompressionRatio), range: 2...1_000_000)
        )
    }
}
