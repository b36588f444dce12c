import Foundation
import SXNumerics

/// Why a cascade solve stopped, in the cascade's own terms. Every case is explained by
/// `explanation`; only `.converged` results may be used as answers.
public enum SolveOutcome: Sendable, Equatable {
    case converged
    /// No attempt converged; `iterations` counts every Newton and pseudo-transient step of
    /// every phase (as `CascadeResult.iterations` does). `likelyCause` names a condition of
    /// the specification under which the solver is known to fail, when one holds.
    case notConverged(iterations: Int, likelyCause: String? = nil)
    /// The last attempt found no step that reduced the residual: usually a specification with
    /// no steady state. `iterations` counts all phases; `likelyCause` as for `notConverged`.
    case stalled(iterations: Int, likelyCause: String? = nil)
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
        case .notConverged(let k, let cause?):
            return "not converged after \(k) iterations; the results are not a steady state. Likely cause: \(cause)"
        case .stalled(let k, let cause?):
            return "stalled after \(k) iterations: no step reduced the balance errors. Likely cause: \(cause)"
        case .notConverged(let k, nil):
            return "not converged after \(k) iterations (damped Newton, pseudo-transient steps and continuation); the results are not a steady state. Check that flows and equilibrium data are realistic; if they are, compare with the solver's known limits in docs/engine.md §6 (a nearby flow may converge)"
        case .stalled(let k, nil):
            return "stalled after \(k) iterations: no step reduced the balance errors. Either the specification has no steady state (under Xu's model, e.g. more organic capacity than the feed can fill, or acid too weak to strip), or the solver could not reach it (known limits: docs/engine.md §6)"
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
    /// Newton iterations of the first, direct attempt from the linear start, when it is
    /// making progress (see `directTrialIterations`).
    public var directIterations = 60
    /// Newton iterations after which the direct attempt must have lowered ‖F‖∞ by
    /// `directProgressFactor` to go on; otherwise pseudo-transient continuation takes over
    /// at once (on long cascades with a loading front, damped Newton from the linear start
    /// creeps: hundreds of iterations where the pseudo-transient phase needs tens).
    public var directTrialIterations = 10
    public var directProgressFactor = 1e-2
    /// Pseudo-transient steps of the second attempt (0 skips it).
    public var pseudoTransientSteps = 600
    /// Most continuation steps (the third attempt).
    public var maximumContinuationSteps = 30
    public init() {}
}

