// swift-tools-version:6.1
// SXSim: steady-state simulation of countercurrent solvent-extraction cascades.
//
// Dependencies run one way:
//   SXNumerics  <-  SXModel  <-  (SXFlowsheet, SXReport, SXDesign)  <-  sxsim
// Nothing in SXNumerics knows what a rare earth is; only `sxsim` does I/O.
import PackageDescription

let package = Package(
    name: "SXSim",
    products: [
        // MARK: - Public API
        .library(name: "SXNumerics", targets: ["SXNumerics"]),
        .library(name: "SXModel", targets: ["SXModel"]),
        .library(name: "SXFlowsheet", targets: ["SXFlowsheet"]),
        .library(name: "SXReport", targets: ["SXReport"]),
        .library(name: "SXDesign", targets: ["SXDesign"]),
        // MARK: - Executable
        .executable(name: "sxsim", targets: ["sxsim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // Documentation only: `swift package generate-documentation` (Sources/*/Documentation.docc).
        // A command plugin: nothing of it is built by `swift build` or `swift test`.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
        // Tests only: property checks with shrinking (Tests/SXSimEndToEndTests/ShardPropertyTests.swift).
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // MARK: - Implementation details
        // Fortran LAPACK/BLAS symbols (Debian liblapack-dev, libblas-dev).
        // Only Sources/SXNumerics/LAPACK.swift imports this module.
        .systemLibrary(
            name: "CLAPACK",
            path: "Sources/CLAPACK",
            providers: [.apt(["liblapack-dev", "libblas-dev"])]
        ),

        // Flush-to-zero of subnormal doubles around the band LU (Sources/SXNumerics/BandLU.swift).
        .target(name: "CFloatingPointMode", path: "Sources/CFloatingPointMode"),

        // MARK: - Public API
        // Band/dense linear algebra, damped Newton, convergence reasons.
        .target(name: "SXNumerics", dependencies: ["CLAPACK", "CFloatingPointMode"]),
        // Elements, equilibrium models, cascades, the cascade residual and solver driver.
        .target(name: "SXModel", dependencies: ["SXNumerics"]),
        // Flowsheet text -> model, with located diagnostics. Reads no files.
        .target(name: "SXFlowsheet", dependencies: ["SXModel", .product(name: "Yams", package: "Yams")]),
        // Results -> text / JSON / CSV through an output stream.
        // (SXDesign for the design report's JSON form.)
        .target(name: "SXReport", dependencies: ["SXModel", "SXFlowsheet", "SXDesign"]),
        // Xu / Fenske design formulas and the exact minimum-stage search.
        .target(name: "SXDesign", dependencies: ["SXNumerics", "SXModel", "SXFlowsheet"]),

        // MARK: - Executable
        .executableTarget(
            name: "sxsim",
            dependencies: [
                "SXModel", "SXFlowsheet", "SXReport", "SXDesign",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        // Helpers shared by the test targets (re-exports SXNumerics' seeded generator); not a product.
        .target(name: "SXTestSupport", dependencies: ["SXNumerics"], path: "Tests/SXTestSupport"),
        .testTarget(name: "SXNumericsTests", dependencies: ["SXNumerics"]),
        // SXFlowsheet and SXDesign for the convergence cases read from the examples and the
        // plant-like population (ConvergenceTests).
        .testTarget(name: "SXModelTests", dependencies: ["SXModel", "SXNumerics", "SXTestSupport", "SXFlowsheet", "SXDesign"]),
        .testTarget(
            name: "SXFlowsheetTests",
            dependencies: ["SXFlowsheet", "SXModel"],
        ),
        .testTarget(
            name: "SXSimEndToEndTests",
            // sxsim itself (@testable) for its file and stream handling, tested in-process.
            dependencies: ["SXFlowsheet", "SXModel", "SXReport", "SXDesign", "SXTestSupport", "sxsim",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "PropertyBased", package: "swift-property-based")],
            resources: []
        ),
    ]
)
