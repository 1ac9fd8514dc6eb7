import Backup
import Foundation
import Testing

/// Keys, data and helpers shared by the encryption tests.
enum EncryptionFixture {
    static let key = try! EncryptionKey(bytes: Array(0..<32))
    static let otherKey = try! EncryptionKey(bytes: Array(100..<132))
    /// Small enough that a few hundred bytes span several records.
    static let chunkSize = 64
    static let headerSize = 31
    static let recordOverhead = 5 + 16

    /// Deterministic bytes (SplitMix64), fast enough for megabytes in a debug build.
    static func bytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                state &+= 0x9E37_79B9_7F4A_7C15
                var mixed = state
                mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
                mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
                mixed ^= mixed >> 31
                let count = min(8, buffer.count - offset)
                withUnsafeBytes(of: mixed) { buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: count) }
                offset += count
            }
        }
        return result
    }

    /// Encrypts `plaintext`, handing it to the encryptor `slice` bytes at a time.
    static func encrypt(_ plaintext: [UInt8], key: EncryptionKey = key, chunkSize: Int = chunkSize, slice: Int = .max) throws -> [UInt8] {
        var output: [UInt8] = []
        let encryptor = try ChunkEncryptor(key: key, chunkSize: chunkSize) { output.append(contentsOf: $0) }
        try feed(plaintext, slice: slice) { try encryptor.update($0) }
        try encryptor.finish()
        return output
    }

    static func decrypt(_ ciphertext: [UInt8], key: EncryptionKey = key, slice: Int = .max) throws -> [UInt8] {
        let attempt = attemptDecrypt(ciphertext, key: key, slice: slice)
        if let error = attempt.error { throw error }
        return attempt.output
    }

    /// What reached the sink, and the error that stopped the decryption if one did.
    static func attemptDecrypt(_ ciphertext: [UInt8], key: EncryptionKey = key, slice: Int = .max) -> (output: [UInt8], error: EncryptionError?) {
        var output: [UInt8] = []
        let decryptor = ChunkDecryptor(key: key) { output.append(contentsOf: $0) }
        do {
            try feed(ciphertext, slice: slice) { try decryptor.update($0) }
            try decryptor.finish()
            return (output, nil)
        } catch let error as EncryptionError {
            return (output, error)
        } catch {
            Issue.record("unexpected error type: \(error)")
            return (output, nil)
        }
    }

    static func feed(_ bytes: [UInt8], slice: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try bytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = offset + min(slice, all.count - offset)
                try body(UnsafeRawBufferPointer(rebasing: all[offset..<end]))
                offset = end
            }
        }
    }

    /// The byte ranges of the records of a well-formed ciphertext, in order.
    static func records(of ciphertext: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var offset = headerSize
        while offset < ciphertext.count {
            let length = ciphertext[(offset + 1)..<(offset + 5)].reduce(0) { $0 << 8 | Int($1) }
            ranges.append(offset..<(offset + recordOverhead + length))
            offset += recordOverhead + length
        }
        return ranges
    }

    /// A new empty folder, removed by the caller.
    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nomaly-encryption-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The digest `/usr/bin/sha256sum` prints for `path`.
    static func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
