import Audit
import Foundation
import Postgres
import Registry
import TestSupport
import Testing

@Suite("Promotion, rollback and alias history (real Postgres)")
struct AliasTests {
    /// A registry holding `count` versions of `fraud` (one artifact registered `count` times).
    func withVersions(_ count: Int, _ body: (RegistryHarness) async throws -> Void) async throws {
        let folder = try TemporaryFolder()
        let artifact = try await ModelFactory.artifact(in: folder)
        try await ScratchDatabase.withSchema { pool, _ in
            let harness = RegistryHarness.files(pool, folder)
            for _ in 0..<count { _ = try await harness.registry.register(model: "fraud", artifact: artifact, actor: "ana") }
            try await body(harness)
        }
    }

    @Test("promote points an alias at a version that resolve, listings and models() then show")
    func promoteAndResolve() async throws {
        try await withVersions(3) { harness in
            let registry = harness.registry
            let change = try await registry.promote(model: "fraud", version: 2, alias: "production", reason: "best AUC", actor: "ana")
            #expect(change.fromVersion == nil && change.toVersion == 2 && change.reason == "best AUC" && change.actor == "ana")
            try await registry.promote(model: "fraud", version: 3, alias: "staging", actor: "bob")
            #expect(try await registry.resolve(.alias(model: "fraud", alias: "production")).version == 2)
            #expect(try await registry.resolve(ModelReference.parse("fraud")).version == 2)
            #expect(try await registry.resolve(ModelReference.parse("fraud:1")).aliases.isEmpty)
            #expect(try await registry.version(model: "fraud", version: 3).aliases == ["staging"])

            let summary = try #require(try await registry.models().first)
            #expect(summary.name == "fraud" && summary.versionCount == 3 && summary.latestVersion == 3)
            #expect(summary.aliases == ["production": 2, "staging": 3])
            #expect(try await registry.model("fraud") == summary)

            let page = try await registry.versions(model: "fraud")
            #expect(page.versions.map(\.version) == [3, 2, 1] && page.nextCursor == nil)
            #expect(page.versions.map(\.aliases) == [["staging"], ["production"], []])

            await expectRegistryError(.notFound, "fraud has no alias canary") {
                _ = try await registry.resolve(.alias(model: "fraud", alias: "canary"))
            }
            await expectRegistryError(.notFound, "fraud has no version 9") {
                try await registry.promote(model: "fraud", version: 9, alias: "production", actor: "ana")
            }
            await expectRegistryError(.notFound, "there is no model ghost") {
                try await registry.promote(model: "ghost", version: 1, alias: "production", actor: "ana")
            }
            await expectRegistryError(.invalidName, "not a valid alias") {
                try await registry.promote(model: "fraud", version: 1, alias: "Production", actor: "ana")
            }
            #expect(try await harness.count("SELECT count(*) FROM audit_log WHERE action = 'model.promote'") == 2)
        }
    }

    @Test("a stale expectation fails with a conflict and changes nothing; .empty only creates")
    func compareAndSwap() async throws {
        try await withVersions(4) { harness in
            let registry = harness.registry
            try await registry.promote(model: "fraud", version: 1, alias: "production", expect: .empty, actor: "ana")
            await expectRegistryError(.conflict, "production of fraud is at 1, not unset as expected") {
                try await registry.promote(model: "fraud", version: 2, alias: "production", expect: .empty, actor: "bob")
            }
            try await registry.promote(model: "fraud", version: 4, alias: "production", expect: .version(1), actor: "ana")
            let historyBefore = try await registry.history(model: "fraud")
            let auditBefore = try await harness.audit.entries()
            await expectRegistryError(.conflict, "production of fraud is at 4, not 3 as expected") {
                try await registry.promote(model: "fraud", version: 2, alias: "production", expect: .version(3), actor: "bob")
            }
            await expectRegistryError(.conflict, "staging of fraud is not set, not at 3 as expected") {
                try await registry.promote(model: "fraud", version: 2, alias: "staging", expect: .version(3), actor: "bob")
            }
            #expect(try await registry.resolve(.alias(model: "fraud", alias: "production")).version == 4)
            #expect(try await registry.history(model: "fraud") == historyBefore)
            #expect(try await harness.audit.entries() == auditBefore)

            let same = try await registry.promote(model: "fraud", version: 4, alias: "production", expect: .version(4), actor: "ana")
            #expect(same.fromVersion == 4 && same.toVersion == 4)
            #expect(try await registry.history(model: "fraud").count == historyBefore.count)
        }
    }

