/// Bounds that protect extraction from decompression bombs and entry floods.
///
/// The ratio check catches a bomb early: a gigabyte of zeros compresses about 1000:1, so it is refused
/// after `ratioGrace` bytes instead of after filling the disk.
package struct ArchiveLimits: Sendable, Equatable {
    /// Sum of all entries' uncompressed bytes.
    package var maxTotalBytes: Int64
    /// Uncompressed bytes of any one entry.
    package var maxEntryBytes: Int64
    /// Number of entries of any type.
    package var maxEntries: Int
    /// Uncompressed bytes per compressed byte read, checked once `ratioGrace` bytes were produced.
    package var maxCompressionRatio: Double
    package var ratioGrace: Int64

    package init(
        maxTotalBytes: Int64 = 8 << 30,
        maxEntryBytes: Int64 = 4 << 30,
        maxEntries: Int = 100_000,
        maxCompressionRatio: Double = 200,
        ratioGrace: Int64 = 64 << 20
    ) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntryBytes = maxEntryBytes
        self.maxEntries = maxEntries
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioGrace = ratioGrace
    }

    package static let `default` = ArchiveLimits()
}
