import Foundation
import SXNumerics

/// Why a cascade solve stopped, in the cascade's own terms. Every case is explained by
/// `explanation`; only `.converged` results may be used as answers.
public enum SolveOutcome: Sendable, Equatable {
    case converged
    /// The Newton iteration limit was reached (per continuation step).
    case notConverged(iterations: Int)
    /// No step reduced the residual: usually a specification with no steady state.
    case stalled(iterations: Int)
    /// The Jacobian was exactly singular; `stage` is 1-based, `variable` names the unknown.
    case singular(stage: Int, variable: String)
    /// Every trial step left the physical domain.
    case leftDomain(reason: String)
    /// The specification cannot have a physical steady state (found before iterating).
    case infeasible(reason: String)
    /// NaN or infinity appeared.
    case nonFinite
    /// A LAPACK argument error (an SXSim bug; please report it).
    case internalError(String)

    public var isConverged: Bool { self == .converged }

    /// Short machine-readable name: "converged", "not-converged", "stalled", "singular", ...
    public var code: String {
        switch self {
        case .converged: "converged"
        case .notConverged: "not-converged"
        case .stalled: "stalled"
        case .singular: "singular"
        case .leftDomain: "left-domain"
        case .infeasible: "infeasible"
        case .nonFinite: "non-finite"
        case .internalError: "internal-error"
        }
    }

    /// One sentence for the user, with the next step where there is one.
    public var explanation: String {
        switch self {
        case .converged:
            return "converged"
        case .notConverged(let k):
            return "not converged after \(k) Newton iterations; the results are not a steady state. Check that flows and equilibrium data are realistic, or raise the iteration limit"
        case .stalled(let k):
            return "stalled after \(k) Newton iterations: no step reduced the balance errors. The specification probably has no steady state (e.g. more organic capacity than the feed can fill, or acid too weak to strip)"
        case .singular(let stage, let variable):
            return "singular Jacobian at stage \(stage) (\(variable)): that stage's equations do not determine it. Check that the stage has flows of both phases and non-degenerate equilibrium data"
        case .leftDomain(let reason):
            return "every step left the physical domain: \(reason)"
        case .infeasible(let reason):
            return "no physical steady state: \(reason)"
        case .nonFinite:
            return "the iteration produced NaN or infinity; check for extreme parameters (distribution ratios or constants far outside 1e-12…1e12)"
        case .internalError(let what):
            return "internal error in the linear algebra (\(what)); please report it with the input file"
        }
    }
}

/// Settings of a cascade solve.
public struct SolveOptions: Sendable, Equatable {
    public var newton = NewtonOptions()
    /// Most continuation steps (used when the direct solve from the linear start fails).
    public var maximumContinuationSteps = 60
    public init() {}
}

