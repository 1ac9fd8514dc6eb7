import Backup
import Foundation
import Testing

/// Every kind of damage must fail loudly, and no plaintext of a damaged or missing chunk may reach the sink.
@Suite("ChunkDecryptor rejects damaged streams")
struct ChunkedCipherTamperTests {
    typealias Fixture = EncryptionFixture

    /// Three full records and a final one of 17 bytes: records at 31, 116, 201 and 286; 324 bytes in all.
    let plaintext = Fixture.bytes(3 * 64 + 17, seed: 11)
    let ciphertext: [UInt8]
    let records: [Range<Int>]

    init() throws {
        ciphertext = try Fixture.encrypt(plaintext)
        records = Fixture.records(of: ciphertext)
    }

    /// The record holding byte `position`, or 0 for the header.
    private func record(at position: Int) -> Int { records.firstIndex { $0.contains(position) } ?? 0 }

    private func expectRejected(
        _ damaged: [UInt8],
        codes: Set<EncryptionError.Code> = [.corrupt],
        goodChunks: Int,
        slice: Int = .max,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let attempt = Fixture.attemptDecrypt(damaged, slice: slice)
        guard let error = attempt.error else {
            Issue.record("damaged stream decrypted without error", sourceLocation: sourceLocation)
            return
        }
        #expect(codes.contains(error.code), "\(error.code): \(error)", sourceLocation: sourceLocation)
        #expect(attempt.output == Array(plaintext.prefix(goodChunks * 64)), sourceLocation: sourceLocation)
    }

    @Test("flipping any single byte fails at the record holding it", arguments: [1, Int.max])
    func everyByteFlip(slice: Int) {
        #expect(records.map(\.lowerBound) == [31, 116, 201, 286])
        for position in ciphertext.indices {
            var damaged = ciphertext
            damaged[position] ^= 0x01
            // A changed key id is indistinguishable from a wrong key.
            let codes: Set<EncryptionError.Code> = (11..<19).contains(position) ? [.wrongKey] : [.corrupt, .format]
            expectRejected(damaged, codes: codes, goodChunks: record(at: position), slice: slice)
        }
    }

    @Test("header damage: magic, version, chunk size, nonce prefix")
    func header() {
        for (position, code) in [
            (0, EncryptionError.Code.format), (9, .format), (10, .format), (19, .format), (22, .corrupt), (23, .corrupt), (30, .corrupt),
        ] {
            var damaged = ciphertext
            damaged[position] ^= 0x80
            expectRejected(damaged, codes: [code], goodChunks: 0)
        }
        var version2 = ciphertext
        version2[10] = 2
        #expect(Fixture.attemptDecrypt(version2).error?.message.contains("version 2") == true)
    }

    @Test("ciphertext, tag, length and flag damage in each record")
    func recordFields() {
        for (index, range) in records.enumerated() {
            let start = range.lowerBound
            // flag, each length byte, first ciphertext byte, last tag byte
            for position in [start, start + 1, start + 2, start + 3, start + 4, start + 5, range.upperBound - 1] {
                for mask: UInt8 in [0x01, 0x02, 0xFF] {
                    var damaged = ciphertext
                    damaged[position] ^= mask
                    expectRejected(damaged, codes: [.corrupt], goodChunks: index)
                }
            }
        }
    }

    @Test("truncation at every byte, record boundaries included")
    func truncation() {
        for length in 0..<ciphertext.count {
            let attempt = Fixture.attemptDecrypt(Array(ciphertext[..<length]))
            #expect(attempt.error?.code == .corrupt, "truncated to \(length) bytes")
            #expect(plaintext.starts(with: attempt.output) && attempt.output.count % 64 == 0)
        }
        for boundary in records.map(\.lowerBound) {
            #expect(Fixture.attemptDecrypt(Array(ciphertext[..<boundary])).error?.message.contains("truncated") == true)
        }
    }

    @Test("data after the final record")
    func appended() {
        expectRejected(ciphertext + [0], goodChunks: 4)
        expectRejected(ciphertext + ciphertext, goodChunks: 4)
        expectRejected(ciphertext + Array(ciphertext[records[3]]), goodChunks: 4, slice: 1)
    }

    @Test("reordered, repeated and dropped records")
    func reordering() {
        let parts = records.map { Array(ciphertext[$0]) }
        let header = Array(ciphertext[..<31])
        expectRejected(header + parts[1] + parts[0] + parts[2] + parts[3], goodChunks: 0)
        expectRejected(header + parts[0] + parts[2] + parts[1] + parts[3], goodChunks: 1)
        expectRejected(header + parts[0] + parts[0] + parts[1] + parts[2] + parts[3], goodChunks: 1)
        expectRejected(header + parts[0] + parts[2] + parts[3], goodChunks: 1)
        expectRejected(header + parts[0] + parts[1] + parts[2], goodChunks: 3)
    }

    @Test("records or a header from another file with the same key")
    func otherFile() throws {
        let other = try Fixture.encrypt(plaintext)
        var spliced = ciphertext
        spliced.replaceSubrange(records[1], with: other[records[1]])
        expectRejected(spliced, goodChunks: 1)
        expectRejected(Array(other[..<31]) + Array(ciphertext[31...]), goodChunks: 0)
    }

    @Test("a wrong key is reported from the header, naming both ids")
    func wrongKey() throws {
        let attempt = Fixture.attemptDecrypt(ciphertext, key: Fixture.otherKey)
        let error = try #require(attempt.error)
        #expect(error.code == .wrongKey)
        #expect(error.message == "this file was encrypted with key \(Fixture.key.id); ENCRYPTION_KEY_FILE holds key \(Fixture.otherKey.id)")
        #expect(attempt.output.isEmpty)
        // The header alone is enough to tell.
        let decryptor = ChunkDecryptor(key: Fixture.otherKey) { _ in }
        #expect { try Fixture.feed(Array(ciphertext[..<31]), slice: .max) { try decryptor.update($0) } } throws: {
            ($0 as? EncryptionError)?.code == .wrongKey
        }
    }

    @Test("a plain file is a format error", arguments: ["", "hi", "PGDMP plus enough bytes to fill a whole header"])
    func plainInput(text: String) {
        let attempt = Fixture.attemptDecrypt(Array(text.utf8))
        #expect(attempt.error?.code == (text.isEmpty ? .corrupt : .format))
        #expect(attempt.output.isEmpty)
    }
}
