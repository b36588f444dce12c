import Foundation
import SXNumerics

/// Solves cascades: from a previous result's state when one is given and fits (a warm start,
/// e.g. from a sweep's neighbouring case), else, or when that fails, builds a start from the
/// linear (constant-D) solution, runs damped
/// Newton on the whole cascade; when that fails, pseudo-transient continuation from the same
/// start; then continuation in the rare-earth feed (mass action: from trace loading,
/// where the model is nearly linear, up to the full feed) or in the separation factors
/// (Xu's model: β_j^t from t = 0, where every element distributes alike, up to t = 1); and
/// last, the cascade started up in physical time from the same start (`TimeSteppingFallback`).
/// See docs/engine.md §5.
public enum CascadeSolver {
    /// Solves `cascade`. `observer`, when given, is called with every solver step as it is
    /// taken (a progress display); the result keeps them all (`CascadeResult.history`).
    ///
    /// `startingFrom`, when given, is a previous result (e.g. the neighbouring case of a sweep):
    /// when it converged and its unknowns are laid out as this cascade's (same fed elements,
    /// stage count and unknown block), damped Newton starts from its state, for at most
    /// `options.warmStartIterations` (cascades whose models are all linear always start cold:
    /// their linear start is exact). Should that not converge, the full cold strategy chain
    /// runs as without it, so a warm start never gives a worse answer than a cold one.
    /// `CascadeResult.startedWarm` tells which start answered.
    public static func solve(_ cascade: Cascade, options: SolveOptions = SolveOptions(),
                             startingFrom previous: CascadeResult? = nil,
                             observer: SolveObserver? = nil) throws(CascadeSpecificationError) -> CascadeResult {
        try solve(cascade, options: options, startingFrom: previous, observer: observer, coarseFirst: false)
    }

