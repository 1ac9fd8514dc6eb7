import Foundation
import ObjectStore
import Registry
import Testing

@Suite("Names, references, artifact keys and JSON values (no services)")
struct RegistryNamesTests {
    @Test(
        "model names follow the table's CHECK constraint",
        arguments: ["fraud", "Fraud.v2", "a", "9-lives_model", String(repeating: "m", count: 128)]
    )
    func validModelNames(_ name: String) throws {
        #expect(RegistryNames.isValidModel(name))
        try RegistryNames.validateModel(name)
    }

    @Test(
        "bad model names are refused with the rule",
        arguments: ["", "-fraud", "fraud model", "fraud/1", "frâud", String(repeating: "m", count: 129)]
    )
    func invalidModelNames(_ name: String) {
        #expect(!RegistryNames.isValidModel(name))
        #expect(throws: RegistryError.self) { try RegistryNames.validateModel(name) }
        do {
            try RegistryNames.validateModel(name)
        } catch let error as RegistryError {
            #expect(error.code == .invalidName)
            #expect(error.message.contains("starting with a letter or digit"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("aliases are lower case and start with a letter")
    func aliases() {
        for alias in ["production", "staging", "a", "canary-2", "shadow_b", String(repeating: "a", count: 63)] {
            #expect(RegistryNames.isValidAlias(alias), "\(alias)")
        }
        for alias in ["", "Production", "2nd", "-x", "a.b", "with space", String(repeating: "a", count: 64)] {
            #expect(!RegistryNames.isValidAlias(alias), "\(alias)")
        }
    }

    @Test("references: NAME@ALIAS, NAME:VERSION and a bare NAME (its production alias)")
    func references() throws {
        #expect(try ModelReference.parse("fraud@staging") == .alias(model: "fraud", alias: "staging"))
        #expect(try ModelReference.parse("fraud:12") == .version(model: "fraud", version: 12))
        #expect(try ModelReference.parse("fraud") == .alias(model: "fraud", alias: "production"))
        #expect(throws: RegistryError.self) { try ModelReference.parse("fraud:0") }
        #expect(throws: RegistryError.self) { try ModelReference.parse("@production") }
    }

    @Test("artifact keys are content-addressed below the prefix, and only such keys parse back")
    func artifactKeys() {
        let sha = String(repeating: "ab", count: 32)
        let artifacts = ArtifactStore(store: FileStore(root: "/var/lib/nomaly/artifacts"), prefix: "models")
        #expect(artifacts.prefix == "models/")
        #expect(artifacts.key(sha256: sha) == "models/sha256/ab/\(sha).tar.gz")
        #expect(artifacts.uri(sha256: sha) == "/var/lib/nomaly/artifacts/models/sha256/ab/\(sha).tar.gz")
        #expect(artifacts.sha256(ofKey: artifacts.key(sha256: sha)) == sha)
        #expect(artifacts.sha256(ofKey: "models/sha256/cd/\(sha).tar.gz") == nil)
        #expect(artifacts.sha256(ofKey: "models/sha256/ab/\(sha.uppercased()).tar.gz") == nil)
        #expect(artifacts.sha256(ofKey: "models/sha256/ab/notes.txt") == nil)
        #expect(artifacts.sha256(ofKey: "other/sha256/ab/\(sha).tar.gz") == nil)

        let bare = ArtifactStore(store: FileStore(root: "/a"), prefix: "")
        #expect(bare.key(sha256: sha) == "sha256/ab/\(sha).tar.gz")
    }
}
