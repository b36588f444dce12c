// swift-tools-version:6.1
// SXSim benchmarks: a package of its own, so that the main build never pays for
// ordo-one/benchmark. It depends on the root package by path under an explicit name, so a
// clone in a folder of any name resolves.
//
//   swift package benchmark                     ordo-one suites (wall clock, CPU, mallocs, peak RSS)
//   ./run.sh                                    regenerates the table in README.md
import PackageDescription

let package = Package(
    name: "SXSimBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "SXSim", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // MARK: - Implementation details
        // The benchmark grid (models × stages × elements) and the timed solve, and the
        // start-up cases of the dynamic simulation, shared by the ordo-one suites and the
        // table generator so both measure the same thing.
        .target(
            name: "BenchmarkCases",
            dependencies: [
                .product(name: "SXModel", package: "SXSim"),
                .product(name: "SXNumerics", package: "SXSim"),
                .product(name: "SXReport", package: "SXSim"),
            ]
        ),

        // MARK: - Executables
        // Monotonic-clock runner that prints the markdown results table (used by run.sh).
        .executableTarget(
            name: "sxbench",
            dependencies: ["BenchmarkCases", .product(name: "SXDesign", package: "SXSim")]
        ),
        // ordo-one/benchmark suites; the plugin finds them under Benchmarks/<target>.
        .executableTarget(
            name: "CascadeSolve",
            dependencies: [
                "BenchmarkCases",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CascadeSolve",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
