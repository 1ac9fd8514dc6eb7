import Backup
import Crypto
import Foundation
import Testing

/// Keys, data and helpers shared by the encryption tests.
enum EncryptionFixture {
    static let keyBytes: [UInt8] = Array(0..<32)
    static let key = try! EncryptionKey(bytes: keyBytes)
    static let otherKey = try! EncryptionKey(bytes: Array(100..<132))
    static let binding = SetFileBinding(setID: "20261203_010000", fileName: "database.dump")
    /// Small enough that a few hundred bytes span several records.
    static let chunkSize = 64
    /// The 31-byte prefix, the binding's 2-byte length, and `20261203_010000\0database.dump` (29 bytes).
    static let headerSize = 31 + 2 + 29
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
    static func encrypt(
        _ plaintext: [UInt8],
        key: EncryptionKey = key,
        binding: SetFileBinding = binding,
        chunkSize: Int = chunkSize,
        slice: Int = .max
    ) throws -> [UInt8] {
        var output: [UInt8] = []
        let encryptor = try ChunkEncryptor(key: key, binding: binding, chunkSize: chunkSize) { output.append(contentsOf: $0) }
        try feed(plaintext, slice: slice) { try encryptor.update($0) }
        try encryptor.finish()
        return output
    }

    static func decrypt(_ ciphertext: [UInt8], key: EncryptionKey = key, binding: SetFileBinding? = binding, slice: Int = .max) throws -> [UInt8] {
        let attempt = attemptDecrypt(ciphertext, key: key, binding: binding, slice: slice)
        if let error = attempt.error { throw error }
        return attempt.output
    }

    /// What reached the sink, and the error that stopped the decryption if one did.
    static func attemptDecrypt(
        _ ciphertext: [UInt8],
        key: EncryptionKey = key,
        binding: SetFileBinding? = binding,
        slice: Int = .max
    ) -> (output: [UInt8], error: EncryptionError?) {
        var output: [UInt8] = []
        let decryptor = ChunkDecryptor(key: key, expecting: binding) { output.append(contentsOf: $0) }
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
    static func records(of ciphertext: [UInt8], headerSize: Int = headerSize) -> [Range<Int>] {
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

    /// What Nomaly wrote before encryption format 2 (sets of manifest format 1), from the format's description: the
    /// backup key used as is, no binding, a 31-byte header. Only tests write it now.
    static func encryptFormat1(_ plaintext: [UInt8], keyBytes: [UInt8] = keyBytes, chunkSize: Int = chunkSize) throws -> [UInt8] {
        let key = SymmetricKey(data: keyBytes)
        let keyID = Array(HMAC<SHA256>.authenticationCode(for: Array("nomaly backup key id".utf8), using: key)).prefix(8)
        var header = Array("NOMALYENC1".utf8) + [1] + keyID
        header += withUnsafeBytes(of: UInt32(chunkSize).bigEndian) { Array($0) }
        let noncePrefix = (0..<8).map { _ in UInt8.random(in: 0...255) }
        header += noncePrefix
        var output = header
        var chunks = stride(from: 0, to: plaintext.count, by: chunkSize).map { Array(plaintext[$0..<min($0 + chunkSize, plaintext.count)]) }
        if chunks.last?.count ?? 0 == chunkSize || chunks.isEmpty { chunks.append([]) }
        for (index, chunk) in chunks.enumerated() {
            let flag: UInt8 = index == chunks.count - 1 ? 1 : 0
            let nonce = try AES.GCM.Nonce(data: noncePrefix + withUnsafeBytes(of: UInt32(index).bigEndian) { Array($0) })
            let associated = header + withUnsafeBytes(of: UInt64(index).bigEndian) { Array($0) } + [flag]
            let box = try AES.GCM.seal(chunk, using: key, nonce: nonce, authenticating: associated)
            output += [flag] + withUnsafeBytes(of: UInt32(chunk.count).bigEndian) { Array($0) }
            output += Array(box.ciphertext) + Array(box.tag)
        }
        return output
    }
}
