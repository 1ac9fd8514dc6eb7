/// Bytes that arrive in order from something a path cannot reopen: an object being downloaded, a pipe another
/// component owns. ``CSVFileSource/init(source:name:format:selection:missing:medians:)`` reads CSV from one as it
/// arrives, plain or gzip-compressed, so a large input never has to be copied to disk first.
///
/// ```swift
/// final class Bytes: ByteSource {
///     var rest: [UInt8]
///     init(_ bytes: [UInt8]) { rest = bytes }
///     func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
///         let count = min(buffer.count, rest.count)
///         buffer.copyBytes(from: rest.prefix(count))
///         rest.removeFirst(count)
///         return count
///     }
/// }
/// ```
///
/// Invariant: one reader at a time, on a thread that may block.
package protocol ByteSource: AnyObject, Sendable {
    /// Copies the next bytes into the start of `buffer`. Blocking.
    /// - Returns: how many; 0 only at the end of the input.
    /// - Throws: the source's own error (a failed or oversized download); it reaches the reader unchanged.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}