/// Solves cascades: builds a start from the linear (constant-D) solution, runs damped
/// Newton on the whole cascade, and falls back to continuation when the direct solve fails:
/// in the rare-earth feed (mass action: from trace loading, where the model is nearly
/// linear, up to the full feed) or in the separation factors (Xu's model: β_j^t from t = 0,
/// where every element distributes alike, up to t = 1).
public enum CascadeSolver {
    public static func solve(_ cascade: Cascade, options: SolveOptions = SolveOptions()) throws(CascadeSpecificationError) -> CascadeResult {
        // Elements that are never fed carry no flow anywhere: solve without them.
        let fed = cascade.elements.indices.filter { j in
            cascade.aqueousFeeds.contains { $0.concentrations.indices.contains(j) && $0.concentrations[j] > 0 }
                || cascade.organicFeeds.contains { $0.concentrations.indices.contains(j) && $0.concentrations[j] > 0 }
        }
        _ = try CascadeNetwork(cascade)  // validate the full specification first
        if fed.isEmpty {
            throw CascadeSpecificationError(problems: ["no rare earth is fed: every feed concentration is zero"])
        }
        let reduced = cascade.keepingElements(fed)
        let network = try CascadeNetwork(reduced)
        var system = CascadeSystem(network: network)
        var totalIterations = 0
        var continuationSteps = 0

        var unknowns: [Double]
        switch initialGuess(network) {
        case .success(let u): unknowns = u
        case .failure(let outcome):
            return CascadeResult(cascade: cascade, fedElements: fed, system: system, outcome: outcome,
                                 iterations: 0, residualNorm: .infinity, continuationSteps: 0)
        }
        var solver = NewtonSolver(for: system, options: options.newton)
        let start = unknowns
        var report = solver.solve(&system, unknowns: &unknowns)
        totalIterations += report.iterations
        var outcome = translate(report.reason, network: network)

        if !report.reason.isConverged {
            // Continuation.
            let family = continuationFamily(reduced)
            if let family {
                let (continued, iterations, steps, reached) = continuation(family, from: start, network: network, options: options)
                totalIterations += iterations
                continuationSteps = steps
                outcome = continued
                if continued.isConverged {
                    var u = reached
                    report = solver.solve(&system, unknowns: &u)  // final polish on the real system
                    totalIterations += report.iterations
                    unknowns = u
                    outcome = translate(report.reason, network: network)
                }
                // On failure the direct attempt's last iterate is returned with the continuation's reason.
            }
        }
        // Re-evaluate at the returned unknowns so the read-out matches them.
        var r = [Double](repeating: 0, count: system.unknownCount)
        var norm = Double.infinity
        if (try? system.residual(at: unknowns, into: &r)) != nil {
            norm = r.reduce(0) { max($0, abs($1)) }
        }
        return CascadeResult(cascade: cascade, fedElements: fed, system: system, outcome: outcome,
                             iterations: totalIterations, residualNorm: norm, continuationSteps: continuationSteps)
    }

    /// Maps a numerics-level reason to the cascade's terms.
    static func translate(_ reason: ConvergenceReason, network: CascadeNetwork) -> SolveOutcome {
        switch reason {
        case .converged: return .converged
        case .iterationLimit(let k): return .notConverged(iterations: k)
        case .stalled(let k): return .stalled(iterations: k)
        case .singularJacobian(let unknown):
            let b = network.blockSize
            let stage = unknown / b + 1
            let c = unknown % b
            let name: String
            if c < network.elementCount { name = network.cascade.elements[c].symbol + " (aqueous)" }
            else if c == network.elementCount { name = "free extractant [(HA)2]" }
            else { name = "saponifying cation" }
            return .singular(stage: stage, variable: name)
        case .leftDomain(let v): return .leftDomain(reason: v.reason)
        case .invalidStart(let v): return .leftDomain(reason: "the starting point: " + v.reason)
        case .nonFinite: return .nonFinite
        case .linearAlgebraFailure(let e): return .internalError(e.description)
        }
    }

    // MARK: - Start

    enum StartResult {
        case success([Double])
        case failure(SolveOutcome)
    }

