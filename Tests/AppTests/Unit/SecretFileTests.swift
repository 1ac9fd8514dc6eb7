import Foundation
import Settings
import TestSupport
import Testing

/// `NAME_FILE` secrets: a file that cannot be used is a problem naming `NAME_FILE`, whatever is wrong with it, and a
/// relative path starts where every other relative path in the settings does.
@Suite("NAME_FILE secrets: every unusable file is a problem naming the variable")
struct SecretFileTests {
    func read(_ variables: [String: String], in directory: String) -> (value: String?, problems: [ConfigurationProblem]) {
        var reader = SettingsReader(Environment(variables), workingDirectory: directory)
        let value = reader.secret("AWS_SECRET_ACCESS_KEY")
        return (value, reader.problems)
    }

    @Test("a relative NAME_FILE is read from the settings' working directory, not the process's")
    func relativePath() throws {
        let folder = try TemporaryFolder("nomaly-secrets")
        try folder.file("secrets/s3", "from-file\n")
        let read = read(["AWS_SECRET_ACCESS_KEY_FILE": "secrets/s3"], in: folder.path)
        #expect(read.problems.isEmpty, "\(read.problems)")
        #expect(read.value == "from-file")
    }

    @Test("a folder, a missing file, a file that is not UTF-8 text and an empty file are each refused by name")
    func unusableFiles() throws {
        let folder = try TemporaryFolder("nomaly-secrets")
        let binary = try folder.data("binary", Data([0xFF, 0xFE, 0x00, 0x80]))
        let empty = try folder.file("empty", "\r\n")
        let cases: [(String, String)] = [
            (folder.path, "cannot read secret file \(folder.path): it is a folder"),
            (folder.path + "/absent", "cannot read secret file \(folder.path)/absent: "),
            (binary, "secret file \(binary) is not UTF-8 text"),
            (empty, "secret file \(empty) is empty"),
        ]
        for (path, message) in cases {
            let read = read(["AWS_SECRET_ACCESS_KEY_FILE": path], in: "/")
            #expect(read.value == nil)
            #expect(read.problems.map(\.variable) == ["AWS_SECRET_ACCESS_KEY_FILE"], "\(path)")
            #expect(read.problems.first?.message.hasPrefix(message) == true, "\(read.problems)")
        }
    }
}
