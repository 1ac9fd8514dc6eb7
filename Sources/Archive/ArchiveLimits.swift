/// Bounds that protect extraction from decompression bombs and entry floods.
///
/// The ratio check catches a bomb early: a gigabyte of zeros compresses about 1000:1, so it is refused
/// after `ratioGrace` bytes instead of after filling the disk.
public struct ArchiveLimits: Sendable, Equatable {
    /// Sum of all entries' uncompressed bytes.
    public var maxTotalBytes: Int64
    /// Uncompressed bytes of any one entry.
    public var maxEntryBytes: Int64
    /// Number of entries of any type.
    public var maxEntries: Int
    /// Uncompressed bytes per compressed byte read, checked once `ratioGrace` bytes were produced.
    public var maxCompressionRatio: Double
    public var ratioGrace: Int64

    public init(
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

    public static let `default` = ArchiveLimits()
}