    @Test("10 concurrent promotions of different versions leave the alias on exactly one, with 10 history rows")
    func concurrentPromotions() async throws {
        try await withVersions(10) { harness in
            let registry = harness.registry
            try await withThrowingTaskGroup(of: Void.self) { group in
                for version in 1...10 {
                    group.addTask { try await registry.promote(model: "fraud", version: version, alias: "production", actor: "op-\(version)") }
                }
                try await group.waitForAll()
            }
            let history = try await registry.history(model: "fraud", alias: "production")
            #expect(history.count == 10)
            #expect(Set(history.compactMap(\.toVersion)) == Set(1...10))
            // Each change starts where the previous one ended: no promotion overwrote another unseen.
            let oldestFirst = Array(history.reversed())
            #expect(oldestFirst.first?.fromVersion == nil)
            for (previous, next) in zip(oldestFirst, oldestFirst.dropFirst()) {
                #expect(next.fromVersion == previous.toVersion)
            }
            let target = try await registry.resolve(.alias(model: "fraud", alias: "production"))
            #expect(target.version == history.first?.toVersion)
            let aliased = try await registry.versions(model: "fraud").versions.filter { !$0.aliases.isEmpty }
            #expect(aliased.map(\.version) == [target.version])
        }
    }

    @Test("rollback returns to the previous target, twice redoes, removes an alias that was new, and needs history")
    func rollback() async throws {
        try await withVersions(3) { harness in
            let registry = harness.registry
            await expectRegistryError(.refused, "production of fraud has never changed") {
                try await registry.rollback(model: "fraud", alias: "production", actor: "ana")
            }
            try await registry.promote(model: "fraud", version: 1, alias: "production", actor: "ana")
            try await registry.promote(model: "fraud", version: 3, alias: "production", actor: "ana")
            let back = try await registry.rollback(model: "fraud", alias: "production", reason: "alert rate doubled", actor: "bob")
            #expect(back.fromVersion == 3 && back.toVersion == 1 && back.reason == "alert rate doubled")
            #expect(try await registry.resolve(.alias(model: "fraud", alias: "production")).version == 1)
            let redo = try await registry.rollback(model: "fraud", alias: "production", actor: "bob")
            #expect(redo.fromVersion == 1 && redo.toVersion == 3)
            #expect(try await registry.resolve(.alias(model: "fraud", alias: "production")).version == 3)

            try await registry.promote(model: "fraud", version: 2, alias: "canary", actor: "ana")
            let removed = try await registry.rollback(model: "fraud", alias: "canary", actor: "ana")
            #expect(removed.fromVersion == 2 && removed.toVersion == nil)
            await expectRegistryError(.notFound, "fraud has no alias canary") {
                _ = try await registry.resolve(.alias(model: "fraud", alias: "canary"))
            }
            #expect(try await registry.history(model: "fraud", alias: "production").map(\.toVersion) == [3, 1, 3, 1])
            #expect(try await harness.count("SELECT count(*) FROM audit_log WHERE action = 'model.rollback'") == 3)
        }
    }

    @Test("removeAlias deletes the alias and records it; history lists every alias newest first")
    func removeAlias() async throws {
        try await withVersions(2) { harness in
            let registry = harness.registry
            try await registry.promote(model: "fraud", version: 1, alias: "staging", actor: "ana")
            try await registry.promote(model: "fraud", version: 2, alias: "production", actor: "ana")
            let change = try await registry.removeAlias(model: "fraud", alias: "staging", reason: "unused", actor: "bob")
            #expect(change.fromVersion == 1 && change.toVersion == nil && change.actor == "bob")
            await expectRegistryError(.notFound, "fraud has no alias staging") {
                _ = try await registry.resolve(.alias(model: "fraud", alias: "staging"))
            }
            await expectRegistryError(.notFound, "fraud has no alias staging") {
                try await registry.removeAlias(model: "fraud", alias: "staging", actor: "bob")
            }
            let history = try await registry.history(model: "fraud")
            #expect(history.map(\.alias) == ["staging", "production", "staging"])
            #expect(history.first?.reason == "unused")
            #expect(try await registry.history(model: "fraud", limit: 1).count == 1)
            #expect(try await registry.model("fraud").aliases == ["production": 2])
            // Restoring a removed alias is a rollback like any other.
            #expect(try await registry.rollback(model: "fraud", alias: "staging", actor: "bob").toVersion == 1)
        }
    }
}
