// swift-tools-version: 6.1
import PackageDescription

// Modules point one way: CLI -> engine/adapters -> planning/config -> core.
// Only the adapters (HoistSSH, HoistArchive, HoistDigest) import the C modules.
let package = Package(
    name: "Hoist",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hoist", targets: ["hoist"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // PostgresNIO's own dependencies, named for the products the adapter uses directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.3"),
    ],
    targets: [
        // C libraries, through pkg-config; scripts/setup installs them.
        .systemLibrary(
            name: "CLibSSH2", pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(
            name: "CLibArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),
        // OpenSSL's libcrypto, which libssh2 links anyway: SHA-256 and HMAC come from it
        // rather than from swift-crypto's bundled BoringSSL (docs/building.md says why).
        .systemLibrary(
            name: "CLibCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),

        // Pure core: value types and the ports adapters implement.
        .target(name: "HoistCore"),
        .target(name: "HoistConfig", dependencies: [
            "HoistCore", "HoistPlanning", .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "HoistPlanning", dependencies: ["HoistCore"]),
        .target(name: "HoistEngine", dependencies: [
            "HoistCore", "HoistPlanning",
        ]),

        // Adapters.
        .target(name: "HoistDigest", dependencies: ["CLibCrypto"]),
        .target(name: "HoistSSH", dependencies: ["HoistCore", "CLibSSH2", "HoistDigest"]),
        .target(name: "HoistArchive", dependencies: ["HoistCore", "CLibArchive", "HoistDigest"]),
        .target(name: "HoistLoadBalancers", dependencies: ["HoistCore"]),
        .target(name: "HoistHistory", dependencies: [
            "HoistCore", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The shared history on a PostgreSQL server (docs/history.md).
        .target(name: "HoistHistoryPostgres", dependencies: [
            "HoistCore", "HoistHistory", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Webhooks, trigger commands and alarm checks (HTTP through FoundationNetworking).
        .target(name: "HoistNotify", dependencies: [
            "HoistCore", "HoistDigest",
        ]),

        // The command line wires everything.
        .target(name: "HoistCLI", dependencies: [
            "HoistCore", "HoistConfig", "HoistPlanning", "HoistEngine",
            "HoistSSH", "HoistArchive", "HoistDigest", "HoistLoadBalancers", "HoistHistory", "HoistHistoryPostgres", "HoistNotify",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "hoist", dependencies: ["HoistCLI"]),

        // Hoist's transport against OpenSSH on the local fleet (scripts/bench-transport).
        .executableTarget(name: "TransportBench", dependencies: ["HoistSSH", "HoistCore", "HoistDigest", "HoistTestSupport"], path: "Benchmarks/TransportBench"),

        // 20 coordinators appending output to one history at once (scripts/bench-history).
        .executableTarget(name: "HistoryBench", dependencies: ["HoistCore", "HoistHistory", "HoistHistoryPostgres"], path: "Benchmarks/HistoryBench"),

        // Tests, one target per layer.
        .target(name: "HoistTestSupport", dependencies: ["HoistCore", "HoistConfig"], path: "Tests/HoistTestSupport"),
        .testTarget(name: "HoistCoreTests", dependencies: ["HoistCore", "HoistTestSupport"]),
        .testTarget(name: "HoistConfigTests", dependencies: ["HoistConfig", "HoistTestSupport"]),
        .testTarget(name: "HoistPlanningTests", dependencies: ["HoistPlanning", "HoistConfig", "HoistTestSupport"]),
        .testTarget(name: "HoistEngineTests", dependencies: ["HoistEngine", "HoistPlanning", "HoistConfig", "HoistHistory", "HoistTestSupport"]),
        .testTarget(name: "HoistArchiveTests", dependencies: [
            "HoistArchive", "HoistDigest", "HoistPlanning", "HoistTestSupport",
        ]),
        .testTarget(name: "HoistHistoryTests", dependencies: ["HoistHistory", "HoistHistoryPostgres", "HoistTestSupport"]),
        .testTarget(name: "HoistLoadBalancerTests", dependencies: ["HoistLoadBalancers", "HoistTestSupport"]),
        .testTarget(name: "HoistCLITests", dependencies: ["HoistCLI", "HoistTestSupport", "HoistHistory", "HoistCore", "HoistEngine"]),
        // Against webhook receivers and a fake Prometheus the tests start on 127.0.0.1.
        .testTarget(name: "HoistNotifyTests", dependencies: ["HoistNotify", "HoistEngine", "HoistTestSupport"]),
        // Against a real sshd the tests start on 127.0.0.1.
        .testTarget(name: "HoistSSHTests", dependencies: ["HoistSSH", "HoistDigest", "HoistTestSupport"]),
        // Against the local fleet of real sshd hosts and a real HAProxy (scripts/fleet).
        .testTarget(name: "HoistIntegrationTests", dependencies: [
            "HoistSSH", "HoistLoadBalancers", "HoistEngine", "HoistConfig", "HoistDigest", "HoistTestSupport",
        ]),
    ]
)
