import Foundation
import SXNumerics

/// The solver's cold start: each element solved as a linear (constant-D) cascade, with D at
/// every stage refined by damped successive substitution from the section's own model,
/// evaluated through the `EquilibriumModel` seam (the start has no model-specific code):
///
/// - a fixed organic loading (Xu): the composition from the linear solve, the aqueous total
///   from the total-RE balance (the undamped fixed point is unstable);
/// - acid exchange: [H⁺] from the charge balance and [(HA)₂] from the stage's extractant
///   balance (a monotone scalar equation), the cation solved as one more linear species; the
///   start's [H⁺] becomes the solver's ln [H⁺] unknown;
/// - a linear model is exact in one pass.
///
/// Each linear solve is exact to relative round-off in every component
/// (`AccurateMMatrixSolver`), so trace impurities start right.
enum StartingPoint {
    enum Result {
        case success([Double])
        case failure(SolveOutcome)
    }

    /// The start for `net`, using `system` (the cascade's own) as scratch space.
    static func make(_ net: CascadeNetwork, system: inout CascadeSystem, options: StartOptions) -> Result {
        let trace = traceLoading(net, system: &system, options: options, maximumSweeps: options.maximumSweeps)
        guard net.exchangesAcid, case .success(let u) = trace,
              let loaded = fullyLoaded(net, system: &system, traceStart: u, options: options) else { return trace }
        // Keep whichever start has the smaller balance errors.
        var r = u
        func norm(_ v: [Double]) -> Double {
            guard (try? system.residual(at: v, into: &r)) != nil else { return .infinity }
            return r.reduce(0) { $0 + $1 * $1 }
        }
        return norm(loaded) < norm(u) ? .success(loaded) : trace
    }

    // MARK: - Model probes

    /// ln D_j = ln y_j − ln x_j of stage i's model at aqueous ln x (`logX[i·ne + j]`, the
    /// equilibrium aqueous), written into `logD[i·ne + j]`; for acid exchange also at
    /// ln [H⁺], ln [(HA)₂] and ln [C⁺]. Returns ln([CA]/[C⁺]), the cation's distribution
    /// ratio (−∞ without cation).
    @discardableResult
    static func logDistribution(_ system: inout CascadeSystem, stage i: Int, logX: [Double], logAcidity: Double = 0,
                                logFreeExtractant: Double = 0, logCation: Double = -.infinity,
                                organicLoading: Double? = nil, into logD: inout [Double]) -> Double {
        let ne = system.network.elementCount
        probe(&system, stage: i, logX: logX, logAcidity: logAcidity, logFreeExtractant: logFreeExtractant,
              logCation: logCation, organicLoading: organicLoading, derivatives: false)
        for j in 0..<ne { logD[i * ne + j] = system.work.logOrganic[j] - system.work.logEquilibriumAqueous[j] }
        return system.work.logOrganicCation - logCation
    }

    /// Evaluates stage i's model into `system.work`. Species at ln x = −∞ (unfed) are
    /// evaluated at the start's floor so that their ln D stays defined.
    static func probe(_ system: inout CascadeSystem, stage i: Int, logX: [Double], logAcidity: Double,
                      logFreeExtractant: Double, logCation: Double, organicLoading: Double?, derivatives: Bool) {
        let net = system.network, ne = net.elementCount
        system.work.stage = i + 1
        system.work.wantsDerivatives = derivatives
        for j in 0..<ne { system.work.logEquilibriumAqueous[j] = max(logX[i * ne + j], -745) }
        system.work.organicLoading = organicLoading ?? net.fullLoading[i]
        system.work.logAcidity = logAcidity
        system.work.logFreeExtractant = logFreeExtractant
        system.work.logCation = logCation
        system.work.clearDerivativesExceptAqueous()   // the start never reads ∂ln y/∂ln x*
        system.models[net.sectionOfStage[i]].evaluate(&system.work)
    }

