// ordo-one/benchmark suites for SXSim's cascade solver.
//
//   cd Benchmarks && swift package benchmark                       everything (slow: minutes)
//   swift package benchmark --filter 'mass-action/500x6'            one case
//   swift package benchmark --filter 'newton-loop'                  allocations inside the Newton loop
//
// Names are BenchmarkCase descriptions ("model/stagesxelements/solver"), so `--filter`
// takes the same keys as `sxbench`. Every sample is one cold-start solve.
import Benchmark
import BenchmarkCases
import SXModel
import SXNumerics

let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: metrics,
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(2),
        maxIterations: 25
    )

    // Band solves over the whole grid. Mass action from 200 stages up runs a handful of
    // samples only (15 elements at 500 and 1000 stages do not converge and take tens of seconds).
    for c in BenchmarkGrid.bandCases {
        let slow = c.model == .massAction && c.stages >= 200
        Benchmark(c.description,
                  configuration: .init(metrics: metrics, timeUnits: .milliseconds,
                                       warmupIterations: slow ? 0 : 1,
                                       maxDuration: .seconds(slow ? 1 : 2),
                                       maxIterations: slow ? 3 : 25)) { benchmark in
            blackHole(c.solve())
        }
    }

    // Dense baseline where a full dense solve is tolerable (see BenchmarkGrid.denseFullSolveLimit;
    // every band case in that range converges, so the dense run does too).
    for c in BenchmarkGrid.bandCases where BenchmarkGrid.denseMode(for: c) == .fullSolve && c.stages >= 50 {
        let d = c.with(.dense)
        Benchmark(d.description,
                  configuration: .init(metrics: metrics, timeUnits: .milliseconds,
                                       maxDuration: .seconds(3), maxIterations: 5)) { benchmark in
            blackHole(d.solve())
        }
    }

    // Dynamic start-ups to the steady state (issue 11): seconds to minutes each, one sample.
    for c in StartupCase.allCases {
        Benchmark("startup/\(c.rawValue)",
                  configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident], timeUnits: .milliseconds,
                                       warmupIterations: 0, maxDuration: .seconds(1), maxIterations: 1)) { benchmark in
            blackHole(c.run())
        }
    }

    // The Newton loop alone, set-up excluded: allocations per loop (not per solve), and the
    // per-iteration cost of band against dense at 500 stages.
    let loopCases = [
        BenchmarkCase(model: .massAction, stages: 10, elements: 6),
        BenchmarkCase(model: .separationFactors, stages: 500, elements: 6),
        BenchmarkCase(model: .constantDistribution, stages: 500, elements: 6),
    ]
    for c in loopCases {
        for solver in [LinearSolverKind.band, .dense] {
            Benchmark("newton-loop/\(c.with(solver))/2-iterations",
                      configuration: .init(metrics: [.wallClock, .mallocCountTotal], timeUnits: .milliseconds,
                                           maxDuration: .seconds(2), maxIterations: solver == .dense ? 3 : 25)) { benchmark in
                guard var probe = try? NewtonLoopProbe(c, linearSolver: solver, maximumIterations: 2) else { return }
                benchmark.startMeasurement()
                blackHole(probe.iterate())
                benchmark.stopMeasurement()
            }
        }
    }
}