/// Solves cascades: builds a start from the linear (constant-D) solution, runs damped
/// Newton on the whole cascade; when that fails, pseudo-transient continuation from the same
/// start; and last, continuation in the rare-earth feed (mass action: from trace loading,
/// where the model is nearly linear, up to the full feed) or in the separation factors
/// (Xu's model: β_j^t from t = 0, where every element distributes alike, up to t = 1).
/// See docs/engine.md §5.
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
        switch initialGuess(network, system: &system) {
        case .success(let u): unknowns = u
        case .failure(let outcome):
            return CascadeResult(cascade: cascade, fedElements: fed, system: system, outcome: outcome,
                                 iterations: 0, residualNorm: .infinity, continuationSteps: 0)
        }
        // 1. Damped Newton from the linear start (a bounded number of iterations).
        var direct = options.newton
        let directLimit = min(direct.maximumIterations, options.directIterations)
        direct.maximumIterations = min(directLimit, options.directTrialIterations)
        var solver = NewtonSolver(for: system, options: direct)
        let start = unknowns
        var report = solver.solve(&system, unknowns: &unknowns)
        totalIterations += report.iterations
        var directUnfinished = false
        if case .iterationLimit = report.reason, directLimit > direct.maximumIterations {
            if report.residualNorm <= options.directProgressFactor * (report.history.first?.residualNorm ?? .infinity) {
                // Progressing well: let the direct attempt finish.
                solver.options.maximumIterations = directLimit - report.iterations
                report = solver.solve(&system, unknowns: &unknowns)
                totalIterations += report.iterations
            } else {
                directUnfinished = true
            }
        }
        var outcome = translate(report.reason, network: network)
        solver.options = options.newton

        // 2. Pseudo-transient continuation from the same start.
        if !report.reason.isConverged && options.pseudoTransientSteps > 0 {
            var u = start
            let transient = solver.solvePseudoTransient(&system, unknowns: &u, maximumSteps: options.pseudoTransientSteps)
            totalIterations += transient.iterations
            if transient.reason.isConverged {
                report = solver.solve(&system, unknowns: &u)   // polish to round-off
                totalIterations += report.iterations
                unknowns = u
                outcome = translate(report.reason, network: network)
            } else if directUnfinished {
                // Slow but steady Newton (extreme constants): give it the rest of its budget.
                solver.options.maximumIterations = directLimit - direct.maximumIterations
                report = solver.solve(&system, unknowns: &unknowns)
                totalIterations += report.iterations
                outcome = translate(report.reason, network: network)
                solver.options = options.newton
            }
        }

        // 3. Continuation in the feed (mass action) or the separation factors (Xu).
        if !outcome.isConverged {
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
        // Report the work of all phases, not of the last one (the explanation quotes it), and
        // a condition of the specification that explains the failure, when one holds.
        switch outcome {
        case .notConverged: outcome = .notConverged(iterations: totalIterations, likelyCause: likelyCauseOfFailure(network))
        case .stalled: outcome = .stalled(iterations: totalIterations, likelyCause: likelyCauseOfFailure(network))
        default: break
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

    /// A condition of the specification under which the solver is known to fail
    /// (docs/engine.md §6), read from the feeds and flows alone; nil when none holds.
    ///
    /// Over-saponification: a saponified organic brings its cation (Na⁺, mol/h) into a stage
    /// whose leaving aqueous carries no more anion (Cl⁻, mol/h) than that. By electroneutrality
    /// that aqueous can take away at most as much Na⁺ as it has Cl⁻ (and then no H⁺ and no rare
    /// earth), so the rest must stay in the organic and travel on with it, towards the strip.
    /// In a sweep of the mass-action Pr|Nd split over organic and scrub flows every case with
    /// cation ≥ anion failed (ratios 1.01–1.89) and every case below converged (≤ 0.98).
    static func likelyCauseOfFailure(_ net: CascadeNetwork) -> String? {
        guard net.isMassAction else { return nil }
        for f in net.cascade.organicFeeds where f.saponification > 0 {
            let i = f.stage - 1
            let cation = f.flow * f.extractant * f.saponification   // mol/h
            let anion = net.aqueousFlow[i] * net.anionConcentration[i]   // mol/h leaving stage i in the aqueous
            if cation >= anion {
                return "over-saponification: the organic '\(f.name)' brings \(String(format: "%.4g", cation)) mol/h of cation into stage \(f.stage), whose aqueous outlet carries only \(String(format: "%.4g", anion)) mol/h of anion, so it cannot take that cation away and the organic must carry the rest on (the solver has failed on every such case tried, docs/engine.md §6). Lower the saponification or the organic flow, or feed more acid or scrub"
            }
        }
        return nil
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

    /// The start: each element solved as a linear (constant-D) cascade, with D at every
    /// stage refined by damped successive substitution from the model's own formula
    /// (Xu: D_j = Y β_j / Σ_k β_k x_k; mass action: D_j = K_j ([(HA)₂]/[H⁺])³ with [H⁺] and
    /// [(HA)₂] from the charge and extractant balances, the cation solved as one more linear
    /// species). Exact in one pass for model (a); a few dozen cheap O(N) passes otherwise.
    static func initialGuess(_ net: CascadeNetwork, maximumSweeps: Int = 150) -> StartResult {
        var system = CascadeSystem(network: net)
        return initialGuess(net, system: &system, maximumSweeps: maximumSweeps)
    }

    /// The same, using `system` (the cascade's own, for `net`) for its coefficient tables and
    /// as scratch space rather than allocating another.
    static func initialGuess(_ net: CascadeNetwork, system: inout CascadeSystem, maximumSweeps: Int = 150) -> StartResult {
        let trace = traceLoadingStart(net, system: system, maximumSweeps: maximumSweeps)
        guard net.isMassAction, case .success(let u) = trace,
              let loaded = loadedStart(net, system: system, traceStart: u) else { return trace }
        // Keep whichever start has the smaller balance errors.
        var r = u
        func norm(_ v: [Double]) -> Double {
            guard (try? system.residual(at: v, into: &r)) != nil else { return .infinity }
            return r.reduce(0) { $0 + $1 * $1 }
        }
        return norm(loaded) < norm(u) ? .success(loaded) : trace
    }

    /// A mass-action start for a fully loaded organic (the normal case when the feed exceeds
    /// the organic's capacity): Xu's model with β_j = K_j and loading C_HA/6 gives the
    /// aqueous composition and totals; [(HA)₂] then follows from each stage's extractant
    /// balance and [H⁺] from electroneutrality. Nil when that picture does not apply (e.g. the
    /// strip acid would strip more than a loaded organic carries).
    static func loadedStart(_ net: CascadeNetwork, system: CascadeSystem, traceStart: [Double]) -> [Double]? {
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        var cascade = net.cascade
        let ranges = cascade.sectionStageRanges
        for (k, range) in ranges.enumerated() {
            guard case .massAction(let p) = cascade.sections[k].equilibrium else { return nil }
            let capacity = range.reduce(0.0) { $0 + net.extractantConcentration[$1 - 1] } / Double(range.count) / 6
            // A section fed more acid than a loaded organic can exchange (a strip section) is not
            // loaded: keep the trace start's distribution ratios there (constant D at mid-section).
            let overAcidified = range.contains { net.acidFeedFlux[$0 - 1] / (3 * net.organicFlow[$0 - 1]) > 0.5 * capacity }
            if overAcidified {
                let mid = (range.lowerBound + range.upperBound) / 2 - 1
                var sumX = 0.0
                for j in 0..<ne { sumX += exp(traceStart[mid * b + j]) }
                let c = net.hasCation ? exp(traceStart[mid * b + ne + 1]) : 0
                let h = max(net.anionConcentration[mid] - c - 3 * sumX, 1e-3 * net.anionConcentration[mid])
                let ratio = exp(traceStart[mid * b + ne]) / h
                cascade.sections[k].equilibrium = .constantDistribution(distributionRatios: p.extractionConstants.map { $0 * ratio * ratio * ratio })
            } else {
                cascade.sections[k].equilibrium = .separationFactors(separationFactors: p.extractionConstants, organicLoading: capacity)
            }
        }
        guard cascade.sections.contains(where: { if case .separationFactors = $0.equilibrium { true } else { false } }) else { return nil }
        guard let xuNetwork = try? CascadeNetwork(cascade),
              case .success(let xu) = traceLoadingStart(xuNetwork, system: CascadeSystem(network: xuNetwork), maximumSweeps: 40) else { return nil }
        var u = traceStart
        for i in 0..<n {
            var sumX = 0.0, weighted = 0.0
            for j in 0..<ne {
                u[i * b + j] = xu[i * ne + j]
                let xj = exp(xu[i * ne + j])
                sumX += xj
                weighted += system.coefficient[i * ne + j] * xj
            }
            let anion = net.anionConcentration[i]
            var c = net.hasCation ? exp(u[i * b + ne + 1]) : 0
            if c > 0.5 * anion { c = 0.5 * anion; u[i * b + ne + 1] = log(c) }
            let room = 0.9 * (anion - c)
            if 3 * sumX > room {
                let shift = log(room / (3 * sumX))
                for j in 0..<ne { u[i * b + j] += shift }
                weighted *= room / (3 * sumX)
                sumX = room / 3
            }
            let h = anion - c - 3 * sumX
            let kc = net.hasCation ? exp(system.logCationConstant[i]) * c / h : 0
            u[i * b + ne] = log(freeDimer(extractant: net.extractantConcentration[i],
                                          loadingCoefficient: 6 * weighted / (h * h * h), cationCoefficient: kc))
        }
        return u
    }

    /// The start from trace loading (see `initialGuess`).
    static func traceLoadingStart(_ net: CascadeNetwork, system: CascadeSystem, maximumSweeps: Int) -> StartResult {
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        var logD = [Double](repeating: 0, count: n * ne)
        var logCationD = [Double](repeating: -20, count: n)
        var logDimer = [Double](repeating: 0, count: n)
        var logCation = [Double](repeating: -30, count: n)
        let feedTotals = (0..<ne).map { net.totalFeed(element: $0) }
        let feedSum = feedTotals.reduce(0, +)
        // First estimates: trace loading for mass action, feed composition for Xu.
        for i in 0..<n {
            for j in 0..<ne {
                let c = system.logCoefficient[i * ne + j]
                switch system.stageModel[i] {
                case .constantD:
                    logD[i * ne + j] = c
                case .separationFactors:
                    var meanBeta = 0.0
                    for k in 0..<ne { meanBeta += system.coefficient[i * ne + k] * feedTotals[k] / feedSum }
                    let typical = feedSum / max(net.aqueousFlow[i], 1e-300)
                    logD[i * ne + j] = log(net.fullLoading[i]) + c - log(meanBeta * typical)
                case .massAction:
                    let h = max(net.anionConcentration[i] - net.cationAllAqueous[i], 0.05 * net.anionConcentration[i])
                    logDimer[i] = log(0.5 * net.extractantConcentration[i])
                    logD[i * ne + j] = c + 3 * (logDimer[i] - log(h))
                    logCationD[i] = system.logCationConstant[i] + 0.5 * logDimer[i] - log(h)
                }
            }
        }
        let needsSweeps = system.stageModel.contains { $0 != .constantD }
        let hasFullLoading = system.stageModel.contains { $0 == .separationFactors }
        var logX = [Double](repeating: 0, count: n * ne)
        var settled = false
        // Xu's model: from the 10th sweep on, the damping of the D update falls (×0.7, down
        // to 0.05) whenever a sweep changed some ln D by more than 0.1 and by more than the
        // sweep before, and recovers (×1.1) otherwise. Without it the update cycles with
        // changes of 0.5–2 on long 15-element cascades and the start stays far off (Newton
        // then needs a 236-step pseudo-transient phase at 1000 × 15 instead of 6 iterations).
        // "Settled" compares the damped change with 0.01·relax, the same undamped mismatch.
        var relax = 1.0, previousChange = Double.infinity
        var workspace = LinearStartWorkspace(net)
        let elementFeeds = (0..<ne).map { j in (0..<n).map { net.feedFlux[$0 * ne + j] } }
        for sweep in 0..<(needsSweeps ? maximumSweeps : 1) {
            for j in 0..<ne {
                guard let lx = linearElementLog(net, rightHandSide: elementFeeds[j], workspace: &workspace,
                                                logDistribution: { logD[$0 * ne + j] }) else {
                    return .failure(.singular(stage: 1, variable: net.cascade.elements[j].symbol + " (linear start)"))
                }
                for i in 0..<n { logX[i * ne + j] = lx[i].isFinite ? lx[i] : -700 }
            }
            if net.hasCation {
                guard let lc = linearElementLog(net, rightHandSide: net.cationFeedFlux, workspace: &workspace,
                                                logDistribution: { logCationD[$0] }) else {
                    return .failure(.singular(stage: 1, variable: "saponifying cation (linear start)"))
                }
                for i in 0..<n { logCation[i] = lc[i].isFinite ? lc[i] : -700 }
            }
            if !needsSweeps || sweep == maximumSweeps - 1 || settled { break }
            // Aqueous RE totals from the total balance (organic totals fixed where fully loaded).
            var aqueousTotals = [Double](repeating: 1, count: n)
            if hasFullLoading {
                guard let totals = aqueousTotalsFromBalance(net, system: system, logX: logX, logD: logD) else {
                    return .failure(.singular(stage: 1, variable: "total rare earth (linear start)"))
                }
                if let bad = (0..<n).first(where: { system.stageModel[$0] == .separationFactors && !(totals[$0] > 0) }) {
                    return .failure(.infeasible(reason: "at stage \(bad + 1) the fully loaded organic would take more rare earth than reaches it (the total RE balance leaves a non-positive aqueous concentration); lower the organic flow or loading, or raise the scrub"))
                }
                aqueousTotals = totals
            }
            // Refine D from the model's formula, damped.
            var change = 0.0
            for i in 0..<n {
                switch system.stageModel[i] {
                case .constantD:
                    continue
                case .separationFactors:
                    // Composition from the linear solve, total from the RE balance (stable).
                    var sum = CascadeSystem.LogSum(), total = CascadeSystem.LogSum()
                    for l in 0..<ne {
                        sum.add(system.logCoefficient[i * ne + l] + logX[i * ne + l])
                        total.add(logX[i * ne + l])
                    }
                    let logMeanBeta = sum.value - total.value
                    for j in 0..<ne {
                        let target = log(net.fullLoading[i]) + system.logCoefficient[i * ne + j] - logMeanBeta - log(aqueousTotals[i])
                        let step = max(-2, min(2, 0.7 * relax * (target - logD[i * ne + j])))
                        change = max(change, abs(step))
                        logD[i * ne + j] += step
                    }
                case .massAction:
                    // Local equilibrium consistent with the aqueous of the linear solve:
                    // [H⁺] from electroneutrality, [(HA)₂] from the extractant balance.
                    var sumX = 0.0, weighted = 0.0
                    for j in 0..<ne {
                        let xj = exp(logX[i * ne + j])
                        sumX += xj
                        weighted += system.coefficient[i * ne + j] * xj
                    }
                    let c = net.hasCation ? exp(logCation[i]) : 0
                    let anion = net.anionConcentration[i]
                    let h = max(anion - c - 3 * sumX, 1e-3 * anion)
                    let kc = net.hasCation ? exp(system.logCationConstant[i]) * c / h : 0
                    let free = freeDimer(extractant: net.extractantConcentration[i], loadingCoefficient: 6 * weighted / (h * h * h),
                                         cationCoefficient: kc)
                    let dimerStep = max(-2, min(2, 0.5 * (log(free) - logDimer[i])))
                    logDimer[i] += dimerStep
                    change = max(change, abs(dimerStep))
                    for j in 0..<ne {
                        let target = system.logCoefficient[i * ne + j] + 3 * (logDimer[i] - log(h))
                        let step = max(-2, min(2, 0.5 * (target - logD[i * ne + j])))
                        change = max(change, abs(step))
                        logD[i * ne + j] += step
                    }
                    logCationD[i] = system.logCationConstant[i] + 0.5 * logDimer[i] - log(h)
                }
            }
            if hasFullLoading {
                relax = sweep >= 10 && change > previousChange && change > 0.1 ? max(0.05, 0.7 * relax) : min(1, 1.1 * relax)
                previousChange = change
            }
            if change < 1e-2 * relax { settled = true }   // Newton does the rest; one more solve with the final D
        }
        // Murphree stages (E < 1) need x > (1 − E)·x_in so that x* > 0: the ideal-stage start
        // may violate it; lift x there (top-down, twice, as x_in comes mostly from above).
        if net.efficiency.contains(where: { $0 < 1 }) {
            for _ in 0..<2 {
                for i in stride(from: n - 1, through: 0, by: -1) where net.efficiency[i] < 1 {
                    for j in 0..<ne {
                        var inflow = CascadeSystem.LogSum()
                        inflow.add(system.logAqueousFeedFlux[i * ne + j])
                        for k in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                            inflow.add(system.logAqueousLinkFlow[k] + logX[net.aqueousSources[k].from * ne + j])
                        }
                        let floor = log(1 - net.efficiency[i]) + inflow.value - system.logAqueousFlow[i] + 0.05
                        if logX[i * ne + j] < floor { logX[i * ne + j] = floor }
                    }
                }
            }
        }
        if net.isMassAction {
            // Project into the domain: every stage needs [H⁺] = anion − C⁺ − 3Σx > 0.
            for i in 0..<n {
                let anion = net.anionConcentration[i]
                var c = net.hasCation ? exp(logCation[i]) : 0
                if c > 0.5 * anion { c = 0.5 * anion; logCation[i] = log(c) }
                var sumX = 0.0
                for j in 0..<ne { sumX += exp(logX[i * ne + j]) }
                let room = 0.9 * (anion - c)
                if 3 * sumX > room {
                    let shift = log(room / (3 * sumX))
                    for j in 0..<ne { logX[i * ne + j] += shift }
                    sumX = room / 3
                }
                // The free extractant consistent with this aqueous (extractant balance).
                var weighted = 0.0
                for j in 0..<ne { weighted += system.coefficient[i * ne + j] * exp(logX[i * ne + j]) }
                let h = anion - c - 3 * sumX
                let kc = net.hasCation ? exp(system.logCationConstant[i]) * c / h : 0
                logDimer[i] = log(freeDimer(extractant: net.extractantConcentration[i],
                                            loadingCoefficient: 6 * weighted / (h * h * h), cationCoefficient: kc))
            }
        }
        var u = [Double](repeating: 0, count: n * b)
        for i in 0..<n {
            for j in 0..<ne { u[i * b + j] = logX[i * ne + j] }
            if net.isMassAction {
                u[i * b + net.elementCount] = logDimer[i]
                if net.hasCation { u[i * b + net.elementCount + 1] = logCation[i] }
            }
        }
        return .success(u)
    }

    /// The free dimer e (mol/L) solving 2e + a·e³ + b·√e = C (extractant balance with the
    /// loading term a·e³ = 6Σy and the cation term b·√e = [CA]); the left side rises with e,
    /// so the root in (0, C/2] is unique. Safeguarded Newton on ln e.
    static func freeDimer(extractant c: Double, loadingCoefficient a: Double, cationCoefficient b: Double) -> Double {
        var lo = log(c) - 60, hi = log(0.5 * c)
        var t = hi
        for _ in 0..<60 {
            let e = exp(t)
            let f = 2 * e + a * e * e * e + b * e.squareRoot() - c
            if f > 0 { hi = t } else { lo = t }
            let slope = 2 * e + 3 * a * e * e * e + 0.5 * b * e.squareRoot()   // df/d ln e
            var next = t - f / slope
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - t) < 1e-12 { t = next; break }
            t = next
        }
        return exp(t)
    }

    /// Aqueous total RE per stage (mol/L) from the total RE balance, the organic totals being
    /// fixed (the full loading Y) at separation-factor stages and D̄·X elsewhere, D̄ the
    /// composition-weighted distribution ratio of the current start iterate.
    static func aqueousTotalsFromBalance(_ net: CascadeNetwork, system: CascadeSystem, logX: [Double], logD: [Double]) -> [Double]? {
        let n = net.stageCount, ne = net.elementCount
        var meanD = [Double](repeating: 0, count: n)
        for i in 0..<n where system.stageModel[i] != .separationFactors {
            var num = CascadeSystem.LogSum(), den = CascadeSystem.LogSum()
            for j in 0..<ne { num.add(logX[i * ne + j] + logD[i * ne + j]); den.add(logX[i * ne + j]) }
            meanD[i] = exp(num.value - den.value)
        }
        var m = BandMatrix(order: n, lowerBandwidth: max(net.stagesBelow, 1), upperBandwidth: max(net.stagesAbove, 1))
        var rhs = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<ne { rhs[i] += net.feedFlux[i * ne + j] }
            if system.stageModel[i] == .separationFactors {
                m.add(net.aqueousFlow[i], row: i, column: i)
                rhs[i] -= net.organicFlow[i] * net.fullLoading[i]
            } else {
                m.add(net.aqueousFlow[i] + net.organicFlow[i] * meanD[i], row: i, column: i)
            }
            for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                let l = net.aqueousSources[s]; m.add(-l.flow, row: i, column: l.from)
            }
            for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                let l = net.organicSources[s]
                if system.stageModel[l.from] == .separationFactors { rhs[i] += l.flow * net.fullLoading[l.from] }
                else { m.add(-l.flow * meanD[l.from], row: i, column: l.from) }
            }
        }
        var lu = BandLUWorkspace(order: n)
        do { try lu.factorize(&m); try lu.solve(m, &rhs) } catch { return nil }
        return rhs
    }

    /// ln x of one species' linear balances with y = D·x at ideal stages (D given as ln D per
    /// stage), fed `rightHandSide` mol/h per stage, to full relative accuracy (see
    /// `AccurateMMatrixSolver`).
    static func linearElementLog(_ net: CascadeNetwork, rightHandSide f: [Double], workspace: inout LinearStartWorkspace,
                                 logDistribution: (Int) -> Double) -> [Double]? {
        let n = net.stageCount
        workspace.matrix.reset()
        for i in 0..<n { workspace.leaving[i] = 0 }
        for o in net.outlets {
            workspace.leaving[o.stage] += o.phase == .aqueous ? o.flow : o.flow * exp(logDistribution(o.stage))
        }
        for i in 0..<n {
            workspace.matrix.setExcess(i, workspace.leaving[i])
            for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                let l = net.aqueousSources[s]; workspace.matrix.addTransfer(from: l.from, to: i, coefficient: l.flow)
            }
            for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                let l = net.organicSources[s]
                workspace.matrix.addTransfer(from: l.from, to: i, coefficient: l.flow * exp(logDistribution(l.from)))
            }
        }
        return workspace.matrix.solveLog(rightHandSide: f)
    }

    /// Storage for the start's per-element linear solves, allocated once per start rather
    /// than once per element and sweep.
    struct LinearStartWorkspace {
        var matrix: AccurateMMatrixSolver
        var leaving: [Double]
        init(_ net: CascadeNetwork) {
            matrix = AccurateMMatrixSolver(order: net.stageCount, lower: net.stagesBelow, upper: net.stagesAbove)
            leaving = [Double](repeating: 0, count: net.stageCount)
        }
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
                switch initialGuess(net, system: &sys) {
                case .success(let g): x = g
                case .failure: return (.stalled(iterations: 0), [], net)
                }
            }
            var stepOptions = options.newton
            stepOptions.maximumIterations = min(stepOptions.maximumIterations, options.directIterations)
            var solver = NewtonSolver(for: sys, options: stepOptions)
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

    /// Every rare-earth feed concentration multiplied by `factor`; each aqueous feed's free
    /// acid is raised by the charge removed (3 per RE), so its anion, and hence the acid and
    /// base balance of the whole cascade, stays as in the real problem.
    func scalingRareEarthFeeds(by factor: Double) -> Cascade {
        var c = self
        c.aqueousFeeds = aqueousFeeds.map {
            var f = $0
            f.acidity += 3 * (1 - factor) * f.concentrations.reduce(0, +)
            f.concentrations = f.concentrations.map { $0 * factor }
            return f
        }
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
