import Backup
import Foundation
import Testing

@Suite("ChunkEncryptor and ChunkDecryptor round trips")
struct ChunkedCipherTests {
    typealias Fixture = EncryptionFixture

    @Test("round trips sizes around the chunk size", arguments: [0, 1, 63, 64, 65, 3 * 64 + 17])
    func roundTrip(size: Int) throws {
        let plaintext = Fixture.bytes(size)
        let ciphertext = try Fixture.encrypt(plaintext)
        // Full chunks are non-final records; the final record holds the remainder, possibly nothing.
        let expected = Fixture.headerSize + (size / 64) * (Fixture.recordOverhead + 64) + Fixture.recordOverhead + size % 64
        #expect(ciphertext.count == expected)
        #expect(try Fixture.decrypt(ciphertext) == plaintext)
        #expect(try Fixture.decrypt(ciphertext, slice: 1) == plaintext)
    }

    @Test("empty plaintext is one final record of length 0")
    func emptyPlaintext() throws {
        let ciphertext = try Fixture.encrypt([])
        let header = Fixture.headerSize
        #expect(Fixture.records(of: ciphertext) == [header..<(header + 21)])
        #expect(Array(ciphertext[header..<(header + 5)]) == [1, 0, 0, 0, 0])
    }

    @Test("the header carries magic, version 2, key id, chunk size, and the set and file it belongs to")
    func header() throws {
        var emitted: [[UInt8]] = []
        let encryptor = try ChunkEncryptor(key: Fixture.key, binding: Fixture.binding, chunkSize: 1000) { emitted.append(Array($0)) }
        #expect(emitted.count == 1, "the header is emitted on init")
        let header = try #require(emitted.first)
        #expect(header.count == Fixture.headerSize)
        #expect(Array(header[0..<10]) == Array("NOMALYENC1".utf8))
        #expect(header[10] == 2)
        #expect(header[11..<19].map { String(format: "%02x", $0) }.joined() == Fixture.key.id)
        #expect(Array(header[19..<23]) == [0, 0, 0x03, 0xE8])
        #expect(Array(header[31..<33]) == [0, 29])
        #expect(Array(header[33...]) == Array("20261203_010000\u{0}database.dump".utf8))
        #expect(ChunkEncryptor.isEncrypted(header: header))
        #expect(!ChunkEncryptor.isEncrypted(header: Array("NOMALYENC".utf8)))
        #expect(!ChunkEncryptor.isEncrypted(header: Array("PGDMP\u{1}\u{e}\u{0}".utf8)))
        try encryptor.finish()

        var defaultHeader: [UInt8] = []
        _ = try ChunkEncryptor(key: Fixture.key, binding: Fixture.binding) { defaultHeader += $0 }
        #expect(ChunkEncryptor.defaultChunkSize == 1 << 20)
        #expect(Array(defaultHeader[19..<23]) == [0, 0x10, 0, 0])
    }

    @Test("5 MiB with the default chunk size, written in odd slices")
    func largeRoundTrip() throws {
        let plaintext = Fixture.bytes(5 << 20 + 12_345, seed: 7)
        let ciphertext = try Fixture.encrypt(plaintext, chunkSize: 1 << 20, slice: 100_003)
        #expect(Fixture.records(of: ciphertext).count == 6)
        #expect(try Fixture.decrypt(ciphertext, slice: 65_536) == plaintext)
        #expect(try Fixture.decrypt(ciphertext) == plaintext)
    }

    @Test("slicing of either side does not change what decrypts", arguments: [1, 7, 64, 200])
    func slicing(slice: Int) throws {
        let plaintext = Fixture.bytes(3 * 64 + 17, seed: 3)
        let ciphertext = try Fixture.encrypt(plaintext, slice: slice)
        #expect(ciphertext.count == Fixture.headerSize + 3 * 85 + 38)
        #expect(try Fixture.decrypt(ciphertext, slice: slice) == plaintext)
        #expect(try Fixture.decrypt(ciphertext, slice: 1) == plaintext)
    }

    @Test("the same plaintext encrypts differently each time")
    func randomNoncePrefix() throws {
        let plaintext = Fixture.bytes(100)
        let first = try Fixture.encrypt(plaintext)
        let second = try Fixture.encrypt(plaintext)
        #expect(first[..<23] == second[..<23])
        #expect(first[23...] != second[23...])
    }

    @Test("a sink's error is rethrown unchanged")
    func sinkError() throws {
        struct Full: Error {}
        let encryptor = try ChunkEncryptor(key: Fixture.key, binding: Fixture.binding, chunkSize: 64) { if $0.count == 64 { throw Full() } }
        #expect(throws: Full.self) { try Fixture.feed(Fixture.bytes(100), slice: .max) { try encryptor.update($0) } }
        let ciphertext = try Fixture.encrypt(Fixture.bytes(100))
        let decryptor = ChunkDecryptor(key: Fixture.key, expecting: Fixture.binding) { _ in throw Full() }
        #expect(throws: Full.self) { try Fixture.feed(ciphertext, slice: .max) { try decryptor.update($0) } }
    }

    @Test("update after finish is a programming error")
    func updateAfterFinish() async {
        await #expect(processExitsWith: .failure) {
            let encryptor: ChunkEncryptor
            do {
                encryptor = try ChunkEncryptor(key: EncryptionKey(bytes: Array(0..<32)), binding: EncryptionFixture.binding) { _ in }
                try encryptor.finish()
            } catch {
                // A failing setup must not pass for the expected crash.
                exit(0)
            }
            try? [UInt8(1)].withUnsafeBytes { try encryptor.update($0) }
        }
    }
}