    /// The linear start: each element solved as a constant-D cascade with D estimated from
    /// the model (exact for model (a)); extra unknowns from trace-loading estimates.
    static func initialGuess(_ net: CascadeNetwork) -> StartResult {
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        var d = [Double](repeating: 0, count: n * ne)
        var dimer = [Double](repeating: 0, count: n)
        var cation = [Double](repeating: 0, count: n)
        let feedTotals = (0..<ne).map { net.totalFeed(element: $0) }
        let feedSum = feedTotals.reduce(0, +)
        // Aqueous totals for the separation-factor model follow from the total RE balance.
        var aqueousTotal = [Double](repeating: 0, count: n)
        if net.fullLoading.contains(where: { $0 > 0 }) {
            var rhs = [Double](repeating: 0, count: n)
            var totals = [Double](repeating: 0, count: n)
            // Organic totals: Ŷ where fully loaded; elsewhere estimated later, use 0 contribution.
            for i in 0..<n {
                var feed = 0.0
                for j in 0..<ne { feed += net.feedFlux[i * ne + j] }
                rhs[i] = feed
                totals[i] = net.fullLoading[i]
            }
            if let solved = linearTotals(net, organicTotals: totals, feed: rhs) { aqueousTotal = solved }
        }
        let system = CascadeSystem(network: net)
        for i in 0..<n {
            for j in 0..<ne {
                let c = system.coefficient[i * ne + j]
                switch system.stageModel[i] {
                case .constantD:
                    d[i * ne + j] = c
                case .separationFactors:
                    var meanBeta = 0.0
                    for k in 0..<ne { meanBeta += system.coefficient[i * ne + k] * feedTotals[k] / feedSum }
                    let total = aqueousTotal[i]
                    if !(total > 0) {
                        return .failure(.infeasible(reason: "at stage \(i + 1) the fully loaded organic would take more rare earth than reaches it (the total RE balance gives a non-positive aqueous concentration); lower the organic loading or flow, or raise the scrub"))
                    }
                    d[i * ne + j] = net.fullLoading[i] * c / (meanBeta * total)
                case .massAction:
                    let cationGuess = net.cationAllAqueous[i]
                    cation[i] = max(cationGuess, 1e-12)
                    let h = max(net.anionConcentration[i] - cationGuess, 0.01 * net.anionConcentration[i])
                    let free = 0.5 * net.extractantConcentration[i]
                    dimer[i] = free
                    let r = free / h
                    d[i * ne + j] = c * r * r * r
                }
            }
        }
        var u = [Double](repeating: 0, count: n * b)
        for j in 0..<ne {
            guard let xs = linearElement(net, element: j, distribution: { d[$0 * ne + j] }) else {
                return .failure(.singular(stage: 1, variable: net.cascade.elements[j].symbol + " (linear start)"))
            }
            let scale = max(xs.max() ?? 1, 1e-300)
            for i in 0..<n { u[i * b + j] = log(max(xs[i], scale * 1e-30)) }
        }
        if net.isMassAction {
            for i in 0..<n {
                u[i * b + net.elementCount] = log(dimer[i])
                if net.hasCation { u[i * b + net.elementCount + 1] = log(cation[i]) }
            }
        }
        return .success(u)
    }

