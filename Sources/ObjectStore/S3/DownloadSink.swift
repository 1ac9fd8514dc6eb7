import FileSystem

/// Where the body of a successful download goes: a file being written (``OutputFile``), or a reader waiting for the
/// bytes as they arrive (``ObjectReadStream``).
///
/// Invariant: used by one transfer at a time, on the thread that runs it; every method is blocking.
protocol DownloadSink: AnyObject {
    /// Called once per answer, before its first body byte, with its status and headers (names in lower case).
    /// Throwing stops the transfer with that error.
    func start(status: Int, headers: [String: String]) throws

    /// Takes the next body bytes. Throwing stops the transfer with that error.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension OutputFile: DownloadSink {
    func start(status: Int, headers: [String: String]) {}
}
