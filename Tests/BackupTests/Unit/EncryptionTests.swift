import Backup
import Foundation
import Testing

@Suite("EncryptedFile")
struct EncryptionTests {
    typealias Fixture = EncryptionFixture

    private func contents(of folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    @Test("encrypt, verify and decrypt a 5 MiB file; digests match sha256sum", arguments: [0, 5 << 20 + 3])
    func roundTrip(size: Int) throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plaintext = Fixture.bytes(size, seed: 5)
        try Data(plaintext).write(to: URL(fileURLWithPath: folder + "/dump"))

        let encrypted = try EncryptedFile.encrypt(from: folder + "/dump", to: folder + "/dump.enc", key: Fixture.key, binding: Fixture.binding)
        #expect(encrypted.plainSHA256 == (try Fixture.sha256sum(folder + "/dump")))
        #expect(encrypted.storedSHA256 == (try Fixture.sha256sum(folder + "/dump.enc")))
        #expect(encrypted.plainSize == Int64(size))
        let storedSize = try FileManager.default.attributesOfItem(atPath: folder + "/dump.enc")[.size] as? Int
        #expect(encrypted.storedSize == Int64(storedSize ?? -1))
        #expect(encrypted.storedSize == Int64(Fixture.headerSize + (size >> 20) * (21 + (1 << 20)) + 21 + size % (1 << 20)))

        #expect(try EncryptedFile.verify(at: folder + "/dump.enc", key: Fixture.key, binding: Fixture.binding) == encrypted)
        let decrypted = try EncryptedFile.decrypt(from: folder + "/dump.enc", to: folder + "/restored", key: Fixture.key, binding: Fixture.binding)
        #expect(decrypted == encrypted)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/restored")) == Data(plaintext))
        #expect(try contents(of: folder) == ["dump", "dump.enc", "restored"])
    }

    @Test("key id of an encrypted file, nil for a plain one")
    func keyID() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("PGDMP and more".utf8).write(to: URL(fileURLWithPath: folder + "/plain"))
        try Data().write(to: URL(fileURLWithPath: folder + "/empty"))
        _ = try EncryptedFile.encrypt(from: folder + "/plain", to: folder + "/sealed", key: Fixture.otherKey, binding: Fixture.binding)
        #expect(try ChunkEncryptor.keyID(ofFileAt: folder + "/sealed") == Fixture.otherKey.id)
        #expect(try ChunkEncryptor.keyID(ofFileAt: folder + "/plain") == nil)
        #expect(try ChunkEncryptor.keyID(ofFileAt: folder + "/empty") == nil)
        try Data("NOMALYENC1".utf8).write(to: URL(fileURLWithPath: folder + "/short"))
        #expect(throws: EncryptionError.self) { try ChunkEncryptor.keyID(ofFileAt: folder + "/short") }
        let missing = #expect(throws: EncryptionError.self) { try ChunkEncryptor.keyID(ofFileAt: folder + "/absent") }
        #expect(missing?.code == .io)
    }

    @Test("a failing decrypt leaves no destination and no partial file")
    func failedDecrypt() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(Fixture.bytes(3 << 20)).write(to: URL(fileURLWithPath: folder + "/dump"))
        _ = try EncryptedFile.encrypt(from: folder + "/dump", to: folder + "/dump.enc", key: Fixture.key, binding: Fixture.binding)
        var damaged = try Data(contentsOf: URL(fileURLWithPath: folder + "/dump.enc"))
        // In the third chunk: the first two were already written to the partial file when this one fails.
        damaged[Fixture.headerSize + 2 * (21 + (1 << 20)) + 100] ^= 0x40
        try damaged.write(to: URL(fileURLWithPath: folder + "/damaged.enc"))

        let corrupt = #expect(throws: EncryptionError.self) {
            try EncryptedFile.decrypt(from: folder + "/damaged.enc", to: folder + "/restored", key: Fixture.key, binding: Fixture.binding)
        }
        #expect(corrupt?.code == .corrupt)
        #expect(corrupt?.message.contains("chunk 2") == true)
        #expect(throws: EncryptionError.self) { try EncryptedFile.verify(at: folder + "/damaged.enc", key: Fixture.key, binding: Fixture.binding) }

        let wrongKey = #expect(throws: EncryptionError.self) {
            try EncryptedFile.decrypt(from: folder + "/dump.enc", to: folder + "/restored", key: Fixture.otherKey, binding: Fixture.binding)
        }
        #expect(wrongKey?.code == .wrongKey)

        let truncated = Data(damaged.prefix(Fixture.headerSize + 21 + (1 << 20)))
        try truncated.write(to: URL(fileURLWithPath: folder + "/truncated.enc"))
        let truncation = #expect(throws: EncryptionError.self) {
            try EncryptedFile.decrypt(from: folder + "/truncated.enc", to: folder + "/restored", key: Fixture.key, binding: Fixture.binding)
        }
        #expect(truncation?.code == .corrupt)

        let missing = #expect(throws: EncryptionError.self) {
            try EncryptedFile.decrypt(from: folder + "/absent.enc", to: folder + "/restored", key: Fixture.key, binding: Fixture.binding)
        }
        #expect(missing?.code == .io)
        #expect(missing?.message.contains("absent.enc") == true)
        #expect(try contents(of: folder) == ["damaged.enc", "dump", "dump.enc", "truncated.enc"])
    }

    @Test("a failing decrypt keeps an existing destination as it was")
    func existingDestination() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/restored"))
        try Data("not encrypted".utf8).write(to: URL(fileURLWithPath: folder + "/plain"))
        let error = #expect(throws: EncryptionError.self) {
            try EncryptedFile.decrypt(from: folder + "/plain", to: folder + "/restored", key: Fixture.key, binding: Fixture.binding)
        }
        #expect(error?.code == .format)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/restored")) == Data("old".utf8))
        #expect(try contents(of: folder) == ["plain", "restored"])
    }

    @Test("encrypt fails cleanly on a missing source or destination folder")
    func encryptFailures() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = #expect(throws: EncryptionError.self) {
            try EncryptedFile.encrypt(from: folder + "/absent", to: folder + "/out.enc", key: Fixture.key, binding: Fixture.binding)
        }
        #expect(source?.code == .io)
        #expect(source?.message == "cannot read \(folder)/absent: No such file or directory")
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/dump"))
        let destination = #expect(throws: EncryptionError.self) {
            try EncryptedFile.encrypt(from: folder + "/dump", to: folder + "/missing/out.enc", key: Fixture.key, binding: Fixture.binding)
        }
        #expect(destination?.code == .io)
        #expect(try contents(of: folder) == ["dump"])
    }
}
