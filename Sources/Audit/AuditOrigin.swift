/// Where a change came from, for the audit log. The HTTP API binds the caller's address for the whole request, so
/// every change it makes through another module (a registry promotion, say) is recorded with it without threading an
/// address through each call; changes made by the CLI or a job have none.
///
/// ```swift
/// try await AuditOrigin.$remoteAddress.withValue("10.0.0.7") {
///     try await registry.promote(model: "fraud", version: 3, alias: "production", actor: "token:alice")
/// }
/// ```
package enum AuditOrigin {
    @TaskLocal package static var remoteAddress: String?
}
