/// Why a Newton solve stopped. A value, never a trap: callers explain it to the user.
public enum ConvergenceReason: Sendable, Equatable {
    /// ‖F‖∞ fell to the tolerance.
    case converged
    /// The iteration limit was reached with ‖F‖∞ above tolerance.
    case iterationLimit(iterations: Int)
    /// The line search could not reduce ‖F‖₂ even with a tiny step: a local minimum of the
    /// merit function that is not a root, typically an impossible specification.
    case stalled(iterations: Int)
    /// LAPACK found an exactly zero pivot; `unknown` is the 0-based unknown whose column
    /// could not be eliminated.
    case singularJacobian(unknown: Int)
    /// Every trial step, however short, left the physical domain.
    case leftDomain(DomainViolation)
    /// The starting point itself is outside the physical domain.
    case invalidStart(DomainViolation)
    /// A residual or step was not finite (NaN or infinity).
    case nonFinite(iterations: Int)
    /// A LAPACK argument or size error (an internal error, reported rather than trapped).
    case linearAlgebraFailure(LinearAlgebraError)

    public var isConverged: Bool { self == .converged }
}

extension ConvergenceReason: CustomStringConvertible {
    /// In words, for messages ("Newton stalled after 5 iterations", not "stalled(iterations: 5)").
    public var description: String {
        switch self {
        case .converged: "Newton converged"
        case .iterationLimit(let k): "Newton did not converge in \(k) iterations"
        case .stalled(let k): "Newton stalled after \(k) iterations"
        case .singularJacobian(let unknown): "the Jacobian is singular (no pivot for unknown \(unknown + 1))"
        case .leftDomain(let v): "Newton left the physical domain: \(v.reason)"
        case .invalidStart(let v): "Newton's starting point is outside the physical domain: \(v.reason)"
        case .nonFinite(let k): "a residual or step was not finite after \(k) Newton iterations"
        case .linearAlgebraFailure(let error): "linear algebra failed: \(error.description)"
        }
    }
}

/// Settings of the damped Newton method. They are part of the solver's interface: the
/// residual's scaling decides what `residualTolerance` means (SXSim's cascade residuals are
/// logarithms of inflow over outflow, so it is a relative balance error).
public struct NewtonOptions: Sendable, Equatable {
    /// Converged when ‖F‖∞ ≤ this, or ≤ the round-off floor below when that is larger.
    public var residualTolerance: Double = 1e-12
    /// Round-off floor of the residual, in units of ε·‖u‖∞ (ε = 2.2e-16, u the unknowns): a
    /// residual that adds a coefficient to an unknown of magnitude |u| and subtracts two such sums
    /// carries an absolute error of a few ε·|u|, which no step can remove. SXSim's unknowns are
    /// logarithms: a 100,000-stage constant-D cascade has trace concentrations near e⁻⁵⁰⁰⁰⁰
    /// (|u| ≈ 5e4, floor ≈ 4e-11), and a 40,000-stage one ended "stalled" at ‖F‖∞ = 1.8e-12
    /// against the fixed 1e-12. Below |u| ≈ 1100 (every double-range concentration) the floor
    /// is under 1e-12 and `residualTolerance` decides alone. 0 turns the floor off.
    public var roundOffFactor: Double = 4
    /// Newton iterations at most.
    public var maximumIterations: Int = 200
    /// Largest change of any unknown in one step (the step is scaled down to it).
    public var maximumStep: Double = 2.0
    /// Smallest line-search fraction tried before the solve is declared stalled.
    public var minimumDamping: Double = 1e-10
    /// When the line search along a clipped step accepts less than this fraction of it, the
    /// uniformly scaled Newton step is tried as well and the better point kept.
    public var clippedDampingFloor: Double = 0.1
    /// Also accept a trial step that passes the natural monotonicity test
    /// (`naturalLevelDecreased`), not only one that lowers ½‖F‖².
    public var naturalMonotonicity = true
    /// A full Newton step that lowered ‖F‖∞ at least this much (new over old) marks the
    /// quadratic regime: the next step first reuses its factorisation (a chord step). 0 turns
    /// chord steps off.
    public var chordContraction: Double = 0.01
    /// A chord step is kept when it lowers ‖F‖∞ at least this much; otherwise the iteration
    /// takes a Newton step with a fresh Jacobian from the same point.
    public var chordAcceptance: Double = 0.1
    /// Extra full Newton steps after convergence, kept while they lower ‖F‖∞
    /// (they drive the residual to round-off at almost no cost).
    public var polishIterations: Int = 2
    /// How each Newton system is factorised: `.band` (`dgbtrf`/`dgbtrs`, the default) or
    /// `.dense` (`dgesv` on the same matrix expanded to dense storage; the baseline that
    /// shows what the band structure buys).
    public var linearSolver: LinearSolverKind = .band

