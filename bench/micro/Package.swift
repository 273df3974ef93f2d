// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of the adapter path (issue 6): the host's typed calls (AdapterHost) into the real adapter
// libraries, loaded with dlopen exactly as the gateway loads them. A separate package so `make test` never
// builds ordo-one/benchmark; run it with `make bench-micro`.
let package = Package(
    name: "llm-gateway-micro",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "llm-gateway", path: "../.."),
        // MallocInterposer gives the malloc counts; the default RuntimeInterposer trait is left off.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.0.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "AdapterPath",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "AdapterHost", package: "llm-gateway"),
            ],
            path: "Benchmarks/AdapterPath",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
