package import Audit
package import Hummingbird
import HummingbirdCore
import HummingbirdTLS
package import Logging
import NIOCore
import NIOSSL
package import ObjectStore
package import Observability
package import Registry
package import Scheduler

/// What the authenticated API works on; nil in tests of the public endpoints alone.
package struct APIDependencies: Sendable {
    package let tokens: TokenStore
    package let runs: RunStore
    package let registry: ModelRegistry
    package let audit: AuditLog
    package let lockout: FailedAttemptLimiter
    /// nil when `RATE_LIMIT_ENABLED=false`.
    package let rateLimiter: RateLimiter?
    /// Loaded models for the scoring endpoints.
    package let cache: DetectorCache
    /// `NOMALY_INVOCATIONS_MODEL`: what `POST /invocations` scores with when the request names no model.
    package let invocationsModel: String?
    /// The job kinds `POST /api/v1/scoring-jobs` validates its runs against: the daemon's own.
    package let kinds: JobKindRegistry
    /// Where `POST /api/v1/scoring-jobs` lets runs read and write: the scoring folder, the S3 prefixes and the protected
    /// locations, finished by the composition root, the same rule the score kind applies when a run starts.
    package let scoringLocations: ScoringLocations

    package init(
        tokens: TokenStore,
        runs: RunStore,
        registry: ModelRegistry,
        audit: AuditLog,
        kinds: JobKindRegistry,
        lockout: FailedAttemptLimiter = FailedAttemptLimiter(),
        rateLimiter: RateLimiter? = nil,
        cache: DetectorCache? = nil,
        invocationsModel: String? = nil,
        scoringLocations: ScoringLocations
    ) {
        self.tokens = tokens
        self.runs = runs
        self.registry = registry
        self.audit = audit
        self.lockout = lockout
        self.rateLimiter = rateLimiter
        self.cache = cache ?? DetectorCache(artifacts: registry.artifacts, limits: registry.limits)
        self.invocationsModel = invocationsModel
        self.kinds = kinds
        self.scoringLocations = scoringLocations
    }

    /// The lockout and rate limits every token lookup passes: the router's and `/metrics`' alike.
    package var gate: TokenGate { TokenGate(tokens: tokens, lockout: lockout, rateLimiter: rateLimiter) }
}

/// Builds the HTTP side of `nomaly serve`: health and readiness, and with ``APIDependencies`` the token-protected
/// `/api/v1` routes. Errors are answered as `{"error":{"code":…,"message":…}}`.
package enum AdminServer {
    package typealias App = Application<RouterResponder<NomalyRequestContext>>

    /// The router, separate from the server so tests can drive it with `app.test(.router)`.
    /// - Parameter metrics: counts every request the router answers, when the application is not wrapped
    ///   ``Hummingbird/ApplicationProtocol/withMetrics(_:)`` (because `/metrics` has a port of its own).
    package static func router(
        version: String,
        probes: [ReadinessProbe],
        api: APIDependencies? = nil,
        settings: HTTPSettings = HTTPSettings(scoringDirectory: "scoring"),
        metrics: HTTPMetrics? = nil,
        scoring: ScoringSettings = ScoringSettings()
    ) -> Router<NomalyRequestContext> {
        let router = Router(context: NomalyRequestContext.self)
        // Order matters: CORS answers preflights before authentication (browsers send them without credentials)
        // and adds its headers to errors too; errors become JSON; limits refuse oversized requests before any
        // token lookup; the gate limits each address before its token is looked up. The client's address is settled
        // first, for every middleware after it.
        if let metrics { router.add(middleware: HTTPMetricsMiddleware(metrics: metrics)) }
        if !settings.trustedProxies.isEmpty { router.add(middleware: ForwardedClientMiddleware(trustedProxies: settings.trustedProxies)) }
        if !settings.corsOrigins.isEmpty { router.add(middleware: CORSAllowListMiddleware(allowedOrigins: settings.corsOrigins)) }
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: RequestLimitsMiddleware(settings: settings))
        if let api { router.add(middleware: BearerAuthMiddleware(gate: api.gate)) }
        // Only a caller the gate let through sees why a check failed.
        HealthController(version: version, probes: probes, showsDetails: { $0.identity != nil }).addRoutes(to: router)
        SystemController(version: version, metricsPort: settings.metricsPort).addRoutes(to: router)
        if let api {
            // Each controller puts its routes in groups by the role they need (``RequireRole``).
            let v1 = router.group("api/v1")
            JobsController(store: api.runs, audit: api.audit).addRoutes(to: v1)
            ScoringJobsController(
                runs: api.runs,
                registry: api.registry,
                kinds: api.kinds,
                audit: api.audit,
                locations: api.scoringLocations
            )
            .addRoutes(to: v1)
            ModelsController(registry: api.registry).addRoutes(to: v1)
            AuditController(audit: api.audit).addRoutes(to: v1)
            ArtifactsController(registry: api.registry, uploadLimit: settings.uploadLimit).addRoutes(to: v1)
            ScoringController(
                registry: api.registry,
                cache: api.cache,
                bodyLimit: settings.bodyLimit,
                maxRows: scoring.maxRows,
                invocationsModel: api.invocationsModel
            )
            .addRoutes(to: v1, root: router)
            TokensController(tokens: api.tokens, audit: api.audit).addRoutes(to: v1)
        }
        return router
    }

    /// - Parameters:
    ///   - metrics: as in ``router(version:probes:api:settings:metrics:)``.
    ///   - onListening: called with the bound port once the server accepts connections.
    /// - Throws: when `NOMALY_TLS_CERT` or `NOMALY_TLS_KEY` cannot be loaded.
    package static func application(
        host: String,
        port: Int,
        version: String,
        probes: [ReadinessProbe],
        api: APIDependencies? = nil,
        settings: HTTPSettings = HTTPSettings(scoringDirectory: "scoring"),
        metrics: HTTPMetrics? = nil,
        scoring: ScoringSettings = ScoringSettings(),
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> App {
        Application(
            router: router(version: version, probes: probes, api: api, settings: settings, metrics: metrics, scoring: scoring),
            server: try server(settings),
            configuration: .init(address: .hostname(host, port: port), serverName: "nomaly/\(version)"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// HTTP/1.1 with the idle timeout, wrapped in TLS when a certificate and key are configured.
    package static func server(_ settings: HTTPSettings) throws -> HTTPServerBuilder {
        // NIO's decoder limits are a backstop far above the configured header limit: requests between the two get
        // a clear 431 from ``RequestLimitsMiddleware`` instead of a dropped connection.
        let backstop = max(80 << 10, 2 * (settings.maxHeaderBytes + settings.maxURLBytes))
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(
                idleTimeout: TimeAmount(settings.idleTimeout),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: backstop, maxHeaderListSize: backstop)
            )
        )
        let tls: TLSConfiguration?
        do {
            tls = try settings.tlsConfiguration()
        } catch {
            throw TLSSetupError(description: "\(error)")
        }
        guard let tls else { return http1 }
        return try .tls(http1, tlsConfiguration: tls)
    }
}

/// A certificate or key that cannot be loaded: `nomaly serve` stops with this message instead of serving plain HTTP.
package struct TLSSetupError: Error, CustomStringConvertible {
    package let description: String
}
