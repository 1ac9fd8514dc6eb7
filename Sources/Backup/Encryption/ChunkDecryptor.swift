import Crypto
import Foundation

/// Decrypts and authenticates a stream written by ``ChunkEncryptor``, passing the plaintext to a sink.
///
/// Ciphertext may arrive in any slicing, down to one byte at a time. A chunk's plaintext reaches the sink only after
/// its tag verified, so a damaged or forged chunk never produces output; but the chunks before it already did, so a
/// caller writing a file must discard it when any call throws. The header is checked before any decryption: a file
/// encrypted with another key fails with ``EncryptionError/Code/wrongKey``, one written as another file or for another
/// set with ``EncryptionError/Code/misplaced``.
///
/// ```swift
/// let binding = SetFileBinding(setID: "20261203_010000", fileName: "database.dump")
/// let decryptor = ChunkDecryptor(key: key, expecting: binding) { plaintext in try output.write(plaintext) }
/// try block.withUnsafeBytes { try decryptor.update($0) }
/// try decryptor.finish()  // throws when the stream was truncated
/// ```
///
/// Invariant: one user at a time. After any thrown error the decryptor must be dropped.
package final class ChunkDecryptor {
    /// What the next bytes of the stream are.
    private enum State {
        case header
        case bindingLength
        case binding(length: Int)
        case recordHeader
        case recordBody(flag: UInt8, length: Int)
        case done
    }

    private let key: EncryptionKey
    private let expected: SetFileBinding?
    private var header: ChunkedCipher.Header?
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var state = State.header
    /// The start of a unit (header, record header or record body) split across calls; its capacity is reused.
    private var pending: [UInt8] = []
    private var parameters: ChunkedCipher.ChunkParameters?
    /// Chosen by the header's version.
    private var chunkKey: SymmetricKey?
    private var chunkSize = 0
    private var index: UInt64 = 0
    /// Stream offset of the first byte not yet consumed as part of a whole unit, for error messages.
    private var offset: Int64 = 0
    private var recordOffset: Int64 = 0
    private var finished = false
    /// Released only when the next chunk is open, so glibc does not trim and re-fault the heap for every chunk (see
    /// ``ChunkEncryptor``).
    private var previousPlaintext: Data?

    /// - Parameters:
    ///   - key: the key the stream must have been encrypted with.
    ///   - binding: the set and file name the stream must have been written as (encryption format 2); nil to read
    ///     only format 1, the unbound files of sets of manifest format 1.
    ///   - sink: receives the verified plaintext in order; the buffer is valid only during the call. Its errors are
    ///     rethrown unchanged from ``update(_:)``.
    package init(key: EncryptionKey, expecting binding: SetFileBinding?, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.key = key
        expected = binding
        self.sink = sink
    }

    /// Consumes the next ciphertext bytes, emitting the plaintext of every chunk they complete.
    ///
    /// - Throws: ``EncryptionError`` with `.format`, `.wrongKey`, `.misplaced` or `.corrupt` as soon as the bytes show
    ///   the problem, or the sink's error.
    package func update(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "ChunkDecryptor.update(_:) called after finish()")
        var input = bytes
        while !input.isEmpty {
            let needed = try bytesNeeded()
            if pending.isEmpty && input.count >= needed {
                // The whole unit is in the caller's buffer: no copy.
                try consume(UnsafeRawBufferPointer(rebasing: input[..<needed]))
                input = UnsafeRawBufferPointer(rebasing: input[needed...])
                continue
            }
            pending.reserveCapacity(needed)
            let count = min(needed - pending.count, input.count)
            pending.append(contentsOf: input[..<count])
            input = UnsafeRawBufferPointer(rebasing: input[count...])
            if pending.count == needed {
                try pending.withUnsafeBytes { try consume($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Checks that the stream ended with its final record.
    /// - Throws: ``EncryptionError/Code/corrupt`` when the stream is truncated, ``EncryptionError/Code/format`` when
    ///   it was too short to tell and does not start like an encrypted file.
    package func finish() throws(EncryptionError) {
        precondition(!finished, "ChunkDecryptor.finish() called twice")
        finished = true
        let end = offset + Int64(pending.count)
        switch state {
        case .done:
            return
        case .header:
            guard ChunkedCipher.magic.starts(with: pending.prefix(ChunkedCipher.magic.count)) else {
                throw EncryptionError(.format, "not a Nomaly encrypted file: it does not start with NOMALYENC1")
            }
            throw EncryptionError(.corrupt, "the encrypted file is truncated: it ends at byte \(end), inside its header")
        case .bindingLength, .binding:
            throw EncryptionError(.corrupt, "the encrypted file is truncated: it ends at byte \(end), inside its header")
        case .recordHeader, .recordBody:
            throw EncryptionError(
                .corrupt,
                "the encrypted file is truncated: it ends at byte \(end), inside or before chunk \(index), without its final record"
            )
        }
    }

    private func bytesNeeded() throws(EncryptionError) -> Int {
        switch state {
        case .header: ChunkedCipher.prefixSize
        case .bindingLength: ChunkedCipher.bindingLengthSize
        case .binding(let length): length
        case .recordHeader: ChunkedCipher.recordHeaderSize
        case .recordBody(_, let length): length + ChunkedCipher.tagSize
        case .done:
            throw EncryptionError(
                .corrupt,
                "unexpected data at byte \(offset), after the final record: the file was appended to or damaged"
            )
        }
    }

    /// Handles one whole unit of exactly ``bytesNeeded()`` bytes.
    private func consume(_ unit: UnsafeRawBufferPointer) throws {
        switch state {
        case .header:
            try readHeader(unit)
        case .bindingLength:
            state = .binding(length: try header!.appendBindingLength(unit))
        case .binding:
            header!.appendBinding(unit)
            try checkBinding()
        case .recordHeader:
            try readRecordHeader(unit)
        case .recordBody(let flag, let length):
            try open(unit, flag: flag, length: length)
        case .done:
            preconditionFailure("no unit follows the final record")
        }
        offset += Int64(unit.count)
    }

    private func readHeader(_ unit: UnsafeRawBufferPointer) throws(EncryptionError) {
        let header = try ChunkedCipher.Header(parsingPrefix: unit)
        guard header.keyID == key.idBytes else {
            throw EncryptionError(
                .wrongKey,
                "this file was encrypted with key \(ChunkedCipher.hex(header.keyID)); ENCRYPTION_KEY_FILE holds key \(key.id)"
            )
        }
        self.header = header
        switch (header.version, expected) {
        case (ChunkedCipher.legacyVersion, nil):
            start(header, key: key.legacyChunkKey)
        case (ChunkedCipher.legacyVersion, let expected?):
            throw EncryptionError(
                .misplaced,
                "this file has encryption format 1, which binds no file to its set, but \(expected) has format 2: it comes from a set made by an earlier Nomaly"
            )
        default:
            state = .bindingLength
        }
    }

    /// A version 2 header is complete: it must name the file the caller expects.
    private func checkBinding() throws(EncryptionError) {
        guard let found = header!.binding else {
            throw EncryptionError(.corrupt, "the encryption header is damaged: its set binding is not a set id and a file name")
        }
        guard let expected else {
            throw EncryptionError(
                .misplaced,
                "this file was written as \(found) (encryption format 2), but it is read as part of a format-1 set, whose files are not bound: the file or the manifest was replaced"
            )
        }
        guard found == expected else {
            throw EncryptionError(
                .misplaced,
                "this file was written as \(found), not as \(expected): it was copied from another set or renamed"
            )
        }
        start(header!, key: key.chunkKey)
    }

    private func start(_ header: ChunkedCipher.Header, key: SymmetricKey) {
        chunkKey = key
        parameters = ChunkedCipher.ChunkParameters(header: header)
        chunkSize = header.chunkSize
        state = .recordHeader
    }

    private func readRecordHeader(_ unit: UnsafeRawBufferPointer) throws(EncryptionError) {
        recordOffset = offset
        let flag = unit[0]
        let length = Int(unit[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let record = "chunk \(index) (record at byte \(recordOffset))"
        guard flag == ChunkedCipher.moreFlag || flag == ChunkedCipher.finalFlag else {
            throw EncryptionError(.corrupt, "\(record) has an invalid flag \(flag): the file is damaged")
        }
        guard flag == ChunkedCipher.finalFlag ? length <= chunkSize : length == chunkSize else {
            throw EncryptionError(.corrupt, "\(record) claims \(length) bytes in chunks of \(chunkSize): the file is damaged")
        }
        guard index <= ChunkedCipher.maximumChunkIndex else {
            throw EncryptionError(.format, "\(record) is beyond the format's 2^32 chunks: the file is damaged")
        }
        state = .recordBody(flag: flag, length: length)
    }

    private func open(_ unit: UnsafeRawBufferPointer, flag: UInt8, length: Int) throws {
        let nonce = parameters!.prepare(index: index, flag: flag)
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(
                nonce: nonce,
                ciphertext: UnsafeRawBufferPointer(rebasing: unit[..<length]),
                tag: UnsafeRawBufferPointer(rebasing: unit[length...])
            )
            plaintext = try AES.GCM.open(box, using: chunkKey!, authenticating: parameters!.associatedData)
        } catch {
            throw EncryptionError(
                .corrupt,
                "chunk \(index) (record at byte \(recordOffset)) failed authentication: the file is damaged, was modified, or its records were reordered"
            )
        }
        index += 1
        state = flag == ChunkedCipher.finalFlag ? .done : .recordHeader
        previousPlaintext = plaintext
        if !plaintext.isEmpty { try plaintext.withUnsafeBytes { try sink($0) } }
    }
}
