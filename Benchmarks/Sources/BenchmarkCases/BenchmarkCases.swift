import Foundation
import SXModel
import SXNumerics

/// One benchmarked problem: a standard fractional extraction + scrub + strip cascade
/// (`StandardCascades.fractionalWithStrip`, sections 2 : 2 : 1, 20 % strip-liquor reflux),
/// solved from a cold start with the band or the dense factorisation.
public struct BenchmarkCase: Hashable, Sendable, CustomStringConvertible {
    public var model: StandardCascades.Model
    public var stages: Int
    public var elements: Int
    public var solver: LinearSolverKind

    public init(model: StandardCascades.Model, stages: Int, elements: Int, solver: LinearSolverKind = .band) {
        self.model = model
        self.stages = stages
        self.elements = elements
        self.solver = solver
    }

    /// "mass-action/500x6/band": stable, used as the ordo-one benchmark name and `--filter` key.
    public var description: String { "\(model.rawValue)/\(stages)x\(elements)/\(solver.rawValue)" }

    /// Unknowns per stage: the elements, plus [(HA)₂], the saponifying cation and [H⁺] for mass action.
    public var blockSize: Int { elements + (model == .massAction ? 3 : 0) }
    /// Order of each Newton system.
    public var unknowns: Int { stages * blockSize }

    public var cascade: Cascade {
        StandardCascades.fractionalWithStrip(model: model, elementCount: elements, totalStages: stages,
                                             reflux: BenchmarkGrid.reflux)
    }

    public func options(maximumIterations: Int? = nil) -> SolveOptions {
        var o = SolveOptions()
        o.newton.linearSolver = solver
        if let maximumIterations { o.newton.maximumIterations = maximumIterations }
        stageContinuationOverride(&o)
        return o
    }

    /// The same problem with the other factorisation.
    public func with(_ solver: LinearSolverKind) -> BenchmarkCase {
        var c = self
        c.solver = solver
        return c
    }

    /// One cold-start solve: builds the cascade, the network, the start and the Newton
    /// workspace, and iterates to convergence. This is what every timing measures.
    @inline(never)
    public func solve(maximumIterations: Int? = nil) -> CascadeResult {
        do {
            return try CascadeSolver.solve(cascade, options: options(maximumIterations: maximumIterations))
        } catch {
            preconditionFailure("standard cascade rejected: \(error)")
        }
    }
}

/// The grid of issue 4 and the limits that keep it affordable on a shared 2-core machine.
public enum BenchmarkGrid {
    public static let stageCounts = [10, 50, 100, 200, 500, 1000]
    public static let elementCounts = [2, 6, 15]
    public static let reflux = 0.2

    /// Every model × stage count × element count, band factorisation.
    public static var bandCases: [BenchmarkCase] {
        StandardCascades.Model.allCases.flatMap { model in
            stageCounts.flatMap { n in elementCounts.map { BenchmarkCase(model: model, stages: n, elements: $0) } }
        }
    }

    /// Largest Newton system solved to convergence with `dgesv`. Reference LAPACK/BLAS runs
    /// dense LU at roughly 1 to 2 GFlop/s here, so order 1,200 costs about 1 s per iteration;
    /// larger dense systems are timed per iteration only (see `denseIterationCap`).
    public static let denseFullSolveLimit = 1_200
    /// Largest dense system timed at all (per Newton iteration, with an iteration cap).
    public static let denseTimedLimit = 3_000
    /// Iterations timed for dense systems above `denseFullSolveLimit`.
    public static let denseIterationCap = 1

    /// Whether the dense baseline runs for `c`, and whether to completion.
    public static func denseMode(for c: BenchmarkCase) -> DenseMode {
        if c.unknowns <= denseFullSolveLimit { return .fullSolve }
        if c.unknowns <= denseTimedLimit && c.stages <= 500 { return .perIteration }
        return .skipped
    }

    public enum DenseMode: Sendable { case fullSolve, perIteration, skipped }
}

