import Backup
import Foundation
import Testing

@Suite("EncryptionKey")
struct EncryptionKeyTests {
    /// Bytes whose base64 uses `+` and `/`, so base64url differs.
    let bytes: [UInt8] = (0..<32).map { UInt8(($0 * 37 + 251) & 0xFF) }

    private func write(_ content: [UInt8], in folder: String) throws -> String {
        let path = folder + "/key-\(UUID().uuidString)"
        try Data(content).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("the id is the start of HMAC-SHA256(key, \"nomaly backup key id\")")
    func id() throws {
        // Computed independently with Python's hmac module.
        #expect(try EncryptionKey(bytes: Array(0..<32)).id == "8d063362646c2d71")
        #expect(try EncryptionKey(bytes: bytes).id != EncryptionKey(bytes: Array(0..<32)).id)
    }

    @Test("every accepted form in a file gives the same key")
    func acceptedForms() throws {
        let folder = try EncryptionFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let expected = try EncryptionKey(bytes: bytes).id
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let base64 = Data(bytes).base64EncodedString()
        #expect(base64 == "+yBFao+02f4jSG2St9wBJktwlbrfBClOc5i94gcsUXY=")
        let base64URL = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let texts = [
            hex, hex + "\n", hex.uppercased() + " \r\n", base64, base64 + "\n", String(base64.dropLast()), base64URL,
            String(base64URL.dropLast()) + "\n",
        ]
        for text in texts {
            #expect(try EncryptionKey(fileAt: write(Array(text.utf8), in: folder)).id == expected, "\(text)")
            #expect(try EncryptionKey(text: text).id == expected, "\(text)")
        }
        #expect(try EncryptionKey(fileAt: write(bytes, in: folder)).id == expected)
        #expect(try EncryptionKey(fileAt: write(bytes + [0x0A], in: folder)).id == expected)
        // A raw key ending in whitespace keeps it.
        let spacey = Array(bytes.dropLast()) + [0x20]
        #expect(try EncryptionKey(fileAt: write(spacey, in: folder)).id == EncryptionKey(bytes: spacey).id)
    }

    @Test("bad keys fail without echoing the content")
    func rejectedForms() throws {
        let folder = try EncryptionFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let contents: [[UInt8]] = [
            Array("abcdefghijklmnopqrstuvwxyz01234".utf8),  // 31 raw bytes
            Array(bytes.dropLast()),
            Array(hex.dropLast().utf8),  // 63 hex digits
            Array((hex + "a").utf8),
            Array("hello".utf8),
            Array("hello\n".utf8),
            Array(Data(bytes.dropLast()).base64EncodedString().utf8),  // base64 of 31 bytes
            Array(hex.replacingOccurrences(of: "f", with: "g").utf8),
            Array("\n\n  \n".utf8),
            [],
        ]
        for content in contents {
            let path = try write(content, in: folder)
            let error = #expect(throws: EncryptionError.self) { try EncryptionKey(fileAt: path) }
            #expect(error?.code == .keyFile)
            let message = error?.message ?? ""
            #expect(message.contains(path))
            #expect(message.contains("openssl rand -hex 32"))
            let text = String(decoding: content, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { #expect(!message.contains(text), "\(message)") }
            if content.isEmpty { #expect(message.contains("empty")) }
        }
        for text in ["", "hello", String(hex.dropLast()), hex + "00"] {
            let error = #expect(throws: EncryptionError.self) { try EncryptionKey(text: text) }
            #expect(error?.code == .keyFile)
            if !text.isEmpty { #expect(error?.message.contains(text) == false) }
        }
        #expect(throws: EncryptionError.self) { try EncryptionKey(bytes: Array(bytes.dropLast())) }
        #expect(throws: EncryptionError.self) { try EncryptionKey(bytes: bytes + [0]) }
    }

    @Test("a missing or unreadable key file names the path and the reason")
    func unreadable() throws {
        let folder = try EncryptionFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = #expect(throws: EncryptionError.self) { try EncryptionKey(fileAt: folder + "/absent") }
        #expect(missing?.code == .keyFile)
        #expect(missing?.message == "cannot read key file \(folder)/absent: No such file or directory")
        let directory = #expect(throws: EncryptionError.self) { try EncryptionKey(fileAt: folder) }
        #expect(directory?.message.contains("Is a directory") == true)
    }

    @Test("description shows the id only")
    func description() throws {
        let key = try EncryptionKey(bytes: bytes)
        #expect("\(key)" == "EncryptionKey(id: \(key.id))")
        let keyHex = bytes.prefix(8).map { String(format: "%02x", $0) }.joined()
        #expect(!String(reflecting: key).contains(keyHex))
    }
}
