// swift-tools-version:6.1
import PackageDescription

// Host, adapters and tools of the LLM gateway. Adapters are dynamic libraries that speak only the C ABI
// in Sources/PluginAPI; they never link the host.
let package = Package(
    name: "llm-gateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gateway", targets: ["gateway"]),
        .executable(name: "mock-provider", targets: ["mock-provider"]),
        .library(name: "OpenAIAdapter", type: .dynamic, targets: ["OpenAIAdapter"]),
        .library(name: "DeepSeekAdapter", type: .dynamic, targets: ["DeepSeekAdapter"]),
        .library(name: "GLMAdapter", type: .dynamic, targets: ["GLMAdapter"]),
        .library(name: "AnthropicAdapter", type: .dynamic, targets: ["AnthropicAdapter"]),
        // For bench/micro (a separate package that depends on this one by path): the host's typed adapter calls.
        .library(name: "AdapterHost", targets: ["AdapterHost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    ],
    targets: [
        // The C ABI: the only contract between host and adapters.
        .target(name: "PluginAPI", path: "Sources/PluginAPI"),

        // Order- and number-preserving JSON (no Foundation), shared by the host, adapters and tests.
        .target(name: "JSONCore", path: "Sources/JSONCore"),

        // Optional helpers for adapters written in Swift (SSE framing, JSON, descriptor plumbing).
        .target(name: "AdapterKit", dependencies: ["PluginAPI", "JSONCore"], path: "Sources/AdapterKit"),

        // The system zlib, which gzips the web console's files once at start-up.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // The host side of the ABI: dlopen, descriptor validation, typed calls that copy adapter output.
        .target(
            name: "AdapterHost",
            dependencies: ["PluginAPI", .product(name: "NIOCore", package: "swift-nio")],
            path: "Sources/AdapterHost"
        ),

        .target(name: "OpenAIAdapter", dependencies: ["PluginAPI", "AdapterKit"], path: "Plugins/OpenAI"),
        .target(name: "DeepSeekAdapter", dependencies: ["PluginAPI", "AdapterKit"], path: "Plugins/DeepSeek"),
        .target(name: "GLMAdapter", dependencies: ["PluginAPI", "AdapterKit"], path: "Plugins/GLM"),
        .target(name: "AnthropicAdapter", dependencies: ["PluginAPI", "AdapterKit"], path: "Plugins/Anthropic"),

        // The conformance checker behind `gateway adapter check` (and the tests that run it in-process), with a
        // little C for what Swift cannot do safely: heap statistics and a crash report from a signal handler.
        .target(name: "AdapterCheckSupport", path: "Sources/AdapterCheckSupport"),
        .target(
            name: "AdapterCheck",
            dependencies: [
                "AdapterHost", "AdapterCheckSupport", "PluginAPI", "JSONCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/AdapterCheck"
        ),

        .target(
            name: "Host",
            dependencies: [
                "PluginAPI", "AdapterHost", "JSONCore", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Host",
            resources: [.copy("Resources/openapi.json"), .copy("Resources/console")]
        ),
        .executableTarget(
            name: "gateway",
            dependencies: ["Host", "AdapterCheck", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/gateway"
        ),

        // A real HTTP server that plays OpenAI, DeepSeek and GLM for tests, demos and benchmarks.
        .target(
            name: "MockProvider",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/MockProvider"
        ),
        .executableTarget(
            name: "mock-provider",
            dependencies: ["MockProvider", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/mock-provider"
        ),

        // Shared by the test targets: repository paths, fixtures, build products, random splits.
        .target(name: "TestSupport", path: "Sources/TestSupport"),

        .testTarget(
            name: "AdapterTests",
            dependencies: ["PluginAPI", "AdapterKit", "AdapterHost", "AdapterCheck", "TestSupport"],
            path: "Tests/AdapterTests"
        ),
        .testTarget(
            name: "MockProviderTests",
            dependencies: ["MockProvider", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Tests/MockProviderTests"
        ),
        .testTarget(
            name: "HostTests",
            dependencies: [
                "Host", "MockProvider", "TestSupport", "AdapterHost",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/HostTests"
        ),
    ]
)