    /// The free dimer [(HA)₂] (mol/L) that closes stage i's extractant balance
    ///
    ///     2 e + ν_RE Σ_j y_j(e) + ν_C [CA](e) = C_HA,i
    ///
    /// at the given aqueous (ln x), [H⁺] and [C⁺]. The left side rises with e, so the root in
    /// (0, C_HA/2] is unique. Each outer pass evaluates the model once at the current e and
    /// fits every organic species as a power law in e through that point (exponent
    /// ∂ln y/∂ln e from the model); the fitted balance is solved by Newton on ln e kept in its
    /// bracket (`MonotoneRoot`). For mass action (y ∝ e³, [CA] ∝ e^½) the fit is exact and
    /// one pass gives the root; a model whose exponents vary takes a few passes. `guess`
    /// (ln e, e.g. the previous substitution pass's root) is where the first pass is fitted
    /// and the root search starts; nil starts at the bracket's top, ln(C_HA/ν_free).
    static func freeExtractant(_ system: inout CascadeSystem, stage i: Int, logX: [Double], acidity h: Double,
                               logCation: Double, startingAt guess: Double? = nil, maximumPasses: Int = 20) -> Double {
        let net = system.network, ne = net.elementCount
        let c = net.extractantConcentration[i]
        let nu = system.stoichiometry
        let logH = log(h)
        let lower = log(c) - 60, upper = log(c / nu.perFreeExtractant)
        var t = guess.map { min(max($0, lower), upper) } ?? upper
        for _ in 0..<maximumPasses {
            probe(&system, stage: i, logX: logX, logAcidity: logH, logFreeExtractant: t, logCation: logCation,
                  organicLoading: nil, derivatives: true)
            // Organic species at e = exp(t): amounts a_k (mol/L of HA bound) and exponents s_k.
            // Species sharing an exponent are summed into one group (at most one per element;
            // mass action has one, PrOMMiS's fit six for twelve metals), so a Newton step of the
            // fitted balance costs O(groups), not O(elements).
            var groups = 0
            for j in 0..<ne {
                let sj = system.work.logOrganicByLogFreeExtractant[j]
                let amount = nu.perMetal[j] * exp(system.work.logOrganic[j])
                var g = 0
                while g < groups && system.rootExponents[g] != sj { g += 1 }
                if g == groups { system.rootExponents[g] = sj; system.rootAmounts[g] = 0; groups += 1 }
                system.rootAmounts[g] += amount
            }
            let cationAmount = logCation > -.infinity ? nu.perCation * exp(system.work.logOrganicCation) : 0
            let cationExponent = system.work.logOrganicCationByLogFreeExtractant
            let anchor = t
            let anchorDimer = exp(anchor)
            let next = MonotoneRoot.solve(lower: lower, upper: upper, start: t) { tau in
                let shift = tau - anchor
                let ratio = exp(shift), e = anchorDimer * ratio
                var f = nu.perFreeExtractant * e - c, slope = nu.perFreeExtractant * e
                for g in 0..<groups {
                    // (e/e₀)^s: by multiplication for the stoichiometric cube of RE³⁺, 1 for s = 0.
                    let s = system.rootExponents[g]
                    let y = system.rootAmounts[g] * (s == 3 ? ratio * ratio * ratio : s == 0 ? 1 : exp(s * shift))
                    f += y; slope += s * y
                }
                if cationAmount > 0 {
                    let ca = cationAmount * (cationExponent == 0.5 ? ratio.squareRoot() : exp(cationExponent * shift))
                    f += ca; slope += cationExponent * ca
                }
                return (f, slope)
            }
            let converged = abs(next - t) < 1e-9   // a start: ln e to 1e-9 is ample
            t = next
            if converged || system.models[net.sectionOfStage[i]].organicIsPowerLawInFreeExtractant { break }
        }
        return exp(t)
    }

    // MARK: - Trace-loading start

