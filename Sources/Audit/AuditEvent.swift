package import Postgres

/// One change to record in `audit_log`: who did what to which target, with details as a JSON object.
///
/// ```swift
/// let event = try AuditEvent(actor: "token:alice", action: "job.trigger", target: "nightly", details: ["run_id": "42"])
/// try await AuditLog(pool: pool).record(event)
/// ```
package struct AuditEvent: Sendable {
    /// `token:NAME` for the API, `cli:USER` for the CLI, whatever a job or a test names.
    package let actor: String
    /// `model.promote`, `job.trigger`, `backup.waiver`, …
    package let action: String
    /// `fraud:3`, `nightly`, a backup set id, …
    package let target: String?
    /// The details as the JSON text stored in the `jsonb` column (compact, sorted keys).
    package let details: PostgresJSON
    package let remoteAddress: String?

    /// - Parameters:
    ///   - details: any `Encodable` value whose JSON form is an object.
    ///   - remoteAddress: the caller's address; by default the one the API bound for the request
    ///     (``AuditOrigin/remoteAddress``), nil outside a request.
    /// - Throws: the encoder's error for details that cannot be encoded.
    package init(
        actor: String,
        action: String,
        target: String?,
        details: some Encodable & Sendable,
        remoteAddress: String? = AuditOrigin.remoteAddress
    ) throws {
        self.actor = actor
        self.action = action
        self.target = target
        self.details = try PostgresJSON(details)
        self.remoteAddress = remoteAddress
    }
}