    public init() {}
}

/// The factorisation used for the Newton systems.
public enum LinearSolverKind: String, Sendable, Equatable, CaseIterable {
    case band, dense
}

/// One line of the solver's progress log: iteration, ‖F‖∞ before the step, step length.
public struct NewtonIterationRecord: Sendable, Equatable {
    public var iteration: Int
    public var residualNorm: Double
    /// Fraction of the (possibly scaled) Newton step that was taken.
    public var damping: Double
    /// True for a chord step, which reused the factorisation of an earlier step.
    public var reusedFactorization: Bool

    public init(iteration: Int, residualNorm: Double, damping: Double, reusedFactorization: Bool = false) {
        self.iteration = iteration
        self.residualNorm = residualNorm
        self.damping = damping
        self.reusedFactorization = reusedFactorization
    }
}

/// The outcome of a Newton solve.
public struct NewtonReport: Sendable {
    public var reason: ConvergenceReason
    /// Newton steps computed, polishing steps included (which reuse the last factorisation
    /// when it holds, see `NewtonSolver.solve`).
    public var iterations: Int
    /// ‖F‖∞ at the returned unknowns.
    public var residualNorm: Double
    public var history: [NewtonIterationRecord]
}

/// Damped Newton on a banded system, factorised with LAPACK `dgbtrf`/`dgbtrs`.
///
/// Each step solves J·δ = −F. Components of δ larger than `maximumStep` are clipped one by one
/// (so that a far-off trace unknown cannot shrink everyone else's step), then the step is
/// backtracked (halving, then quadratic interpolation of the merit ½‖F‖₂²) until the Armijo
/// condition or Deuflhard's natural monotonicity test holds. Should the clipped direction fail
/// or need a damping below `clippedDampingFloor`, the uniformly scaled Newton step, a
/// guaranteed descent direction, is tried as well and the better point kept. A residual that throws `DomainViolation` counts as
/// a failed trial and shortens the step. All buffers are allocated once in `init`; the
/// iteration itself allocates only when it appends to the history.
public struct NewtonSolver {
    public var options: NewtonOptions
    /// Called with each record as it is appended to a solve's history (Newton steps and
    /// pseudo-transient steps; not the polishing steps after convergence): progress displays
    /// and traces.
    public var observer: ((NewtonIterationRecord) -> Void)?
    private var jacobian: BandMatrix
    private var lu: BandLUWorkspace
    private var residual: [Double]
    private var trialResidual: [Double]
    private var trial: [Double]
    private var step: [Double]
    private var dense: [Double] = []
    private var densePivots: [Int32] = []
    private var limits: [Double]
    /// The unknowns the last `clipStep` found negligible (`NewtonSystem.negligibleUnknowns`).
    private var negligible: [Bool]
    private var transientWeights: [Double]
    private var keptTrial: [Double]
    private var correction: [Double]