    static func traceLoading(_ net: CascadeNetwork, system: inout CascadeSystem, options: StartOptions,
                             maximumSweeps: Int) -> Result {
        let n = net.stageCount, ne = net.elementCount
        let models = (0..<n).map { system.models[net.sectionOfStage[$0]] }
        var logD = [Double](repeating: 0, count: n * ne)
        var logCationD = [Double](repeating: -20, count: n)
        var logDimer = [Double](repeating: 0, count: n)
        var logCation = [Double](repeating: -30, count: n)
        let feedTotals = (0..<ne).map { net.totalFeed(element: $0) }
        let feedSum = feedTotals.reduce(0, +)
        var logX = [Double](repeating: 0, count: n * ne)
        // First estimates: the model at the feed's composition (fixed loading: at a typical
        // concentration, feed flux over aqueous flow), or at trace loading (acid exchange:
        // [(HA)₂] = C_HA/2, [H⁺] from the anion less the cation).
        for i in 0..<n {
            let typical = feedSum / max(net.aqueousFlow[i], 1e-300)
            for j in 0..<ne { logX[i * ne + j] = log(typical * feedTotals[j] / feedSum) }
            if net.exchangesAcid {
                let anion = net.anionConcentration[i]
                let h = max(net.freeAcid(stage: i, cation: net.cationAllAqueous[i], metalCharge: 0),
                            options.firstAcidFraction * anion)
                logDimer[i] = log(net.extractantConcentration[i] / system.stoichiometry.perFreeExtractant)
                logCationD[i] = logDistribution(&system, stage: i, logX: logX, logAcidity: log(h),
                                                logFreeExtractant: logDimer[i], logCation: 0, into: &logD)
            } else {
                logDistribution(&system, stage: i, logX: logX, logAcidity: startLogAcidity(net, stage: i, logX: nil, options: options),
                                into: &logD)
            }
        }
        let needsSweeps = models.contains { !$0.isLinear }
        let hasFixedLoading = models.contains { $0.fixedOrganicLoading != nil }
        var settled = false
        var relax = 1.0, previousChange = Double.infinity
        var workspace = LinearStartWorkspace(net)
        let elementFeeds = (0..<ne).map { j in (0..<n).map { net.feedFlux[$0 * ne + j] } }
        var scaled = [Double](repeating: 0, count: n * ne)
        var fixedLoadings = net.fullLoading
        // A fixed-loading start without acid exchange is the solver's own unknown vector (ln x):
        // each pass is scored by its balance errors and the best one kept (`StartOptions.stagnationSweeps`).
        let scoresPasses = hasFixedLoading && !net.exchangesAcid && options.stagnationSweeps > 0
        var best = (merit: Double.infinity, logX: logX)
        // Passes since the best one or since the damping was last cut, whichever is later: while
        // the damping falls the passes are being brought back under control, and they can then
        // settle far below the best merit seen before (the light-RE train's nd-sm cascade: best
        // 0.18 at pass 22, a detour up to 3.4 while the damping fell to 0.22 by pass 54, then
        // 0.0024 at pass 75; stopped at pass 42, Newton from pass 22 took 43 iterations, not 4).
        // The damping can only be cut down to `minimumRelaxation`, so this still ends.
        var passesWithoutBetter = 0
        var dampingJustCut = false
        var residual = scoresPasses ? [Double](repeating: 0, count: system.unknownCount) : []
        for sweep in 0..<(needsSweeps ? maximumSweeps : 1) {
            for j in 0..<ne {
                guard let lx = linearSpeciesLog(net, rightHandSide: elementFeeds[j], workspace: &workspace,
                                                logDistribution: { logD[$0 * ne + j] }) else {
                    return .failure(.singular(stage: 1, variable: net.cascade.elements[j].symbol + " (linear start)"))
                }
                for i in 0..<n { logX[i * ne + j] = lx[i].isFinite ? lx[i] : options.logFloor }
            }
            if net.hasCation {
                guard let lc = linearSpeciesLog(net, rightHandSide: net.cationFeedFlux, workspace: &workspace,
                                                logDistribution: { logCationD[$0] }) else {
                    return .failure(.singular(stage: 1, variable: "saponifying cation (linear start)"))
                }
                for i in 0..<n { logCation[i] = lc[i].isFinite ? lc[i] : options.logFloor }
            }
            if scoresPasses {
                let merit = (try? system.residual(at: logX, into: &residual)) != nil
                    ? residual.reduce(0) { $0 + $1 * $1 } : .infinity
                if merit < best.merit {
                    best = (merit, logX)
                    passesWithoutBetter = 0
                } else {
                    passesWithoutBetter = dampingJustCut ? 0 : passesWithoutBetter + 1
                }
                if passesWithoutBetter >= options.stagnationSweeps { logX = best.logX; break }
            }
            if !needsSweeps || sweep == maximumSweeps - 1 || settled {
                if scoresPasses { logX = best.logX }
                break
            }
            // Aqueous RE totals from the total balance (organic totals fixed where fully loaded).
            var aqueousTotals: [Double] = []
            if hasFixedLoading {
                guard let (totals, loadings) = aqueousTotalsFromBalance(net, models: models, logX: logX, logD: logD) else {
                    return .failure(.singular(stage: 1, variable: "total rare earth (linear start)"))
                }
                if let bad = (0..<n).first(where: { models[$0].fixedOrganicLoading != nil && !(totals[$0] > 0) }) {
                    return .failure(.infeasible(reason: "at stage \(bad + 1) the fully loaded organic would take more rare earth than reaches it (the total RE balance leaves a non-positive aqueous concentration); lower the organic flow or loading, or raise the scrub"))
                }
                aqueousTotals = totals
                fixedLoadings = loadings
            }
            // Refine D from the model, damped.
            var change = 0.0
            var target = logD
            for i in 0..<n where !models[i].isLinear {
                if net.exchangesAcid {
                    // Local equilibrium consistent with the aqueous of the linear solve:
                    // [H⁺] from electroneutrality, [(HA)₂] from the extractant balance.
                    let c = net.hasCation ? exp(logCation[i]) : 0
                    let anion = net.anionConcentration[i]
                    let h = max(net.freeAcid(stage: i, cation: c, metalCharge: metalCharge(net, stage: i, logX: logX)),
                                options.minimumAcidFraction * anion)
                    let lc = net.hasCation ? logCation[i] : -Double.infinity
                    // Started at the previous pass's root (ln [(HA)₂]), which moves little
                    // between passes: fewer Newton steps of the scalar root than from C_HA/2.
                    let free = freeExtractant(&system, stage: i, logX: logX, acidity: h, logCation: lc,
                                              startingAt: sweep > 0 ? logDimer[i] : nil)
                    let dimerStep = clamp(options.acidExchangeDamping * (log(free) - logDimer[i]), options.maximumLogStep)
                    logDimer[i] += dimerStep
                    change = max(change, abs(dimerStep))
                    let cationD = logDistribution(&system, stage: i, logX: logX, logAcidity: log(h), logFreeExtractant: logDimer[i],
                                                  logCation: net.hasCation ? logCation[i] : 0, into: &target)
                    for j in 0..<ne {
                        let step = clamp(options.acidExchangeDamping * (target[i * ne + j] - logD[i * ne + j]), options.maximumLogStep)
                        change = max(change, abs(step))
                        logD[i * ne + j] += step
                    }
                    logCationD[i] = cationD
                } else {
                    // Composition from the linear solve, total from the RE balance (stable).
                    if models[i].fixedOrganicLoading != nil {
                        var total = LogSumExp()
                        for l in 0..<ne { total.add(logX[i * ne + l]) }
                        for l in 0..<ne { scaled[i * ne + l] = logX[i * ne + l] - total.value + log(aqueousTotals[i]) }
                    } else {
                        for l in 0..<ne { scaled[i * ne + l] = logX[i * ne + l] }
                    }
                    logDistribution(&system, stage: i, logX: scaled, logAcidity: startLogAcidity(net, stage: i, logX: logX, options: options),
                                    organicLoading: fixedLoadings[i], into: &target)
                    for j in 0..<ne {
                        let step = clamp(options.loadedDamping * relax * (target[i * ne + j] - logD[i * ne + j]), options.maximumLogStep)
                        change = max(change, abs(step))
                        logD[i * ne + j] += step
                    }
                }
            }
            if hasFixedLoading {
                let previousRelax = relax
                relax = sweep >= options.relaxationDelay && change > previousChange && change > options.cyclingChange
                    ? max(options.minimumRelaxation, options.relaxationDecrease * relax)
                    : min(1, options.relaxationRecovery * relax)
                dampingJustCut = relax < previousRelax
                previousChange = change
            }
            if change < options.settledChange * relax { settled = true }   // Newton does the rest; one more solve with the final D
        }
        liftMurphreeStages(net, system: system, logX: &logX)
        // Acid-dependent strips need free acid: cap their metal below the acid capacity.
        for i in 0..<n where system.acidDependent[i] {
            let room = options.rareEarthRoom * (net.anionConcentration[i] - net.cationAllAqueous[i])
            let charge = metalCharge(net, stage: i, logX: logX)
            if room > 0 && charge > room { for j in 0..<ne { logX[i * ne + j] += log(room / charge) } }
        }
        var logAcidity = [Double](repeating: 0, count: n)
        if net.exchangesAcid {
            projectIntoDomain(net, system: &system, logX: &logX, logCation: &logCation, logDimer: &logDimer,
                              logAcidity: &logAcidity, options: options)
        }
        return .success(unknowns(net, logX: logX, logDimer: logDimer, logCation: logCation, logAcidity: logAcidity))
    }