    /// `coarseFirst`: a coarser cascade of a continuation in the number of stages, which tries
    /// its own coarser cascade before its direct Newton attempt (the caller's direct attempt
    /// already failed on the same fronts, only longer).
    static func solve(_ cascade: Cascade, options: SolveOptions, startingFrom previous: CascadeResult?,
                      observer: SolveObserver?, coarseFirst: Bool) throws(CascadeSpecificationError) -> CascadeResult {
        let fed = fedElements(of: cascade)
        let full = try CascadeNetwork(cascade)  // validate the full specification first
        if fed.isEmpty {
            throw CascadeSpecificationError([.init(.noRareEarthFed, "no rare earth is fed: every feed concentration is zero")])
        }
        // Every element fed (the usual case): the reduced cascade is the cascade itself.
        let network = fed.count == cascade.elements.count ? full : try CascadeNetwork(cascade.keepingElements(fed))
        var system = CascadeSystem(network: network)
        // A specification without a physical steady state is answered before any Newton step.
        if let problem = Feasibility.refusals(network).first {
            return CascadeResult(cascade: cascade, fedElements: fed, system: system,
                                 outcome: .infeasible(reason: problem.description + ". Remedy: " + problem.remedy),
                                 iterations: 0, residualNorm: .infinity, continuationSteps: 0)
        }
        var totalIterations = 0
        var continuationSteps = 0
        // Every step of every phase, numbered over the whole solve.
        final class StepLog: @unchecked Sendable { var steps: [SolveStep] = [] }
        let log = StepLog()
        func watch(_ phase: SolveStep.Phase, from base: Int) -> (NewtonIterationRecord) -> Void {
            { record in
                let step = SolveStep(cascade: cascade.name, phase: phase, iteration: base + record.iteration,
                                     residualNorm: record.residualNorm, damping: record.damping,
                                     reusedJacobian: record.reusedFactorization)
                log.steps.append(step)
                observer?(step)
            }
        }
        /// The result at `unknowns`, re-evaluated there so that the read-out matches them.
        func finish(_ unknowns: [Double], _ outcome: SolveOutcome, warm: Bool = false) -> CascadeResult {
            if coarseFirst {
                // A coarser cascade of the continuation in the number of stages: the finer one
                // uses only its state and outcome, so neither the read-out nor the residual there
                // (which the read-out would have to match) is evaluated; its residual norm is NaN.
                return CascadeResult(cascade: cascade, fedElements: fed, system: system, outcome: outcome,
                                     iterations: totalIterations, residualNorm: .nan, continuationSteps: continuationSteps,
                                     history: log.steps, unknowns: unknowns, startedWarm: warm, readOut: false)
            }
            var r = [Double](repeating: 0, count: system.unknownCount)
            var norm = Double.infinity
            if (try? system.residual(at: unknowns, into: &r)) != nil {
                norm = r.reduce(0) { max($0, abs($1)) }
            }
            return CascadeResult(cascade: cascade, fedElements: fed, system: system, outcome: outcome,
                                 iterations: totalIterations, residualNorm: norm, continuationSteps: continuationSteps,
                                 history: log.steps, unknowns: unknowns, startedWarm: warm)
        }

        // 0. Warm start: Newton from a previous steady state laid out as this cascade's
        // (skipped when every model is linear: the cold start is then already the solution).
        if let previous, previous.outcome.isConverged, let state = previous.solverState, state.fits(network),
           options.warmStartIterations > 0, system.models.contains(where: { !$0.isLinear }) {
            var u = state.unknowns
            var warm = options.newton
            let warmLimit = min(warm.maximumIterations, options.warmStartIterations)
            warm.maximumIterations = min(warmLimit, options.warmTrialIterations)
            var solver = NewtonSolver(for: system, options: warm)
            solver.observer = watch(.warmStart, from: 0)
            var report = solver.solve(&system, unknowns: &u)
            totalIterations += report.iterations
            // Going on only while it makes progress: a seed far off is dropped after the trial.
            if warmLimit > warm.maximumIterations,
               Self.cutShort(report, limit: warm.maximumIterations, progressFactor: options.warmProgressFactor) {
                solver.options.maximumIterations = warmLimit - report.iterations
                solver.observer = watch(.warmStart, from: totalIterations)
                report = solver.solve(&system, unknowns: &u)
                totalIterations += report.iterations
            }
            if report.reason.isConverged { return finish(u, .converged, warm: true) }
            if !options.coldChainAfterFailedWarmStart { return finish(u, translate(report.reason, network: network)) }
            // Otherwise the cold chain below answers, as if there had been no previous result.
        }

        /// Continuation in the number of stages (`StageContinuation`): the same cascade with
        /// fewer stages per section solved (its own steps recorded as this phase), its steady
        /// state stretched to this cascade's stages, and Newton from there. Nil when the strategy
        /// does not apply or does not converge.
        let settings = options.stageContinuation
        let coarser: Cascade? = settings.enabled && (network.exchangesAcid || settings.withoutAcidExchange)
            && network.stageCount >= settings.minimumStages
            ? StageContinuation.coarser(network.cascade, factor: settings.coarseningFactor,
                                        minimumSectionStages: settings.minimumSectionStages,
                                        longSectionFraction: settings.longSectionFraction) : nil
        var stageContinuationTried = false
        func solveThroughCoarser() -> (unknowns: [Double], report: NewtonReport)? {
            guard !stageContinuationTried, let coarse = coarser else { return nil }
            stageContinuationTried = true
            var nested = options
            nested.timeStepping.enabled = false   // a fallback for the real cascade, not for a stepping stone
            // A stepping stone need not be solved to round-off (`StageContinuationOptions.coarseTolerance`).
            nested.newton.residualTolerance = max(nested.newton.residualTolerance, settings.coarseTolerance)
            nested.newton.polishIterations = 0
            let base = totalIterations
            let relabel: SolveObserver = { step in
                let s = SolveStep(cascade: cascade.name, phase: .stageContinuation, iteration: base + step.iteration,
                                  residualNorm: step.residualNorm, damping: step.damping, reusedJacobian: step.reusedJacobian)
                log.steps.append(s)
                observer?(s)
            }
            guard let coarseResult = try? solve(coarse, options: nested, startingFrom: nil, observer: relabel, coarseFirst: true)
            else { return nil }
            totalIterations += coarseResult.iterations
            guard coarseResult.outcome.isConverged, let state = coarseResult.solverState,
                  state.unknowns.count == coarse.stageCount * network.blockSize else { return nil }
            var u = StageContinuation.refine(state.unknowns, coarseCascade: coarse, fine: network.cascade, network: network,
                                             tailFraction: settings.tailFraction,
                                             tailStep: settings.tailStep)
            var refining = options.newton
            var left = min(refining.maximumIterations, options.directIterations)
            // A coarser cascade (itself a stepping stone) runs Newton from the stretched state
            // in rounds of `directTrialIterations` that must each lower ‖F‖∞ by
            // `directRoundProgressFactor`, as the direct attempt does: a stretched state that is
            // no start gives way at once to the cascade's own start. The cascade asked for
            // keeps the whole budget (a refinement that creeps there still ends sooner than the
            // rest of the chain). Measured on Flowsheets/prnd-mass-action.yaml (2026-11-30): its
            // 20 + 25 + 12 level, stretched from 10 + 13 + 12, crept at ‖F‖∞ ≈ 0.076 and damping
            // 1e-2 to 1e-3 for 60 iterations before solving itself cold.
            let round = coarseFirst ? min(left, options.directTrialIterations) : left
            refining.maximumIterations = round
            var solver = NewtonSolver(for: system, options: refining)
            var report: NewtonReport
            repeat {
                solver.options.maximumIterations = min(left, round)
                solver.observer = watch(.stageContinuation, from: totalIterations)
                report = solver.solve(&system, unknowns: &u)
                totalIterations += report.iterations
                left -= report.iterations
                // Another round when this one progressed, or converged in its last iteration
                // without its polishing steps (`cutShort`).
            } while left > 0
                && Self.cutShort(report, limit: solver.options.maximumIterations, progressFactor: options.directRoundProgressFactor)
            return report.reason.isConverged ? (u, report) : nil
        }
        if coarseFirst || settings.beforeStart, let (u, _) = solveThroughCoarser() { return finish(u, .converged) }

        var unknowns: [Double]
        switch StartingPoint.make(network, system: &system, options: options.start) {
        case .success(let u): unknowns = u
        case .failure(let outcome):
            return CascadeResult(cascade: cascade, fedElements: fed, system: system, outcome: outcome,
                                 iterations: totalIterations, residualNorm: .infinity, continuationSteps: 0,
                                 history: log.steps)
        }
        // 1. Damped Newton from the linear start (a bounded number of iterations).
        var direct = options.newton
        let directLimit = min(direct.maximumIterations, options.directIterations)
        direct.maximumIterations = min(directLimit, options.directTrialIterations)
        var solver = NewtonSolver(for: system, options: direct)
        solver.observer = watch(.newton, from: totalIterations)
        let start = unknowns
        var report: NewtonReport
        let probe = settings.directProbeIterations
        if coarser != nil && !stageContinuationTried && probe > 0 && probe < direct.maximumIterations {
            // The continuation in the number of stages can take over: a direct attempt that has
            // not gained `directProbeProgressFactor` in its first iterations gives way to it at
            // once (`StageContinuationOptions.directProbeIterations`).
            solver.options.maximumIterations = probe
            report = solver.solve(&system, unknowns: &unknowns)
            totalIterations += report.iterations
            if Self.cutShort(report, limit: probe, progressFactor: settings.directProbeProgressFactor) {
                let first = report
                solver.options.maximumIterations = direct.maximumIterations - first.iterations
                solver.observer = watch(.newton, from: totalIterations)
                report = solver.solve(&system, unknowns: &unknowns)
                totalIterations += report.iterations
                report.iterations += first.iterations
                report.history = first.history + report.history
            }
            solver.options.maximumIterations = direct.maximumIterations
        } else {
            report = solver.solve(&system, unknowns: &unknowns)
            totalIterations += report.iterations
        }
        var directUnfinished = false
        var directLeft = directLimit - report.iterations
        if directLeft > 0 {
            if Self.cutShort(report, limit: direct.maximumIterations, progressFactor: options.directProgressFactor) {
                // Progressing well (or converged but not yet polished): let the direct attempt
                // go on, in rounds of the trial's length, each of which must lower ‖F‖∞ by
                // `directRoundProgressFactor` for the next to run (a knife-edge cut such as
                // prnd-split gains 200× in its trial and then creeps upwards at damping 0.1).
                repeat {
                    solver.options.maximumIterations = min(directLeft, direct.maximumIterations)
                    solver.observer = watch(.newton, from: totalIterations)
                    report = solver.solve(&system, unknowns: &unknowns)
                    totalIterations += report.iterations
                    directLeft -= report.iterations
                } while directLeft > 0 && Self.cutShort(report, limit: solver.options.maximumIterations,
                                                        progressFactor: options.directRoundProgressFactor)
                if directLeft > 0, case .iterationLimit = report.reason { directUnfinished = true }
            } else if case .iterationLimit = report.reason {
                directUnfinished = true
            }
        }
        var outcome = translate(report.reason, network: network)
        solver.options = options.newton

        // 1b. A long cascade through a coarser one (continuation in the number of stages).
        if !report.reason.isConverged, let (u, refined) = solveThroughCoarser() {
            unknowns = u
            report = refined
            outcome = .converged
        }

        // 2. Pseudo-transient continuation from the same start.
        if !report.reason.isConverged && options.pseudoTransientSteps > 0 {
            // Acid exchange tries both forms of electroneutrality (`CascadeSystem.algebraicElectroneutrality`),
            // each given up when it diverges (`SolveOptions.pseudoTransientDivergenceSteps`).
            let algebraicFirst = options.algebraicElectroneutralityFirst && network.exchangesAcid
            var u = start
            system.algebraicElectroneutrality = algebraicFirst
            solver.observer = watch(.pseudoTransient, from: totalIterations)
            var transient = solver.solvePseudoTransient(&system, unknowns: &u, maximumSteps: options.pseudoTransientSteps,
                                                        divergenceSteps: options.pseudoTransientDivergenceSteps,
                                                        divergenceFactor: options.pseudoTransientDivergenceFactor)
            totalIterations += transient.iterations
            if !transient.reason.isConverged && network.exchangesAcid {
                // Again with the other form of electroneutrality (docs/engine.md §5).
                u = start
                system.algebraicElectroneutrality = !algebraicFirst
                solver.observer = watch(.pseudoTransient, from: totalIterations)
                transient = solver.solvePseudoTransient(&system, unknowns: &u, maximumSteps: options.pseudoTransientSteps,
                                                        divergenceSteps: options.pseudoTransientDivergenceSteps,
                                                        divergenceFactor: options.pseudoTransientDivergenceFactor)
                totalIterations += transient.iterations
            }
            system.algebraicElectroneutrality = false
            solver.observer = watch(.newton, from: totalIterations)
            if transient.reason.isConverged {
                report = solver.solve(&system, unknowns: &u)   // polish to round-off
                totalIterations += report.iterations
                unknowns = u
                outcome = translate(report.reason, network: network)
            } else if directUnfinished {
                // Slow but steady Newton (extreme constants): give it the rest of its budget.
                solver.options.maximumIterations = directLeft
                report = solver.solve(&system, unknowns: &unknowns)
                totalIterations += report.iterations
                outcome = translate(report.reason, network: network)
                solver.options = options.newton
            }
        }

        // 3. Continuation in the feed (mass action) or the separation factors (Xu).
        var fallbackStart = start
        if !outcome.isConverged {
            // Continuation.
            if let family = Continuation.family(network.cascade, options: options.continuation) {
                let (continued, iterations, steps, reached) = Continuation.run(family, from: start, network: network, options: options,
                                                                               observe: { base in watch(.continuation, from: totalIterations + base) })
                totalIterations += iterations
                solver.observer = watch(.newton, from: totalIterations)
                continuationSteps = steps
                outcome = continued
                if continued.isConverged {
                    var u = reached
                    report = solver.solve(&system, unknowns: &u)  // final polish on the real system
                    totalIterations += report.iterations
                    unknowns = u
                    outcome = translate(report.reason, network: network)
                } else if TimeSteppingFallback.startsFromContinuation(network, reached: reached, start: start) {
                    fallbackStart = reached
                }
                // On failure the direct attempt's last iterate is returned with the continuation's reason.
            }
        }

        // 4. Physical time stepping from the same start, then Newton (on by default, `TimeSteppingOptions.enabled`).
        var timeSteppingEnding: TimeSteppingEnding?
        if !outcome.isConverged && options.timeStepping.enabled {
            let (polished, reached, steps, ending) = TimeSteppingFallback.run(from: fallbackStart, system: &system, options: options,
                                                                      observer: watch(.timeStepping, from: totalIterations))
            totalIterations += steps
            timeSteppingEnding = ending
            if let polished, polished.reason.isConverged {
                unknowns = reached
                outcome = translate(polished.reason, network: network)
            }
        }
        // Report the work of all phases, not of the last one (the explanation quotes it).
        switch outcome {
        case .notConverged: outcome = .notConverged(iterations: totalIterations, worst: worstBalance(at: unknowns, system: &system),
                                                    timeStepping: timeSteppingEnding)
        case .stalled: outcome = .stalled(iterations: totalIterations, worst: worstBalance(at: unknowns, system: &system),
                                          timeStepping: timeSteppingEnding)
        default: break
        }
        return finish(unknowns, outcome)
    }