    /// Solves one element's linear balances with y = D·x (ideal stages), mol/L.
    static func linearElement(_ net: CascadeNetwork, element j: Int, distribution: (Int) -> Double) -> [Double]? {
        let n = net.stageCount, ne = net.elementCount
        var m = BandMatrix(order: n, lowerBandwidth: max(net.stagesBelow, 1), upperBandwidth: max(net.stagesAbove, 1))
        var rhs = [Double](repeating: 0, count: n)
        for i in 0..<n {
            m.add(net.aqueousFlow[i] + net.organicFlow[i] * distribution(i), row: i, column: i)
            for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                let l = net.aqueousSources[s]; m.add(-l.flow, row: i, column: l.from)
            }
            for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                let l = net.organicSources[s]; m.add(-l.flow * distribution(l.from), row: i, column: l.from)
            }
            rhs[i] = net.feedFlux[i * ne + j]
        }
        var lu = BandLUWorkspace(order: n)
        do { try lu.factorize(&m); try lu.solve(m, &rhs) } catch { return nil }
        return rhs
    }

    /// Aqueous total RE per stage when each stage's organic outlet total is given, mol/L.
    static func linearTotals(_ net: CascadeNetwork, organicTotals: [Double], feed: [Double]) -> [Double]? {
        let n = net.stageCount
        var m = BandMatrix(order: n, lowerBandwidth: max(net.stagesBelow, 1), upperBandwidth: max(net.stagesAbove, 1))
        var rhs = feed
        for i in 0..<n {
            m.add(net.aqueousFlow[i], row: i, column: i)
            rhs[i] -= net.organicFlow[i] * organicTotals[i]
            for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                let l = net.aqueousSources[s]; m.add(-l.flow, row: i, column: l.from)
            }
            for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                let l = net.organicSources[s]; rhs[i] += l.flow * organicTotals[l.from]
            }
        }
        var lu = BandLUWorkspace(order: n)
        do { try lu.factorize(&m); try lu.solve(m, &rhs) } catch { return nil }
        return rhs
    }

    // MARK: - Continuation

    struct ContinuationFamily {
        /// The cascade at parameter t ∈ (0, 1]; t = 1 is the real problem.
        var cascadeAt: (Double) -> Cascade
        var startParameter: Double
        /// Shift of ln x when moving from t0 to t1 (feed scaling moves concentrations).
        var logShift: (Double, Double) -> Double
    }

    static func continuationFamily(_ cascade: Cascade) -> ContinuationFamily? {
        if cascade.usesMassAction {
            return ContinuationFamily(
                cascadeAt: { t in cascade.scalingRareEarthFeeds(by: t) },
                startParameter: 1e-3,
                logShift: { t0, t1 in log(t1 / t0) })
        }
        if cascade.sections.contains(where: { if case .separationFactors = $0.equilibrium { true } else { false } }) {
            return ContinuationFamily(
                cascadeAt: { t in cascade.raisingSeparationFactors(toPower: t) },
                startParameter: 0,
                logShift: { _, _ in 0 })
        }
        return nil
    }

    static func continuation(_ family: ContinuationFamily, from start: [Double], network: CascadeNetwork,
                             options: SolveOptions) -> (SolveOutcome, Int, Int, [Double]) {
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
            if let guess { x = guess } else {
                switch initialGuess(net) {
                case .success(let g): x = g
                case .failure: return (.stalled(iterations: 0), [], net)
                }
            }
            var solver = NewtonSolver(for: sys, options: options.newton)
            let report = solver.solve(&sys, unknowns: &x)
            iterations += report.iterations
            return (report.reason, x, net)
        }
        var (reason, x, net0) = solveAt(t, from: nil)
        guard reason.isConverged, let firstNet = net0 else {
            return (translate(reason, network: net0 ?? network), iterations, 1, start)
        }
        _ = firstNet
        u = x
        var increment = family.startParameter > 0 ? 1.0 : 0.1   // multiplicative (feed) or additive (β power)
        let multiplicative = family.startParameter > 0
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
                increment = min(increment * 1.5, multiplicative ? 1.0 : 0.5)
            } else {
                lastFailure = translate(reason, network: network)
                increment *= 0.5
                if increment < 1e-4 { return (lastFailure, iterations, steps, u) }
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
        c.sections = sections.map { s in
            var s = s
            switch s.equilibrium {
            case .constantDistribution(let d): s.equilibrium = .constantDistribution(distributionRatios: pick(d))
            case .separationFactors(let b, let l): s.equilibrium = .separationFactors(separationFactors: pick(b), organicLoading: l)
            case .massAction(var p): p.extractionConstants = pick(p.extractionConstants); s.equilibrium = .massAction(p)
            }
            return s
        }
        return c
    }

    /// Every rare-earth feed concentration multiplied by `factor` (acids unchanged).
    func scalingRareEarthFeeds(by factor: Double) -> Cascade {
        var c = self
        c.aqueousFeeds = aqueousFeeds.map { var f = $0; f.concentrations = f.concentrations.map { $0 * factor }; return f }
        c.organicFeeds = organicFeeds.map { var f = $0; f.concentrations = f.concentrations.map { $0 * factor }; return f }
        return c
    }

    /// Every separation factor raised to the power `t` (t = 0: all equal).
    func raisingSeparationFactors(toPower t: Double) -> Cascade {
        var c = self
        c.sections = sections.map { s in
            var s = s
            if case .separationFactors(let b, let l) = s.equilibrium {
                s.equilibrium = .separationFactors(separationFactors: b.map { pow($0, t) }, organicLoading: l)
            }
            return s
        }
        return c
    }
}