/// The Newton loop alone, on the real cascade system, for timing per iteration and for
/// counting allocations after set-up: the network, the system, the solver's workspace and
/// the start are built once in `init`; `iterate` runs only `NewtonSolver.solve`.
///
/// The start is the converged band solution with every log-unknown perturbed by
/// 0.05 · sin(k) (a fixed, repeatable offset), so each iteration factorises a genuine,
/// non-trivial Jacobian and the line search behaves as in a real solve.
public struct NewtonLoopProbe {
    public let benchmarkCase: BenchmarkCase
    public let start: [Double]
    public private(set) var system: CascadeSystem
    public private(set) var solver: NewtonSolver
    public var unknowns: [Double]

    public init(_ c: BenchmarkCase, linearSolver: LinearSolverKind, maximumIterations: Int, perturbation: Double = 0.05) throws {
        benchmarkCase = c
        let solved = c.with(.band).solve()
        let network = try CascadeNetwork(solved.cascade)
        system = CascadeSystem(network: network)
        var u: [Double] = []
        u.reserveCapacity(system.unknownCount)
        for i in 0..<network.stageCount {
            // Concentrations that underflowed to 0 in the read-out start at the smallest double.
            func ln(_ v: Double) -> Double { log(max(v, Double.leastNonzeroMagnitude)) }
            for j in 0..<network.elementCount { u.append(ln(solved.aqueous[i][j])) }
            if network.exchangesAcid { u.append(ln(solved.freeDimer![i])) }
            if network.hasCation { u.append(ln(solved.aqueousCation![i])) }
            // ln [H⁺] last in the block of an acid-exchange stage (docs/engine.md §4).
            if network.exchangesAcid { u.append(ln(solved.acidity![i])) }
        }
        precondition(u.count == system.unknownCount, "unknown layout changed in CascadeSystem")
        for k in u.indices { u[k] += perturbation * sin(Double(k)) }
        start = u
        unknowns = u
        var options = NewtonOptions()
        options.linearSolver = linearSolver
        options.maximumIterations = maximumIterations
        options.polishIterations = 0
        solver = NewtonSolver(for: system, options: options)
    }

    /// Resets the unknowns to the start (copies into the existing buffer: no allocation).
    public mutating func reset() {
        unknowns.withUnsafeMutableBufferPointer { dst in
            start.withUnsafeBufferPointer { src in _ = dst.update(fromContentsOf: src) }
        }
    }

    /// Runs the Newton loop from the current unknowns.
    @inline(never)
    public mutating func iterate() -> NewtonReport {
        solver.solve(&system, unknowns: &unknowns)
    }
}

/// For comparisons (every sxbench command): `SXBENCH_STAGE_CONTINUATION_MINIMUM=N` sets
/// `SolveOptions.stageContinuation.minimumStages` to N, and 0 turns the strategy off;
/// `SXBENCH_STAGE_CONTINUATION_BEFORE_START=0|1` sets `beforeStart`;
/// `SXBENCH_MINIMUM_SECTION_STAGES=N` sets `minimumSectionStages`; `SXBENCH_COARSE_TOLERANCE=T`
/// sets `coarseTolerance`.
public func stageContinuationOverride(_ options: inout SolveOptions) {
    let environment = ProcessInfo.processInfo.environment
    if let v = environment["SXBENCH_STAGE_CONTINUATION_MINIMUM"], let n = Int(v) {
        options.stageContinuation.minimumStages = n
        options.stageContinuation.enabled = n > 0
    }
    if let v = environment["SXBENCH_STAGE_CONTINUATION_BEFORE_START"] {
        options.stageContinuation.beforeStart = v == "1"
    }
    if let v = environment["SXBENCH_MINIMUM_SECTION_STAGES"], let n = Int(v) {
        options.stageContinuation.minimumSectionStages = n
    }
    if let v = environment["SXBENCH_COARSE_TOLERANCE"], let t = Double(v) {
        options.stageContinuation.coarseTolerance = t
    }
}
