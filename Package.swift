// swift-tools-version:6.2
import PackageDescription

// Every target compiles in Swift 6 language mode with these upcoming features, as hummingbird does.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Dependencies point one way (docs/architecture.md):
//   C shims → infrastructure (Units, JSONValues, Settings, Processes, FileSystem, Postgres, Archive, ObjectStore, Observability, Cron, Datasets, Detectors)
//   → domain (Audit, Modeling, Registry, Scheduler, Backup) → Maintenance → Jobs → AdminAPI → App (the composition
//   root) → nomaly (argument parsing).
// Nothing below imports anything above it; each C library is imported by exactly one Swift module.
let package = Package(
    name: "nomaly",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nomaly", targets: ["nomaly"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        // Already required by hummingbird's TLS product; named here because AdminAPI loads PEM files with it.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        // Already required by hummingbird; named here because AdminAPI and its tests import HTTPTypes themselves.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // MARK: C libraries (Debian -dev packages)
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev", "zlib1g-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // MARK: Infrastructure
        .target(name: "Units", swiftSettings: swiftSettings),
        .target(name: "JSONValues", swiftSettings: swiftSettings),
        // Reading settings from the environment (NAME_FILE secrets, every problem collected), for every module's own
        // settings type: below all of them, beside Units, whose value parsers it uses.
        .target(name: "Settings", dependencies: ["Units"], swiftSettings: swiftSettings),
        .target(
            name: "FileSystem",
            dependencies: [
                "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Archive",
            dependencies: [
                "CArchive",
                "FileSystem",
                "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ObjectStore",
            dependencies: [
                "CCurl",
                "FileSystem",
                "Settings",
                "Units",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "Cron", dependencies: ["Units"], swiftSettings: swiftSettings),
        .target(name: "Detectors", swiftSettings: swiftSettings),
        .target(name: "Datasets", dependencies: ["Archive", "FileSystem", "Postgres"], swiftSettings: swiftSettings),
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                "Settings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Processes",
            // FileSystem: the system calls Swift cannot import (pipe2) and the one way to run on a thread of its own.
            dependencies: ["FileSystem"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CPostgres",
                "FileSystem",
                "Processes",
                "Settings",
                "Units",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            // The schema travels inside the binary: migrations/*.sql become `Migration.embedded()`.
            plugins: ["EmbedMigrations"]
        ),

        // MARK: Domain
        .target(name: "Audit", dependencies: ["Postgres", "JSONValues"], swiftSettings: swiftSettings),
        .target(
            name: "Modeling",
            dependencies: [
                "Datasets", "Detectors", "Archive", "FileSystem", "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Registry",
            dependencies: [
                "Postgres", "Audit", "ObjectStore", "Modeling", "Archive", "FileSystem", "JSONValues", "Units",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Scheduler",
            dependencies: [
                "Cron",
                "JSONValues",
                "Settings",
                "Units",
                "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "Backup",
            dependencies: [
                "Postgres", "Processes", "Archive", "ObjectStore", "Scheduler", "FileSystem", "Audit", "JSONValues", "Units", "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Cross-domain operations (each table asked through its owning store)
        .target(
            name: "Maintenance",
            dependencies: [
                "Backup", "Registry", "Scheduler", "Observability", "Postgres", "ObjectStore", "FileSystem", "Units",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Jobs
        .target(
            name: "Jobs",
            dependencies: [
                "Scheduler",
                "Postgres",
                "Processes",
                "Registry",
                "Modeling",
                "Datasets",
                "FileSystem",
                "ObjectStore",
                "Backup",
                "Maintenance",
                "JSONValues",
                "Units",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Interfaces
        .target(
            name: "AdminAPI",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "Cron",
                "Postgres",
                "Audit",
                "Observability",
                "Scheduler",
                "Registry",
                "Modeling",
                "Datasets",
                "Detectors",
                "ObjectStore",
                "Units",
                "JSONValues",
                "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: reads the settings, builds the object graph once and runs the daemon's services.
        .target(
            name: "App",
            dependencies: [
                "Units",
                "Modeling",
                "AdminAPI", "Audit", "Backup", "Archive", "Cron", "JSONValues", "Settings", "FileSystem", "Jobs", "Maintenance", "ObjectStore",
                "Observability", "Postgres", "Registry", "Scheduler",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "nomaly",
            // Exactly what its files import: App for every piece of wiring, the rest for the value types it prints.
            dependencies: [
                "App", "AdminAPI", "Archive", "Backup", "Cron", "Datasets", "Detectors", "JSONValues", "Jobs", "Maintenance", "Modeling",
                "ObjectStore", "Postgres", "Registry", "Scheduler", "Units",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Build tools (run on the build machine while compiling; not shipped)
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["nomaly-embed-migrations"]),
        .executableTarget(
            name: "nomaly-embed-migrations",
            path: "Plugins/EmbedMigrationsTool",
            // A link to ../../migrations, so that adding a migration changes the package's structure (see the plugin).
            exclude: ["migrations"],
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks (scripts/bench builds it in release; not a product)
        .executableTarget(
            name: "nomaly-detector-bench",
            dependencies: ["Datasets", "Detectors", "Units"],
            path: "Benchmarks/DetectorBench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests (integration tests read DATABASE_URL / S3_ENDPOINT set by scripts/test)
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"), "Postgres", "Processes", "ObjectStore", "Modeling", "Datasets",
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        // The world backups and the clean-up work on (a schema, a registry, a backup folder), shared by BackupTests and
        // MaintenanceTests; a target of its own because TestSupport sits below Registry and Backup.
        .target(
            name: "BackupFixtures",
            dependencies: ["Backup", "Maintenance", "Registry", "ObjectStore", "Postgres", "TestSupport"],
            path: "Tests/BackupFixtures",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "UnitsTests", dependencies: ["Units"], swiftSettings: swiftSettings),
        .testTarget(name: "JSONValuesTests", dependencies: ["JSONValues"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FileSystemTests",
            dependencies: ["FileSystem", "Settings", "TestSupport", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DetectorsTests", dependencies: ["Detectors"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DatasetsTests",
            dependencies: ["Datasets", "Postgres", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RegistryTests",
            dependencies: [
                "Registry", "Audit", "Modeling", "Datasets", "ObjectStore", "Postgres", "Archive", "Processes", "JSONValues", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModelingTests",
            dependencies: ["Modeling", "Datasets", "Detectors", "Archive", "Processes", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CronTests", dependencies: ["Cron"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "Postgres", "AdminAPI", "Backup", "FileSystem", "Observability", "Registry", "Settings", "ObjectStore",
                "Scheduler", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArchiveTests",
            dependencies: ["Archive", "FileSystem", "Processes", "Settings", "TestSupport", .product(name: "NIOPosix", package: "swift-nio")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                "ObjectStore", "Settings", "Processes", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ObservabilityTests",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "Observability", "Settings", .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ProcessesTests", dependencies: ["Processes", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "Settings", "TestSupport", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "Postgres", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AdminAPITests",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                "AdminAPI", "TestSupport", "Observability", "Registry", "Audit", "Scheduler", "Jobs", "ObjectStore", "Postgres", "Modeling",
                "JSONValues", "Settings",
                "Datasets", "Detectors",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SchedulerTests",
            dependencies: [
                "Scheduler", "Postgres", "JSONValues", "TestSupport", "Settings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JobsTests",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                "Jobs", "Scheduler", "Postgres", "Processes", "Registry", "ObjectStore", "Datasets", "JSONValues", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackupTests",
            dependencies: [
                "Backup", "Maintenance", "Registry", "Scheduler", "Jobs", "Postgres", "ObjectStore", "Processes", "JSONValues",
                "TestSupport", "BackupFixtures", "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaintenanceTests",
            dependencies: [
                "Maintenance", "Backup", "Registry", "Observability", "Postgres", "ObjectStore", "TestSupport", "BackupFixtures",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "nomalyTests",
            dependencies: ["Postgres", "Processes", "TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
    ]
)
