import Backup
import Foundation
import Testing

/// Every kind of damage must fail loudly, and no plaintext of a damaged or missing chunk may reach the sink.
@Suite("ChunkDecryptor rejects damaged streams")
struct ChunkedCipherTamperTests {
    typealias Fixture = EncryptionFixture

    /// Three full records and a final one of 17 bytes: records at 62, 147, 232 and 317; 355 bytes in all.
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
        #expect(records.map(\.lowerBound) == [62, 147, 232, 317])
        for position in ciphertext.indices {
            var damaged = ciphertext
            damaged[position] ^= 0x01
            // A changed key id is indistinguishable from a wrong key, a changed binding from a file of another set.
            let codes: Set<EncryptionError.Code> =
                switch position {
                case 11..<19: [.wrongKey]
                case 31..<Fixture.headerSize: [.misplaced, .corrupt]
                default: [.corrupt, .format]
                }
            expectRejected(damaged, codes: codes, goodChunks: record(at: position), slice: slice)
        }
    }

    @Test("header damage: magic, version, chunk size, nonce prefix, binding length and binding")
    func header() {
        for (position, mask, code) in [
            (0, UInt8(0x80), EncryptionError.Code.format), (9, 0x80, .format), (10, 0x80, .format), (19, 0x80, .format), (22, 0x80, .corrupt),
            (23, 0x80, .corrupt), (30, 0x80, .corrupt),
            // The binding's length beyond any binding; one byte shorter; the set id, the NUL, the file name.
            (31, 0x80, .corrupt), (32, 0x01, .misplaced), (33, 0x01, .misplaced), (48, 0x01, .corrupt), (49, 0x01, .misplaced),
            (Fixture.headerSize - 1, 0x01, .misplaced),
        ] {
            var damaged = ciphertext
            damaged[position] ^= mask
            expectRejected(damaged, codes: [code], goodChunks: 0)
        }
        var version3 = ciphertext
        version3[10] = 3
        #expect(Fixture.attemptDecrypt(version3).error?.message.contains("version 3") == true)
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
        let header = Array(ciphertext[..<Fixture.headerSize])
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
        expectRejected(Array(other[..<Fixture.headerSize]) + Array(ciphertext[Fixture.headerSize...]), goodChunks: 0)
    }

    @Test("a wrong key is reported from the header, naming both ids")
    func wrongKey() throws {
        let attempt = Fixture.attemptDecrypt(ciphertext, key: Fixture.otherKey)
        let error = try #require(attempt.error)
        #expect(error.code == .wrongKey)
        #expect(error.message == "this file was encrypted with key \(Fixture.key.id); ENCRYPTION_KEY_FILE holds key \(Fixture.otherKey.id)")
        #expect(attempt.output.isEmpty)
        // The header alone is enough to tell.
        let decryptor = ChunkDecryptor(key: Fixture.otherKey, expecting: Fixture.binding) { _ in }
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
