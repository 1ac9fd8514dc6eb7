public import Hummingbird
public import Logging
public import Registry
public import Scheduler

/// What the authenticated API works on; nil in tests of the public endpoints alone.
public struct APIDependencies: Sendable {
    public let tokens: TokenStore
    public let runs: RunStore
    public let registry: ModelRegistry
    public let audit: AuditLog
    public let lockout: FailedAttemptLimiter
    /// nil when `RATE_LIMIT_ENABLED=false`.
    public let rateLimiter: RateLimiter?
    /// The largest model tarball `POST /api/v1/models/{name}/versions` accepts, in bytes.
    public let uploadLimit: Int64
    /// Loaded models for the scoring endpoints.
    public let cache: DetectorCache
    /// The largest request body the scoring endpoints read, in bytes.
    public let bodyLimit: Int
    /// `NOMALY_INVOCATIONS_MODEL`: what `POST /invocations` scores with when the request names no model.
    public let invocationsModel: String?

    public init(
        tokens: TokenStore,
        runs: RunStore,
        registry: ModelRegistry,
        audit: AuditLog,
        lockout: FailedAttemptLimiter = FailedAttemptLimiter(),
        rateLimiter: RateLimiter? = nil,
        uploadLimit: Int64 = 100 << 20,
        cache: DetectorCache? = nil,
        bodyLimit: Int = 50 << 20,
        invocationsModel: String? = nil
    ) {
        self.tokens = tokens
        self.runs = runs
        self.registry = registry
        self.audit = audit
        self.lockout = lockout
        self.rateLimiter = rateLimiter
        self.uploadLimit = uploadLimit
        self.cache = cache ?? DetectorCache(artifacts: registry.artifacts, limits: registry.limits)
        self.bodyLimit = bodyLimit
        self.invocationsModel = invocationsModel
    }
}

/// Builds the HTTP side of `nomaly serve`: health and readiness, and with ``APIDependencies`` the token-protected
/// `/api/v1` routes. Errors are answered as `{"error":{"code":…,"message":…}}`.
public enum AdminServer {
    public typealias App = Application<RouterResponder<NomalyRequestContext>>

    /// The router, separate from the server so tests can drive it with `app.test(.router)`.
    public static func router(
        version: String,
        probes: [ReadinessProbe],
        api: APIDependencies? = nil
    ) -> Router<NomalyRequestContext> {
        let router = Router(context: NomalyRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        if let api {
            router.add(middleware: BearerAuthMiddleware(tokens: api.tokens, lockout: api.lockout))
            if let limiter = api.rateLimiter { router.add(middleware: RateLimitMiddleware(limiter: limiter)) }
        }
        router.addHealthRoutes(version: version, probes: probes)
        if let api {
            let group = router.group("api/v1")
            JobsRoutes(store: api.runs, audit: api.audit).add(to: group)
            ModelsRoutes(registry: api.registry).add(to: group)
            ArtifactRoutes(registry: api.registry, uploadLimit: api.uploadLimit).add(to: group)
            ScoringRoutes(registry: api.registry, cache: api.cache, bodyLimit: api.bodyLimit, invocationsModel: api.invocationsModel)
                .add(to: group, root: router)
        }
        return router
    }

    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public static func application(
        host: String,
        port: Int,
        version: String,
        probes: [ReadinessProbe],
        api: APIDependencies? = nil,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> App {
        Application(
            router: router(version: version, probes: probes, api: api),
            configuration: .init(address: .hostname(host, port: port), serverName: "nomaly/\(version)"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