    /// ln [H⁺] (mol/L) a concentration-only stage is probed at: the acid its capacity leaves
    /// after the metals of `logX` (none when nil), at least `minimumAcidFraction` of the
    /// capacity and 1e-6 mol/L. Only models that `dependsOnAcidity` read it.
    static func startLogAcidity(_ net: CascadeNetwork, stage i: Int, logX: [Double]?, options: StartOptions) -> Double {
        let capacity = net.anionConcentration[i] - net.cationAllAqueous[i]
        let metal = logX.map { metalCharge(net, stage: i, logX: $0) } ?? 0
        let h = net.freeAcid(stage: i, cation: net.cationAllAqueous[i], metalCharge: metal)
        return log(max(h, options.minimumAcidFraction * capacity, 1e-6))
    }

    /// The solver's unknown vector (stage blocks: ln x_j, then ln [(HA)₂], ln [C⁺] and ln [H⁺]
    /// where the cascade carries them) from per-species arrays.
    static func unknowns(_ net: CascadeNetwork, logX: [Double], logDimer: [Double], logCation: [Double],
                         logAcidity: [Double]) -> [Double] {
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        var u = [Double](repeating: 0, count: n * b)
        for i in 0..<n {
            for j in 0..<ne { u[i * b + j] = logX[i * ne + j] }
            if net.exchangesAcid {
                u[i * b + ne] = logDimer[i]
                if net.hasCation { u[i * b + ne + 1] = logCation[i] }
                u[i * b + net.acidityIndex] = logAcidity[i]
            }
        }
        return u
    }