    /// The stage balance with the largest error at `unknowns` (nil when it cannot be evaluated).
    static func worstBalance(at unknowns: [Double], system: inout CascadeSystem) -> UnclosedBalance? {
        var r = [Double](repeating: 0, count: system.unknownCount)
        guard (try? system.residual(at: unknowns, into: &r)) != nil,
              let index = r.indices.max(by: { abs(r[$0]) < abs(r[$1]) }) else { return nil }
        let network = system.network
        let stage = index / network.blockSize + 1
        let sectionIndex = network.cascade.sectionIndex(ofStage: stage) ?? 0
        let range = network.cascade.sectionStageRanges[sectionIndex]
        return UnclosedBalance(stage: stage, section: network.cascade.sections[sectionIndex].name,
                               stageInSection: stage - range.lowerBound + 1,
                               balance: componentName(index % network.blockSize, network: network), logError: r[index])
    }

    /// What unknown (and balance) `component` of a stage block is.
    static func componentName(_ component: Int, network: CascadeNetwork) -> String {
        if component < network.elementCount { return network.cascade.elements[component].symbol }
        if network.exchangesAcid && component == network.acidityIndex { return "electroneutrality" }
        return component == network.elementCount ? "extractant" : "saponifying cation"
    }

    /// Indices of the elements some feed carries: elements that are never fed carry no flow
    /// anywhere, so the solver works without them (`Cascade.keepingElements`).
    static func fedElements(of cascade: Cascade) -> [Int] {
        cascade.elements.indices.filter { j in
            cascade.aqueousFeeds.contains { $0.concentrations.indices.contains(j) && $0.concentrations[j] > 0 }
                || cascade.organicFeeds.contains { $0.concentrations.indices.contains(j) && $0.concentrations[j] > 0 }
        }
    }

