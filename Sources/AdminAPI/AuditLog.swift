import Audit

extension AuditLog {
    /// Appends an API change with the token's name as the actor and the caller's address.
    func record(_ identity: TokenIdentity, action: String, target: String?, details: [String: String], context: NomalyRequestContext) async throws {
        try await record(
            AuditEvent(actor: "token:" + identity.name, action: action, target: target, details: details, remoteAddress: context.remoteAddress)
        )
    }
}