    /// Sets ln [H⁺] of a guess (acid-exchange stages) from electroneutrality at its other
    /// unknowns where the protons T = Q − C⁺ − Σ z x are at least `wellPosedProtonFraction`
    /// of Q, so that the difference does not cancel (a continuation step that raised the
    /// metals leaves the previous [H⁺] too high); elsewhere the guess keeps its own.
    static func reseatAcidity(_ net: CascadeNetwork, unknowns u: inout [Double], wellPosedProtonFraction: Double = 0.01) {
        guard net.exchangesAcid else { return }
        let ne = net.elementCount, b = net.blockSize
        for i in 0..<net.stageCount {
            var charge = 0.0
            for j in 0..<ne { charge += net.charges[j] * exp(u[i * b + j]) }
            let c = net.hasCation ? exp(u[i * b + ne + 1]) : 0
            let q = net.anionConcentration[i]
            let t = AqueousChargeBalance.protons(capacity: q, cation: c, metalCharge: charge)
            if t >= wellPosedProtonFraction * q {
                u[i * b + net.acidityIndex] = log(AqueousChargeBalance.freeAcidWithWater(protons: t, sulfate: net.sulfateConcentration[i]))
            }
        }
    }

    /// Murphree stages (E < 1) need x > (1 − E)·x_in so that x* > 0: the ideal-stage start
    /// may violate it; lift x there (top-down, twice, as x_in comes mostly from above).
    static func liftMurphreeStages(_ net: CascadeNetwork, system: CascadeSystem, logX: inout [Double]) {
        let n = net.stageCount, ne = net.elementCount
        guard net.efficiency.contains(where: { $0 < 1 }) else { return }
        for _ in 0..<2 {
            for i in stride(from: n - 1, through: 0, by: -1) where net.efficiency[i] < 1 {
                for j in 0..<ne {
                    var inflow = LogSumExp()
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

    /// Keeps every acid-exchange stage's protons T = Q − C⁺ − Σ z x positive
    /// (`AqueousChargeBalance`) by capping the cation and the metals (an estimate with T ≤ 0
    /// would start [H⁺] at the water root, pH 7 or above, where D is orders of magnitude off),
    /// then sets [H⁺] from electroneutrality and the free extractant from the extractant
    /// balance at that aqueous.
    static func projectIntoDomain(_ net: CascadeNetwork, system: inout CascadeSystem, logX: inout [Double],
                                  logCation: inout [Double], logDimer: inout [Double], logAcidity: inout [Double],
                                  options: StartOptions) {
        let ne = net.elementCount
        for i in 0..<net.stageCount {
            let anion = net.anionConcentration[i]
            var c = net.hasCation ? exp(logCation[i]) : 0
            if c > options.maximumCationFraction * anion { c = options.maximumCationFraction * anion; logCation[i] = log(c) }
            var charge = metalCharge(net, stage: i, logX: logX)
            let room = options.rareEarthRoom * (anion - c)
            if charge > room {
                let shift = log(room / charge)
                for j in 0..<ne { logX[i * ne + j] += shift }
                charge = room
            }
            let h = AqueousChargeBalance.freeAcidWithWater(
                protons: AqueousChargeBalance.protons(capacity: anion, cation: c, metalCharge: charge),
                sulfate: net.sulfateConcentration[i])
            logAcidity[i] = log(h)
            logDimer[i] = log(freeExtractant(&system, stage: i, logX: logX, acidity: h,
                                             logCation: net.hasCation ? logCation[i] : -.infinity))
        }
    }

    // MARK: - Fully loaded start (acid exchange)

    /// An acid-exchange start for a fully loaded organic (the normal case when the feed
    /// exceeds the organic's capacity): each section's `fullyLoadedLimit` (Xu's model, for
    /// mass action with β_j = K_j, loaded to C_HA/ν_RE) gives the aqueous composition and
    /// totals; [(HA)₂] then follows from each stage's extractant balance and [H⁺] from
    /// electroneutrality. A section fed more acid than a loaded organic can exchange (a
    /// strip) keeps the trace start's distribution ratios, as constant D. Nil when that
    /// picture does not apply.
    static func fullyLoaded(_ net: CascadeNetwork, system: inout CascadeSystem, traceStart: [Double],
                            options: StartOptions) -> [Double]? {
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        guard let nu = net.stageChemistry.stoichiometry else { return nil }
        var cascade = net.cascade
        var anyLoaded = false
        var traceX = [Double](repeating: 0, count: n * ne)
        for i in 0..<n { for j in 0..<ne { traceX[i * ne + j] = traceStart[i * b + j] } }
        var logD = [Double](repeating: 0, count: n * ne)
        for (k, range) in cascade.sectionStageRanges.enumerated() {
            let perMetal = nu.perMetal.reduce(0, +) / Double(max(nu.perMetal.count, 1))
            let capacity = range.reduce(0.0) { $0 + net.extractantConcentration[$1 - 1] } / Double(range.count) / perMetal
            let overAcidified = range.contains {
                net.acidFeedFlux[$0 - 1] / (AqueousChargeBalance.rareEarthCharge * net.organicFlow[$0 - 1]) > options.stripAcidFraction * capacity
            }
            if overAcidified {
                let mid = (range.lowerBound + range.upperBound) / 2 - 1
                let lc = net.hasCation ? traceStart[mid * b + ne + 1] : -Double.infinity
                let anion = net.anionConcentration[mid]
                let h = max(net.freeAcid(stage: mid, cation: net.hasCation ? exp(lc) : 0, metalCharge: metalCharge(net, stage: mid, logX: traceX)),
                            options.minimumAcidFraction * anion)
                logDistribution(&system, stage: mid, logX: traceX, logAcidity: log(h), logFreeExtractant: traceStart[mid * b + ne],
                                logCation: lc, into: &logD)
                cascade.sections[k].equilibrium = ConstantDistributionModel(distributionRatios: (0..<ne).map { exp(logD[mid * ne + $0]) })
            } else if let limit = cascade.sections[k].equilibrium.fullyLoadedLimit(capacity: capacity) {
                cascade.sections[k].equilibrium = limit
                anyLoaded = true
            } else {
                return nil
            }
        }
        guard anyLoaded, let loadedNetwork = try? CascadeNetwork(cascade) else { return nil }
        var loadedSystem = CascadeSystem(network: loadedNetwork)
        guard case .success(let xu) = traceLoading(loadedNetwork, system: &loadedSystem, options: options,
                                                   maximumSweeps: options.loadedStartSweeps) else { return nil }
        var logX = Array(xu.prefix(n * ne))
        var logCation = (0..<n).map { net.hasCation ? traceStart[$0 * b + ne + 1] : -Double.infinity }
        var logDimer = [Double](repeating: 0, count: n)
        var logAcidity = [Double](repeating: 0, count: n)
        projectIntoDomain(net, system: &system, logX: &logX, logCation: &logCation, logDimer: &logDimer,
                          logAcidity: &logAcidity, options: options)
        return unknowns(net, logX: logX, logDimer: logDimer, logCation: logCation, logAcidity: logAcidity)
    }

    // MARK: - Linear pieces

    /// Aqueous total RE per stage (mol/L) from the total RE balance, the organic totals being
    /// fixed (the full loading Y) at stages with a fixed loading and D̄·X elsewhere, D̄ the
    /// composition-weighted distribution ratio of the current start iterate; and the loading of
    /// each fixed stage (mol/L).
    ///
    /// Acid routed into a fixed stage i from a stage k outside the fixed sections strips RE there
    /// (`CascadeSystem`): O_i·Y_i = O_i·Y − Σ_k F_ki·(P_k − 3X_k)/3, P_k = Q_k − C_k, which is linear
    /// in the totals, so the balance holds it exactly (as if every such stream carried acid;
    /// the loading returned clamps the acid at 0, as the cascade does).
    static func aqueousTotalsFromBalance(_ net: CascadeNetwork, models: [any EquilibriumModel], logX: [Double],
                                         logD: [Double]) -> (totals: [Double], loadings: [Double])? {
        let n = net.stageCount, ne = net.elementCount
        let fixed = models.map { $0.fixedOrganicLoading != nil }
        var meanD = [Double](repeating: 0, count: n)
        for i in 0..<n where !fixed[i] {
            var num = LogSumExp(), den = LogSumExp()
            for j in 0..<ne { num.add(logX[i * ne + j] + logD[i * ne + j]); den.add(logX[i * ne + j]) }
            meanD[i] = exp(num.value - den.value)
        }
        let z = AqueousChargeBalance.rareEarthCharge
        func capacity(_ k: Int) -> Double { net.anionConcentration[k] - net.cationAllAqueous[k] }
        // Source stages whose routed acid is held in the balance: those with any acid capacity
        // (a strip fed no acid has none). Measured (debug build, Newton iterations after the
        // start, with the acid held / without): Xu 1000 × 15 with reflux 10 / 322, the light-RE
        // train's pr-ndsm 151 / 176, prnd-split 358 / 349, lace-split 129 / 35.
        let carriesAcid = (0..<n).map { !fixed[$0] && capacity($0) > 0 }
        var rhs = [Double](repeating: 0, count: n)
        do {
            // Routed acid into fixed stage i: Σ F_ki·(P_k − 3X_k)/3 (mol/h) over these links.
            func acidLinks(_ i: Int) -> [CascadeNetwork.Link] {
                net.aqueousSources[net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1]].filter { carriesAcid[$0.from] }
            }
            var m = BandMatrix(order: n, lowerBandwidth: max(net.stagesBelow, 1), upperBandwidth: max(net.stagesAbove, 1))
            for i in 0..<n { rhs[i] = 0 }
            for i in 0..<n {
                for j in 0..<ne { rhs[i] += net.feedFlux[i * ne + j] }
                if fixed[i] {
                    m.add(net.aqueousFlow[i], row: i, column: i)
                    rhs[i] -= net.organicFlow[i] * net.fullLoading[i]
                    for l in acidLinks(i) {
                        rhs[i] += l.flow * capacity(l.from) / z
                        m.add(l.flow, row: i, column: l.from)
                    }
                } else {
                    m.add(net.aqueousFlow[i] + net.organicFlow[i] * meanD[i], row: i, column: i)
                }
                for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                    let l = net.aqueousSources[s]; m.add(-l.flow, row: i, column: l.from)
                }
                for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                    let l = net.organicSources[s]
                    if fixed[l.from] {
                        rhs[i] += l.flow * net.fullLoading[l.from]
                        for a in acidLinks(l.from) {
                            let share = l.flow / net.organicFlow[l.from]
                            rhs[i] -= share * a.flow * capacity(a.from) / z
                            m.add(-share * a.flow, row: i, column: a.from)
                        }
                    } else { m.add(-l.flow * meanD[l.from], row: i, column: l.from) }
                }
            }
            var lu = BandLUWorkspace(order: n)
            do { try lu.factorize(&m); try lu.solve(m, &rhs) } catch { return nil }
        }
        var loadings = net.fullLoading
        for i in 0..<n where fixed[i] {
            var routed = 0.0
            for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] where !fixed[net.aqueousSources[s].from] {
                let l = net.aqueousSources[s]
                routed += l.flow * max(capacity(l.from) - z * rhs[l.from], 0)
            }
            loadings[i] = max(net.fullLoading[i] - routed / (z * net.organicFlow[i]), 0.05 * net.fullLoading[i])
        }
        return (rhs, loadings)
    }

