// swift-tools-version: 6.1
// pairsmith: training data for text-embedding models, the Qwen3-Embedding way.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "pairsmith",
    // Supported: Linux (built and tested on Debian 12, x86-64). The code needs Linux for `/proc/self/exe` (the BLAS
    // thread re-exec) and Swift's `Mutex`; macOS 15 is the least a macOS build would need, but it is neither built
    // nor tested there.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pairsmith", targets: ["pairsmith"]),
        .library(name: "PairsmithTokenizer", targets: ["PairsmithTokenizer"]),
        .library(name: "PairsmithEngine", targets: ["PairsmithEngine"]),
        .library(name: "PairsmithHub", targets: ["PairsmithHub"]),
        .library(name: "PairsmithEndpoints", targets: ["PairsmithEndpoints"]),
        .library(name: "PairsmithPipeline", targets: ["PairsmithPipeline"]),
        .library(name: "PairsmithExport", targets: ["PairsmithExport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // MARK: - Public API

        .target(name: "PairsmithJSON", swiftSettings: swiftSettings),
        .target(name: "PairsmithTokenizer", dependencies: ["PairsmithJSON"], swiftSettings: swiftSettings),
        .target(name: "PairsmithBLAS", dependencies: ["COpenBLAS"], swiftSettings: swiftSettings),
        .target(name: "PairsmithDNNL", dependencies: ["CDNNL"], swiftSettings: swiftSettings),
        .target(
            name: "PairsmithEngine",
            dependencies: ["PairsmithJSON", "PairsmithText", "PairsmithTokenizer", "PairsmithBLAS", "PairsmithDNNL"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithEndpoints",
            dependencies: [
                "PairsmithJSON", "PairsmithText",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithHub",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithStore",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithText",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithConfiguration",
            dependencies: ["PairsmithText", "PairsmithStore", "PairsmithJSON", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithIngest",
            dependencies: ["PairsmithText", "PairsmithStore", "PairsmithJSON", "PairsmithTokenizer"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithMatching",
            dependencies: ["PairsmithText", "PairsmithStore", "PairsmithBLAS"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithStages",
            dependencies: [
                "PairsmithConfiguration", "PairsmithText", "PairsmithStore", "PairsmithEndpoints", "PairsmithJSON",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithSelection",
            dependencies: [
                "PairsmithConfiguration", "PairsmithMatching", "PairsmithText", "PairsmithStore", "PairsmithBLAS",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithExport",
            dependencies: [
                "PairsmithConfiguration", "PairsmithText", "PairsmithStore", "PairsmithJSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithReport",
            dependencies: ["PairsmithStages", "PairsmithConfiguration", "PairsmithStore", "PairsmithText"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PairsmithPipeline",
            dependencies: [
                "PairsmithConfiguration", "PairsmithIngest", "PairsmithMatching", "PairsmithStages", "PairsmithSelection",
                "PairsmithStore", "PairsmithEndpoints", "PairsmithEngine", "PairsmithText", "PairsmithTokenizer",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pairsmith",
            dependencies: [
                "PairsmithPipeline", "PairsmithConfiguration", "PairsmithStages", "PairsmithSelection", "PairsmithExport",
                "PairsmithReport", "PairsmithStore", "PairsmithEndpoints", "PairsmithEngine", "PairsmithBLAS",
                "PairsmithTokenizer", "PairsmithHub", "PairsmithText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "pairsmith-bench",
            dependencies: [
                "PairsmithBLAS", "PairsmithTokenizer", "PairsmithEngine", "PairsmithEndpoints", "PairsmithTestSupport",
                "PairsmithPipeline", "PairsmithStore", "PairsmithConfiguration", "PairsmithExport", "PairsmithIngest",
                "PairsmithMatching", "PairsmithSelection", "PairsmithStages", "PairsmithText", "PairsmithJSON", "PairsmithDNNL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),  // the chat benchmark's bare reference client
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Implementation details

        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),  // oneDNN 2.x: no pkg-config file
        .target(
            name: "PairsmithTestSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests

        .testTarget(name: "PairsmithJSONTests", dependencies: ["PairsmithJSON", "PairsmithTestSupport"]),
        .testTarget(name: "PairsmithTokenizerTests", dependencies: ["PairsmithTokenizer", "PairsmithTestSupport"]),
        .testTarget(name: "PairsmithTextTests", dependencies: ["PairsmithText", "PairsmithTokenizer", "PairsmithTestSupport"]),
        .testTarget(name: "PairsmithBLASTests", dependencies: ["PairsmithBLAS"]),
        .testTarget(name: "PairsmithDNNLTests", dependencies: ["PairsmithDNNL", "PairsmithTestSupport"]),
        .testTarget(
            name: "PairsmithHubTests",
            dependencies: ["PairsmithHub", "PairsmithTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "PairsmithEngineTests", dependencies: ["PairsmithEngine", "PairsmithTokenizer", "PairsmithDNNL", "PairsmithTestSupport"]
        ),
        .testTarget(
            name: "PairsmithEndpointsTests",
            dependencies: [
                "PairsmithEndpoints", "PairsmithJSON", "PairsmithTestSupport", .product(name: "Logging", package: "swift-log"),
                "PairsmithEngine",  // the llama.cpp embedding parity test compares with the local engine
            ]
        ),
        .testTarget(name: "PairsmithStoreTests", dependencies: ["PairsmithStore", "PairsmithTestSupport"]),
        .testTarget(
            name: "PairsmithPipelineTests",
            dependencies: [
                "PairsmithPipeline", "PairsmithConfiguration", "PairsmithExport", "PairsmithIngest", "PairsmithMatching",
                "PairsmithReport", "PairsmithSelection", "PairsmithStages", "PairsmithText", "PairsmithStore",
                "PairsmithEndpoints", "PairsmithEngine", "PairsmithJSON", "PairsmithTestSupport",
            ]
        ),
        .testTarget(name: "PairsmithTestSupportTests", dependencies: ["PairsmithTestSupport"]),
        .testTarget(
            name: "PairsmithCLITests",
            dependencies: ["pairsmith", "PairsmithStore", "PairsmithTestSupport", "PairsmithTokenizer"]  // the plan test's token counts
        ),
    ]
)
