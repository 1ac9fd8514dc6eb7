import Backup
import Foundation
import Testing

/// Encryption format 2 binds each file to its set id and name: a file copied from another set, or renamed, is refused
/// by name before anything is decrypted, and a header edited to look right fails every tag.
@Suite("Encrypted files are bound to their set and name")
struct SetFileBindingTests {
    typealias Fixture = EncryptionFixture

    let plaintext = Fixture.bytes(3 * 64 + 17, seed: 21)

    @Test("a file of another set, or of another name, is refused naming both")
    func misplaced() throws {
        let ciphertext = try Fixture.encrypt(plaintext)
        for wrong in [
            SetFileBinding(setID: "20261204_010000", fileName: "database.dump"),
            SetFileBinding(setID: "20261203_010000", fileName: "models.tar.gz"),
        ] {
            for slice in [1, Int.max] {
                let attempt = Fixture.attemptDecrypt(ciphertext, binding: wrong, slice: slice)
                let error = try #require(attempt.error)
                #expect(error.code == .misplaced)
                #expect(
                    error.message
                        == "this file was written as database.dump of set 20261203_010000, not as \(wrong): it was copied from another set or renamed"
                )
                #expect(attempt.output.isEmpty)
            }
        }
    }

    @Test("a header rewritten to name the expected set fails authentication at the first chunk")
    func forgedBinding() throws {
        let ciphertext = try Fixture.encrypt(plaintext, binding: SetFileBinding(setID: "20261101_010000", fileName: "database.dump"))
        var forged = ciphertext
        // Same length: only the set id's digits differ.
        forged.replaceSubrange(33..<48, with: Array("20261203_010000".utf8))
        let attempt = Fixture.attemptDecrypt(forged)
        #expect(attempt.error?.code == .corrupt)
        #expect(attempt.error?.message.contains("chunk 0") == true)
        #expect(attempt.output.isEmpty)
    }

    @Test("format-1 files (sets of manifest format 1) are read only when no binding is expected")
    func formatOne() throws {
        let legacy = try Fixture.encryptFormat1(plaintext)
        #expect(try Fixture.decrypt(legacy, binding: nil) == plaintext)
        #expect(try Fixture.decrypt(legacy, binding: nil, slice: 1) == plaintext)
        let inNewSet = Fixture.attemptDecrypt(legacy)
        #expect(inNewSet.error?.code == .misplaced)
        #expect(inNewSet.error?.message.contains("encryption format 1") == true)
        #expect(inNewSet.output.isEmpty)

        let bound = try Fixture.encrypt(plaintext)
        let inOldSet = Fixture.attemptDecrypt(bound, binding: nil)
        #expect(inOldSet.error?.code == .misplaced)
        #expect(inOldSet.error?.message.contains("format-1 set") == true)

        // A format-1 header relabelled as format 2 (with a binding appended) does not decrypt: the chunk key differs.
        var relabelled = Array(legacy[..<31]) + [0, 29] + Array("20261203_010000\u{0}database.dump".utf8) + Array(legacy[31...])
        relabelled[10] = 2
        #expect(Fixture.attemptDecrypt(relabelled).error?.code == .corrupt)
    }

    @Test("a binding is two non-empty parts around one NUL")
    func bindingText() {
        #expect(Fixture.binding.description == "database.dump of set 20261203_010000")
        for bytes: [UInt8] in [[0], Array("a".utf8), Array("a\u{0}".utf8), Array("\u{0}b".utf8), Array("a\u{0}b\u{0}c".utf8), [0x61, 0, 0xFF]] {
            var damaged = try! Fixture.encrypt(plaintext, binding: SetFileBinding(setID: "a", fileName: "b"))
            // Replace the 3-byte binding `a\0b` by `bytes`, fixing the length field.
            damaged.replaceSubrange(31..<36, with: [0, UInt8(bytes.count)] + bytes)
            #expect(Fixture.attemptDecrypt(damaged).error?.code == .corrupt, "\(bytes)")
        }
    }
}