    /// ln x of one species' linear balances with y = D·x at ideal stages (D given as ln D per
    /// stage), fed `rightHandSide` mol/h per stage, to full relative accuracy
    /// (`AccurateMMatrixSolver`).
    static func linearSpeciesLog(_ net: CascadeNetwork, rightHandSide f: [Double], workspace: inout LinearStartWorkspace,
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

    /// Storage for the start's per-species linear solves, allocated once per start rather
    /// than once per element and sweep.
    struct LinearStartWorkspace {
        var matrix: AccurateMMatrixSolver
        var leaving: [Double]
        init(_ net: CascadeNetwork) {
            matrix = AccurateMMatrixSolver(order: net.stageCount, lower: net.stagesBelow, upper: net.stagesAbove)
            leaving = [Double](repeating: 0, count: net.stageCount)
        }
    }

    /// Σ_j z_j x_j of stage i at aqueous ln x (`logX[i·ne + j]`), mol/L.
    static func metalCharge(_ net: CascadeNetwork, stage i: Int, logX: [Double]) -> Double {
        var m = 0.0
        for j in 0..<net.elementCount { m += net.charges[j] * exp(logX[i * net.elementCount + j]) }
        return m
    }

    @inline(__always)
    static func clamp(_ v: Double, _ limit: Double) -> Double { max(-limit, min(limit, v)) }
}