    /// Maps a numerics-level reason to the cascade's terms.
    /// Whether a trial of `limit` Newton iterations should go on: it reached its limit while
    /// lowering ‖F‖∞ by `progressFactor`, or it reached the tolerance in its last iteration,
    /// which leaves the polishing steps (`NewtonOptions.polishIterations`) untaken.
    static func cutShort(_ report: NewtonReport, limit: Int, progressFactor: Double) -> Bool {
        guard report.iterations >= limit else { return false }
        if report.reason.isConverged { return true }
        guard case .iterationLimit = report.reason else { return false }
        return report.residualNorm <= progressFactor * (report.history.first?.residualNorm ?? .infinity)
    }

    static func translate(_ reason: ConvergenceReason, network: CascadeNetwork) -> SolveOutcome {
        switch reason {
        case .converged: return .converged
        case .iterationLimit(let k): return .notConverged(iterations: k)
        case .stalled(let k): return .stalled(iterations: k)
        case .singularJacobian(let unknown):
            let b = network.blockSize
            let stage = unknown / b + 1
            let c = unknown % b
            let name = componentName(c, network: network)
            return .singular(stage: stage, variable: c < network.elementCount ? name + " (aqueous)"
                             : c == network.elementCount ? "free extractant [(HA)2]"
                             : network.exchangesAcid && c == network.acidityIndex ? "free acid [H+]" : name)
        case .leftDomain(let v): return .leftDomain(reason: v.reason)
        case .invalidStart(let v): return .leftDomain(reason: "the starting point: " + v.reason)
        case .nonFinite: return .nonFinite
        case .linearAlgebraFailure(let e): return .internalError(e.description)
        }
    }
}

