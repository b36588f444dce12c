import Foundation
import SXNumerics

/// The solver's third strategy: continuation from an easier problem along the path the
/// cascade's models name (`EquilibriumModel.continuationPath`): the rare-earth feed scaled up
/// from trace (acid exchange: nearly linear there) or the models' own parameter from t = 0
/// (Xu's model: β_j^t, every element alike at t = 0) to t = 1.
enum Continuation {
    struct ContinuationFamily {
        /// The cascade at parameter t ∈ (0, 1]; t = 1 is the real problem.
        var cascadeAt: (Double) -> Cascade
        var startParameter: Double
        /// Shift of ln x when moving from t0 to t1 (feed scaling moves concentrations).
        var logShift: (Double, Double) -> Double
    }

    static func family(_ cascade: Cascade, options: ContinuationOptions) -> ContinuationFamily? {
        let paths = cascade.sections.map(\.equilibrium.continuationPath)
        if paths.contains(.rareEarthFeed) {
            return ContinuationFamily(
                cascadeAt: { t in cascade.scalingRareEarthFeeds(by: t) },
                startParameter: options.traceFeedFraction,
                logShift: { t0, t1 in log(t1 / t0) })
        }
        if paths.contains(.parameter) {
            return ContinuationFamily(
                cascadeAt: { t in cascade.withModelsAtContinuationParameter(t) },
                startParameter: 0,
                logShift: { _, _ in 0 })
        }
        return nil
    }

    /// `observe(k)` gives the observer of a Newton solve that starts after k iterations of
    /// the continuation.
    static func run(_ family: ContinuationFamily, from start: [Double], network: CascadeNetwork,
                    options: SolveOptions,
                    observe: (Int) -> ((NewtonIterationRecord) -> Void)? = { _ in nil }) -> (SolveOutcome, Int, Int, [Double]) {
        var t = family.startParameter
        var iterations = 0
        var steps = 0
        var u = start
        var lastFailure = SolveOutcome.notConverged(iterations: 0)
        // Solve at the start parameter from its own linear guess.
        func solveAt(_ t: Double, from guess: [Double]?) -> (ConvergenceReason, [Double], CascadeNetwork?) {
            guard let net = try? CascadeNetwork(family.cascadeAt(t)) else { return (.stalled(iterations: 0), [], nil) }
            var sys = CascadeSystem(network: net)
            var x: [Double]
            if var guess {
                StartingPoint.reseatAcidity(net, unknowns: &guess)
                x = guess
            } else {
                switch StartingPoint.make(net, system: &sys, options: options.start) {
                case .success(let g): x = g
                case .failure: return (.stalled(iterations: 0), [], net)
                }
            }
            var stepOptions = options.newton
            stepOptions.maximumIterations = min(stepOptions.maximumIterations, options.directIterations)
            var solver = NewtonSolver(for: sys, options: stepOptions)
            solver.observer = observe(iterations)
            let report = solver.solve(&sys, unknowns: &x)
            iterations += report.iterations
            return (report.reason, x, net)
        }
        var (reason, x, net0) = solveAt(t, from: nil)
        guard reason.isConverged, let firstNet = net0 else {
            return (CascadeSolver.translate(reason, network: net0 ?? network), iterations, 1, start)
        }
        _ = firstNet
        u = x
        let multiplicative = family.startParameter > 0   // feed scaling (decades) or a parameter (additive)
        let settings = options.continuation
        var increment = multiplicative ? settings.feedDecades : settings.parameterStep
        while t < 1 && steps < options.maximumContinuationSteps {
            steps += 1
            let next = multiplicative ? min(1, t * pow(10, increment)) : min(1, t + increment)
            var guess = u
            let shift = family.logShift(t, next)
            if shift != 0 {
                for i in 0..<network.stageCount {
                    for j in 0..<network.elementCount { guess[i * network.blockSize + j] += shift }
                }
            }
            (reason, x, _) = solveAt(next, from: guess)
            if reason.isConverged {
                t = next
                u = x
                increment = min(increment * settings.growth, multiplicative ? settings.maximumFeedDecades : settings.maximumParameterStep)
            } else {
                lastFailure = CascadeSolver.translate(reason, network: network)
                increment *= 0.5
                if increment < settings.minimumStep { return (lastFailure, iterations, steps, u) }
            }
        }
        return (t >= 1 ? .converged : lastFailure, iterations, steps, u)
    }
}

extension Cascade {
    /// The same cascade restricted to the elements at `indices` (in that order).
    public func keepingElements(_ indices: [Int]) -> Cascade {
        func pick(_ v: [Double]) -> [Double] { indices.map { v[$0] } }
        var c = self
        c.elements = indices.map { elements[$0] }
        c.aqueousFeeds = aqueousFeeds.map { var f = $0; f.concentrations = pick(f.concentrations); return f }
        c.organicFeeds = organicFeeds.map { var f = $0; f.concentrations = pick(f.concentrations); return f }
        c.sections = sections.map { var s = $0; s.equilibrium = s.equilibrium.keepingElements(indices); return s }
        return c
    }

    /// Every metal feed concentration multiplied by `factor`; each aqueous feed's free acid is
    /// raised by the charge removed (z_j per ion), so its acid capacity, and hence the acid
    /// and base balance of the whole cascade, stays as in the real problem.
    func scalingRareEarthFeeds(by factor: Double) -> Cascade {
        var c = self
        let charges = elements.map { Double($0.charge) }
        c.aqueousFeeds = aqueousFeeds.map {
            var f = $0
            f.acidity += (1 - factor) * zip(charges, f.concentrations).reduce(0) { $0 + $1.0 * $1.1 }
            f.concentrations = f.concentrations.map { $0 * factor }
            return f
        }
        c.organicFeeds = organicFeeds.map { var f = $0; f.concentrations = f.concentrations.map { $0 * factor }; return f }
        return c
    }

    /// Every section's model at continuation parameter t (`EquilibriumModel.atContinuationParameter`).
    func withModelsAtContinuationParameter(_ t: Double) -> Cascade {
        var c = self
        c.sections = sections.map { var s = $0; s.equilibrium = s.equilibrium.atContinuationParameter(t); return s }
        return c
    }
}