    public init<System: NewtonSystem>(for system: System, options: NewtonOptions = NewtonOptions()) {
        self.options = options
        let n = system.unknownCount
        jacobian = BandMatrix(order: n, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
        lu = BandLUWorkspace(order: n)
        residual = Array(repeating: 0, count: n)
        trialResidual = residual
        trial = residual
        step = residual
        keptTrial = residual
        correction = residual
        limits = Array(repeating: options.maximumStep, count: n)
        negligible = Array(repeating: false, count: n)
        transientWeights = Array(repeating: 1, count: n)
        if options.linearSolver == .dense {
            dense = Array(repeating: 0, count: n * n)
            densePivots = Array(repeating: 0, count: n)
        }
    }

    @inline(__always)
    private static func infinityNorm(_ v: [Double]) -> Double {
        var m = 0.0
        for e in v { let a = abs(e); if !(a <= m) { m = a } }  // NaN propagates
        return m
    }

    @inline(__always)
    private static func merit(_ v: [Double]) -> Double {
        var s = 0.0
        for e in v { s += e * e }
        return 0.5 * s
    }

    /// Factorises J and solves J·δ = −F into `step` with the configured factorisation.
    private mutating func newtonStep() throws(LinearAlgebraError) {
        for i in 0..<residual.count { step[i] = -residual[i] }
        switch options.linearSolver {
        case .band:
            try lu.factorize(&jacobian)
            try lu.solve(jacobian, &step)
        case .dense:
            jacobian.writeDense(into: &dense)
            try DenseSolver.solve(order: jacobian.order, matrix: &dense, rhs: &step, pivots: &densePivots)
        }
    }

    /// Evaluates F and J at `unknowns` (J zeroed first); returns the violation if outside the domain.
    /// `afterResidual`: the system's last evaluation was the residual at `unknowns`
    /// (`NewtonSystem.jacobianAfterResidual`).
    private mutating func evaluate<System: NewtonSystem>(_ system: inout System, at unknowns: [Double],
                                                         afterResidual: Bool = false) -> DomainViolation? {
        jacobian.setZero()
        do {
            if afterResidual {
                try system.jacobianAfterResidual(at: unknowns, residual: &residual, jacobian: &jacobian)
            } else {
                try system.residualAndJacobian(at: unknowns, residual: &residual, jacobian: &jacobian)
            }
            return nil
        } catch {
            return error
        }
    }

    /// Clips each component of `step` to the system's per-unknown limit (or `maximumStep`);
    /// true when any component was clipped.
    @discardableResult
    private mutating func clipStep<System: NewtonSystem>(_ system: System) -> Bool {
        let perUnknown = system.stepLimits(uniform: options.maximumStep, into: &limits)
        if perUnknown {
            system.negligibleUnknowns(limits: limits, uniform: options.maximumStep, into: &negligible)
        } else {
            for k in 0..<negligible.count { negligible[k] = false }
        }
        var clipped = false
        for i in 0..<step.count {
            let limit = perUnknown ? limits[i] : options.maximumStep
            if abs(step[i]) > limit {
                step[i] = step[i] > 0 ? limit : -limit
                clipped = true
            }
        }
        return clipped
    }

    /// ½‖F‖₂² with the equations of negligible trace unknowns (`negligible`, from the last
    /// `clipStep`) weighted by `negligibleUnknownWeight`.
    private func polishMerit(_ v: [Double]) -> Double {
        var s = 0.0
        for k in 0..<v.count {
            let w = negligible[k] ? Self.negligibleUnknownWeight : 1
            s += w * w * v[k] * v[k]
        }
        return 0.5 * s
    }

    /// Solves J·δ = −F again with the factors already computed.
    private mutating func resolveStep() throws(LinearAlgebraError) {
        for i in 0..<residual.count { step[i] = -residual[i] }
        switch options.linearSolver {
        case .band:
            try lu.solve(jacobian, &step)
        case .dense:
            try DenseSolver.solveFactored(order: jacobian.order, factors: dense, rhs: &step, pivots: densePivots)
        }
    }

    /// Deuflhard's restricted monotonicity test for the trial x + λ·Δx (Δx = `scale`·`step`,
    /// λ = `damping`): the simplified Newton correction there, J(x)⁻¹F(x + λΔx) with the
    /// current factors, is at most (1 − λ/4)‖Δx‖₂. Unlike ½‖F‖² it does not depend on how the
    /// equations are scaled, so it accepts full steps along which a badly scaled merit rises
    /// at first (a composition front moving along a long Xu-model scrub).
    private mutating func naturalLevelDecreased(damping: Double, scale: Double) -> Bool {
        guard options.linearSolver == .band else { return false }
        for i in 0..<trialResidual.count { correction[i] = -trialResidual[i] }
        guard (try? lu.solve(jacobian, &correction)) != nil else { return false }
        var corrected = 0.0, full = 0.0
        for i in 0..<correction.count {
            corrected += correction[i] * correction[i]
            full += step[i] * step[i]
        }
        return corrected.isFinite && corrected.squareRoot() <= (1 - damping / 4) * scale * full.squareRoot()
    }

    /// Backtracks along `scale`·`step` from `unknowns`; on success `trial` holds the new point.
    private mutating func lineSearch<System: NewtonSystem>(_ system: inout System, from unknowns: [Double], scale: Double,
                                                          currentMerit: Double, violation: inout DomainViolation?,
                                                          sawAdmissibleTrial: inout Bool) -> Double? {
        var damping = 1.0
        while damping >= options.minimumDamping {
            let factor = damping * scale
            for i in 0..<unknowns.count { trial[i] = unknowns[i] + factor * step[i] }
            do {
                try system.residual(at: trial, into: &trialResidual)
            } catch {
                violation = error
                damping *= 0.5
                continue
            }
            sawAdmissibleTrial = true
            let trialMerit = Self.merit(trialResidual)
            if trialMerit.isFinite && trialMerit <= (1 - 2e-4 * factor) * currentMerit {
                return damping
            }
            if options.naturalMonotonicity && trialMerit.isFinite && naturalLevelDecreased(damping: damping, scale: scale) {
                return damping
            }
            // Quadratic model of the merit along the step; its slope at 0 is −2·scale·merit.
            var next = 0.5 * damping
            if trialMerit.isFinite {
                let q = scale * damping * damping * currentMerit
                    / (trialMerit - currentMerit + 2 * scale * damping * currentMerit)
                if q.isFinite { next = min(0.5 * damping, max(0.1 * damping, q)) }
            }
            damping = next
        }
        return nil
    }

    /// The ‖F‖∞ at which `unknowns` count as converged: `residualTolerance`, or the round-off
    /// floor `roundOffFactor`·ε·‖u‖∞ when that is larger.
    public func convergenceTolerance(_ unknowns: [Double]) -> Double {
        guard options.roundOffFactor > 0 else { return options.residualTolerance }
        let magnitude = unknowns.reduce(0) { max($0, abs($1)) }
        return max(options.residualTolerance, options.roundOffFactor * Double.ulpOfOne * magnitude)
    }

    /// Solves `system` starting from `unknowns`, which on return hold the last accepted iterate.
    ///
    /// The Jacobian is evaluated only where it is factorised: an accepted point's residual
    /// comes from the line search (or one residual evaluation), and the Jacobian follows only
    /// when the point needs another Newton step. Polishing steps after convergence reuse the
    /// last factorisation (a chord step: the point is within a quadratically converged step of
    /// where it was factorised, so J there is exact to that step's size); polishing stops at
    /// the first step that does not halve the merit, as it did with fresh Jacobians (there only
    /// round-off is left, which no step removes; retrying such a step with a fresh Jacobian
    /// cost a Jacobian and a factorisation on the 500 × 6 case and gained nothing). Measured on
    /// the mass-action cascade at 500 stages × 6 elements (`sxbench kernels`): a Jacobian costs
    /// 0.8 ms, a factorisation 0.9 ms with `dgbtrf` (0.46 ms with `BandLUWorkspace`), a
    /// residual 0.25 ms and a solve 0.12 ms, and the final point and two polishing steps took
    /// three Jacobians and two factorisations.
    public mutating func solve<System: NewtonSystem>(_ system: inout System, unknowns: inout [Double]) -> NewtonReport {
        precondition(unknowns.count == system.unknownCount)
        var history: [NewtonIterationRecord] = []
        history.reserveCapacity(32)
        var iterations = 0
        var polishLeft = options.polishIterations
        var convergedOnce = false
        /// True when `jacobian` holds J at `unknowns` (evaluated, not yet factorised).
        var jacobianCurrent = false
        /// True when the factors hold a Jacobian of this solve (at the current or an earlier point).
        var factorsFromThisSolve = false
        /// True when the factors were computed at the current point.
        var factorsCurrent = false
        /// ‖F‖∞ after over before the last accepted full step (∞ after a damped one).
        var lastContraction = Double.infinity

        func finish(_ reason: ConvergenceReason, _ norm: Double) -> NewtonReport {
            NewtonReport(reason: reason, iterations: iterations, residualNorm: norm, history: history)
        }

        do {
            try system.residual(at: unknowns, into: &residual)
        } catch {
            return finish(.invalidStart(error), .infinity)
        }
        var norm = Self.infinityNorm(residual)
        var currentMerit = Self.merit(residual)
        if !norm.isFinite { return finish(.nonFinite(iterations: 0), norm) }

        while true {
            if norm <= convergenceTolerance(unknowns) {
                convergedOnce = true
                if polishLeft == 0 { return finish(.converged, norm) }
            }
            if iterations >= options.maximumIterations {
                return finish(convergedOnce ? .converged : .iterationLimit(iterations: iterations), norm)
            }
            iterations += 1
            // In the quadratic regime a step reuses the last factors first (a chord step), kept
            // when it lowers ‖F‖∞ by `chordAcceptance` (`NewtonOptions.chordContraction`).
            var systemAtUnknowns = true
            if !convergedOnce && factorsFromThisSolve && !factorsCurrent && lastContraction <= options.chordContraction {
                var accepted = false
                if (try? resolveStep()) != nil, Self.infinityNorm(step).isFinite {
                    clipStep(system)
                    for i in 0..<unknowns.count { trial[i] = unknowns[i] + step[i] }
                    systemAtUnknowns = false
                    if (try? system.residual(at: trial, into: &trialResidual)) != nil {
                        let trialNorm = Self.infinityNorm(trialResidual)
                        if trialNorm <= options.chordAcceptance * norm {
                            accepted = true
                            history.append(NewtonIterationRecord(iteration: iterations, residualNorm: norm, damping: 1,
                                                                 reusedFactorization: true))
                            observer?(history[history.count - 1])
                            swap(&unknowns, &trial)
                            swap(&residual, &trialResidual)
                            lastContraction = trialNorm / norm
                        }
                    }
                }
                if accepted {
                    jacobianCurrent = false
                    norm = Self.infinityNorm(residual)
                    currentMerit = Self.merit(residual)
                    if !norm.isFinite { return finish(.nonFinite(iterations: iterations), norm) }
                    continue
                }
                lastContraction = .infinity
            }
            // A polishing step reuses the factors of an earlier point of this solve (a chord step).
            let chord = convergedOnce && factorsFromThisSolve && !factorsCurrent
            do {
                if chord {
                    try resolveStep()
                } else {
                    if !jacobianCurrent {
                        // Every path to here leaves the system last evaluated at `unknowns`: the
                        // residual at the start, the accepted trial of a line search or polishing
                        // step, or the re-evaluation after a kept clipped point.
                        if let violation = evaluate(&system, at: unknowns, afterResidual: systemAtUnknowns) {
                            return finish(iterations == 1 ? .invalidStart(violation) : .leftDomain(violation), norm)
                        }
                        jacobianCurrent = true
                    }
                    try newtonStep()
                    factorsFromThisSolve = true
                    factorsCurrent = true
                }
            } catch {
                if convergedOnce { return finish(.converged, norm) }
                if case .singular(let pivot) = error { return finish(.singularJacobian(unknown: pivot), norm) }
                return finish(.linearAlgebraFailure(error), norm)
            }
            let stepNorm = Self.infinityNorm(step)
            if !stepNorm.isFinite {
                if chord { factorsFromThisSolve = false; continue }   // retry with a fresh Jacobian
                return finish(convergedOnce ? .converged : .nonFinite(iterations: iterations), norm)
            }
            let clipped = clipStep(system)

            if convergedOnce {
                // Polishing: take the full step only if it lowers the residual's 2-norm by at
                // least √2 (merit ×1/2). At round-off the ∞-norm is set by one equation's noise and can miss a
                // small error common to many equations, which the 2-norm sees: a 50-stage
                // mass-action cascade left at ‖F‖∞ = 1.1e-13 closed its element balance only
                // to 4.7e-12, and to 1e-15 after one more step. Asking for merit ×1/2 spares a
                // factorisation where only noise is left; ×1/4 (a halving of the 2-norm) was too
                // strict for Xu's model at 1000 × 15 with reflux, whose trace species near e⁻⁴⁷⁰
                // set ‖F‖∞ = 7e-13 and a step that lowered the merit ×0.37 left the heavy
                // elements' closure at 2.6e-12 (1e-14 after the step).
                for i in 0..<unknowns.count { trial[i] = unknowns[i] + step[i] }
                // The merit discounts the equations of negligible trace unknowns, as `controlNorm`
                // does: at ln x ≈ −700 their residuals are ulp noise (1e-13) that no step lowers,
                // and counted fully they refused a step that took the mass-action Pr|Nd split's
                // element closure from 3.7e-12 to round-off.
                guard (try? system.residual(at: trial, into: &trialResidual)) != nil,
                      polishMerit(trialResidual) < 0.5 * polishMerit(residual) else {
                    return finish(.converged, norm)
                }
                polishLeft -= 1
                swap(&unknowns, &trial)
                swap(&residual, &trialResidual)
            } else {
                var violation: DomainViolation?
                var sawAdmissibleTrial = false
                var damping = lineSearch(&system, from: unknowns, scale: 1, currentMerit: currentMerit,
                                         violation: &violation, sawAdmissibleTrial: &sawAdmissibleTrial)
                /// False when `trialResidual` does not belong to the point kept in `trial`.
                var trialResidualMatches = true
                if clipped && (damping ?? 0) < options.clippedDampingFloor {
                    // The clipped direction is poor (clipping turned it away from the Newton
                    // direction): try the uniformly scaled Newton step, a descent direction,
                    // and keep whichever point has the smaller balance errors.
                    let clippedMerit = damping == nil ? Double.infinity : Self.merit(trialResidual)
                    if damping != nil { swap(&trial, &keptTrial) }
                    do { try resolveStep() } catch { return finish(.linearAlgebraFailure(error), norm) }
                    let uniform = lineSearch(&system, from: unknowns, scale: min(1, options.maximumStep / stepNorm),
                                             currentMerit: currentMerit, violation: &violation,
                                             sawAdmissibleTrial: &sawAdmissibleTrial)
                    if let uniform, Self.merit(trialResidual) < clippedMerit {
                        damping = uniform
                    } else if damping != nil {
                        swap(&trial, &keptTrial)
                        trialResidualMatches = false
                    }
                }
                history.append(NewtonIterationRecord(iteration: iterations, residualNorm: norm, damping: damping ?? 0))
                observer?(history[history.count - 1])
                guard damping != nil else {
                    if !sawAdmissibleTrial, let violation { return finish(.leftDomain(violation), norm) }
                    return finish(.stalled(iterations: iterations), norm)
                }
                swap(&unknowns, &trial)
                if trialResidualMatches {
                    swap(&residual, &trialResidual)
                } else {
                    do { try system.residual(at: unknowns, into: &residual) } catch {
                        return finish(.leftDomain(error), norm)
                    }
                }
            }
            // The system was last evaluated at the accepted point (by the line search, the
            // polishing trial or the line above); its Jacobian follows when another Newton step does.
            jacobianCurrent = false
            let fullStep = history.last.map { $0.iteration == iterations && $0.damping == 1 } ?? false
            let normBefore = norm
            factorsCurrent = false
            norm = Self.infinityNorm(residual)
            lastContraction = fullStep && normBefore > 0 ? norm / normBefore : .infinity
            currentMerit = Self.merit(residual)
            if !norm.isFinite { return finish(.nonFinite(iterations: iterations), norm) }
        }
    }

    /// Weight, in the pseudo-transient controller's norm and the polishing merit, of an
    /// equation whose unknown the system marks negligible (a trace species, see
    /// `NewtonSystem.negligibleUnknowns`).
    static let negligibleUnknownWeight = 1e-3

    /// ‖F‖∞ with the equations of negligible unknowns (per the last `clipStep`) weighted by
    /// `negligibleUnknownWeight`: what the pseudo-transient controller judges progress by.
    /// A species 1e-300 of its stage can be off by orders of magnitude while the ones that
    /// carry the flows are settling; it follows them once they have.
    private func controlNorm(_ v: [Double]) -> Double {
        var m = 0.0
        for k in 0..<v.count {
            let a = abs(v[k]) * (negligible[k] ? Self.negligibleUnknownWeight : 1)
            if !(a <= m) { m = a }
        }
        return m
    }

    /// Pseudo-transient continuation: implicit-Euler steps of the relaxation du/dt = ±F(u)
    /// towards the steady state, (J + σ/Δt)·δ = −F with σ_k = w_k·sign(J_kk) (each equation
    /// relaxes its own diagonal unknown; w_k from `NewtonSystem.pseudoTransientWeights`, 1 by
    /// default, 0 for equations kept algebraic), and Δt grown by switched evolution relaxation
    /// (Δt ← Δt·‖F_old‖/‖F_new‖, at least doubled when the norm fell, ×1.5 when it rose by
    /// less than 10 %, at most halved when it rose more; the norm is `controlNorm`, which
    /// discounts negligible trace species) until the steps are Newton steps. Robust where the
    /// plain Newton direction is only valid very close by (sharp loading fronts in long
    /// cascades). A step that leaves the domain or more than doubles that norm is refused and
    /// Δt cut by 4. An attempt whose norm stays above `divergenceFactor` times its lowest for
    /// more than `divergenceSteps` consecutive steps ends `.stalled` (it is diverging; the
    /// defaults never stop it).
    public mutating func solvePseudoTransient<System: NewtonSystem>(_ system: inout System, unknowns: inout [Double],
                                                                   initialTimeStep: Double = 0.5,
                                                                   maximumSteps: Int = 400,
                                                                   divergenceSteps: Int = .max,
                                                                   divergenceFactor: Double = .infinity) -> NewtonReport {
        var history: [NewtonIterationRecord] = []
        var iterations = 0
        var dt = initialTimeStep
        func finish(_ reason: ConvergenceReason, _ norm: Double) -> NewtonReport {
            NewtonReport(reason: reason, iterations: iterations, residualNorm: norm, history: history)
        }
        if let violation = evaluate(&system, at: unknowns) { return finish(.invalidStart(violation), .infinity) }
        var norm = Self.infinityNorm(residual)
        if !norm.isFinite { return finish(.nonFinite(iterations: 0), norm) }
        var rejections = 0
        var lowest = Double.infinity, stepsAboveLowest = 0
        while iterations < maximumSteps {
            if norm <= convergenceTolerance(unknowns) { return finish(.converged, norm) }
            iterations += 1
            let shift = 1 / dt
            if shift > 0 {
                let weighted = system.pseudoTransientWeights(into: &transientWeights)
                for k in 0..<jacobian.order {
                    let d = jacobian[k, k]
                    let w = weighted ? transientWeights[k] : 1
                    jacobian[k, k] = d + w * (d > 0 ? shift : -shift)
                }
            }
            do {
                try newtonStep()
            } catch {
                if case .singular(let pivot) = error { return finish(.singularJacobian(unknown: pivot), norm) }
                return finish(.linearAlgebraFailure(error), norm)
            }
            clipStep(system)
            let currentControl = controlNorm(residual)
            lowest = min(lowest, currentControl)
            stepsAboveLowest = currentControl > divergenceFactor * lowest ? stepsAboveLowest + 1 : 0
            if stepsAboveLowest > divergenceSteps { return finish(.stalled(iterations: iterations - 1), norm) }
            for i in 0..<unknowns.count { trial[i] = unknowns[i] + step[i] }
            var accepted = false
            var trialNorm = Double.infinity
            var trialControl = Double.infinity
            if (try? system.residual(at: trial, into: &trialResidual)) != nil {
                trialNorm = Self.infinityNorm(trialResidual)
                trialControl = controlNorm(trialResidual)
                accepted = trialNorm.isFinite && trialControl <= 2 * currentControl
            }
            history.append(NewtonIterationRecord(iteration: iterations, residualNorm: norm, damping: accepted ? 1 : 0))
            observer?(history[history.count - 1])
            if accepted {
                swap(&unknowns, &trial)
                // Switched evolution relaxation, but at least doubling Δt whenever the norm fell
                // and still growing it (×1.5) while it rose by less than 10 %: a slow transient
                // whose residual barely changes (a loading front moving along hundreds of
                // stages, a Pr|Nd cut settling) must still reach Newton-sized steps; with the
                // plain rule Δt sat at 0.1 for 700 steps on a mass-action Pr|Nd cascade.
                let ratio = currentControl / trialControl
                let growth = ratio >= 1 ? min(10, max(2, ratio)) : (ratio >= 0.9 ? 1.5 : max(0.5, ratio))
                dt = min(dt * growth, 1e12)
                rejections = 0
            } else {
                dt *= 0.25
                rejections += 1
                if rejections > 30 { return finish(.stalled(iterations: iterations), norm) }
            }
            if let violation = evaluate(&system, at: unknowns) { return finish(.leftDomain(violation), norm) }
            norm = Self.infinityNorm(residual)
        }
        return finish(norm <= convergenceTolerance(unknowns) ? .converged : .iterationLimit(iterations: iterations), norm)
    }
}
