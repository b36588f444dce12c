import Foundation

/// Settings of the variable-step BDF integrator. Part of its interface, like `NewtonOptions`.
public struct BDFOptions: Sendable, Equatable {
    /// Relative tolerance of the local error of each inventory.
    public var relativeTolerance = 1e-4
    /// Absolute tolerance, in the state's concentration unit (mol/L for a cascade); multiplied
    /// by each row's `InventorySystem.inventoryScale`.
    public var absoluteTolerance = 1e-8
    /// Highest BDF order used (1 to 5).
    public var maximumOrder = 2
    /// Off: each step takes the highest order its past points allow, up to `maximumOrder`
    /// (order 1 after a start or an event, then `maximumOrder`). On: after `order + 1` steps
    /// at one order, the next order is chosen among order − 1, order and order + 1 as the one
    /// whose local error estimate allows the longest next step (CVODE's and DASSL's rule).
    public var variableOrder = false
    /// An order change must promise a step longer by this factor, raised to 1/(q + 1), before
    /// it is taken: the estimates of the neighbouring orders are the noisier ones.
    public var orderChangeBias = 2.0
    /// The Newton iteration's convergence test on each step. nil: every row of the step
    /// equations closed to `newton.residualTolerance`. A fraction ε: each row's residual at
    /// most what moves its inventory by ε × its local error tolerance
    /// (ε·(absoluteTolerance·scale + relativeTolerance·N), `InventorySystem.residualTolerances`;
    /// CVODE's test, with ε = 0.1 there), clipped to [`newton.residualTolerance`,
    /// `newtonResidualCeiling`]; the accepted inventories are then the system's conserving
    /// quadrature (`InventorySystem.steppedLogInventory`), so that what is conserved stays
    /// conserved to round-off. The damped Newton method, when it is needed, keeps the tight test.
    public var newtonErrorFraction: Double? = nil
    /// Largest residual of any row the error-weighted test accepts (the step equations'
    /// residual is relative: 1e-6 of the row's balance). Without it a species below the
    /// absolute tolerance is hardly solved: its logarithm can be carried off by the predictor,
    /// and a stage drained below atol, whose step equations have no solution, was accepted at
    /// a residual of 1e-3 step after step (measured with a ceiling of 1e-3 and 1e-4: the
    /// feed-filled start of prnd-split crept on in steps of about 1e-5 h instead of failing at
    /// 0.42 h, docs/dynamic.md §4).
    public var newtonResidualCeiling = 1e-6
    /// When the chord iteration fails, solve the step by the damped Newton method (from the
    /// predictor, then from the current state) before giving the step up. Off (CVODE's way),
    /// the chord is retried once with a fresh Jacobian at the predictor (as with
    /// `chordFreshAttempt`) and a second failure fails a step of order ≥ 2 at once: it is
    /// retried at order 1 (with `variableOrder`) or shorter, which costs one Jacobian instead
    /// of up to 20. A step of order 1 still gets the damped method, the last resort before a
    /// shorter step, unless `firstOrderDampedFallback` is off. Ignored without `reuseJacobian`.
    public var dampedNewtonFallback = true
    /// With `dampedNewtonFallback` off: whether every step of order 1 still gets the damped
    /// Newton method after the chord iteration fails (on), or only a first step after the
    /// start or an event (off), which has no past point to extrapolate from and whose
    /// equations may lie far from the state it starts at (a solvent-filled train's first step
    /// needs it); the others are shortened at once. Off, a step whose equations have no
    /// solution is not solved to the residual ceiling by the damped method at ever shorter
    /// steps (the feed-filled start of prnd-split: 7,259 steps and 6,386 Jacobians to its
    /// failure at 0.425 h with it, 4,113 and 737 without it at any step, docs/dynamic.md §7).
    public var firstOrderDampedFallback = true
    /// Safety factor on the step the error estimate allows (h·safety·err^(−1/(q+1))).
    public var stepSafety = 0.9
    /// Smallest factor by which one rejection shrinks the step.
    public var minimumShrink = 0.2
    /// Factor by which a Newton failure shrinks the step.
    public var newtonFailureShrink = 0.25
    /// First step, in the system's time unit.
    public var initialStep = 1e-6
    /// Largest step.
    public var maximumStep = Double.infinity
    /// Smallest step before the integration is declared failed.
    public var minimumStep = 1e-12
    /// Largest growth of the step from one step to the next. Variable-step BDF2 is
    /// zero-stable for ratios below 1 + √2; 2 keeps a margin.
    public var maximumGrowth = 2.0
    /// The Newton iteration of each step (its residual is the step equation's relative error).
    public var newton: NewtonOptions = {
        var o = NewtonOptions()
        o.residualTolerance = 1e-12
        o.maximumIterations = 10
        o.polishIterations = 0
        return o
    }()
    /// Solve each step first by the chord iteration (`ChordNewton`), keeping one factorised
    /// Jacobian across iterations and steps while it converges fast enough; the damped Newton
    /// method (`newton`) only when the chord fails even with a fresh Jacobian. Off: damped
    /// Newton with a new Jacobian at every iteration, as before.
    public var reuseJacobian = true
    /// Chord iterations per attempt before the Jacobian is refreshed.
    public var chordMaximumIterations = 8
    /// When the kept Jacobian fails, try the chord once more with a Jacobian at the predictor
    /// before the damped method; off, the damped method solves the step and the Jacobian at its
    /// solution is kept for the next steps.
    public var chordFreshAttempt = false
    /// Refactorise the kept Jacobian before a step's chord iteration when the step's h/a₀
    /// differs from the one it was formed at by more than this fraction (CVODE's test on
    /// γ = h·β₀, 0.3 there): the step equations' matrix weighs the inventories by a₀ against
    /// the fluxes by h, so a kept matrix of another h/a₀ converges slowly or not at all, and
    /// the failed attempt costs iterations before the refresh it ends in. nil: the matrix is
    /// kept until the chord iteration fails with it.
    public var jacobianStepChange: Double? = nil
    /// Largest ratio of successive residual norms the chord iteration accepts before the
    /// Jacobian is refreshed (linear convergence slower than this costs more than a new matrix).
    public var chordMaximumRate = 0.3
    /// Largest change of any unknown from the current state to the predictor (the
    /// extrapolation that starts each step's iteration), in the unknowns' units (ln mol/L for
    /// a cascade: e² at most).
    public var predictorLimit = 2.0
    /// After a step of size h whose Newton iteration failed, the next steps are at most
    /// this × h, a bound that grows by `ceilingGrowth` per accepted step: without it the
    /// controller, whose error estimate does not see the Newton iteration's difficulty,
    /// doubles back into the failing size.
    public var failedStepCeiling = 0.5
    /// Growth of that bound per accepted step (1.02: it doubles in 35 steps).
    public var ceilingGrowth = 1.02

    public init() {}
}

/// Why an attempt to advance stopped.
public enum IntegrationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The step fell below `minimumStep`; `newton` is the last Newton reason when Newton failed.
    case stepTooSmall(time: Double, step: Double, newton: ConvergenceReason?)
    /// The state at the start is outside the domain.
    case invalidState(DomainViolation)

    public var description: String {
        switch self {
        case .stepTooSmall(let t, let h, let reason):
            let why = reason.map { " (\($0))" } ?? " (the error estimate stayed above the tolerance)"
            return "the time step fell to \(h) at t = \(t)\(why)"
        case .invalidState(let v): return "the state is outside the physical domain: \(v.reason)"
        }
    }
}

/// Counters of an integration.
public struct BDFStatistics: Sendable, Equatable {
    public var acceptedSteps = 0
    public var rejectedSteps = 0
    /// Newton iterations (each one Jacobian evaluation and band LU factorisation).
    public var newtonIterations = 0
    /// Jacobian evaluations and band LU factorisations (chord refreshes and damped Newton
    /// iterations); with `BDFOptions.reuseJacobian` off, equal to `newtonIterations`.
    public var jacobianEvaluations = 0
    public var newtonFailures = 0
    /// Accepted steps at each order (index order − 1).
    public var stepsPerOrder: [Int] = []
    /// The highest order of an accepted step.
    public var highestOrder: Int { stepsPerOrder.lastIndex { $0 > 0 }.map { $0 + 1 } ?? 0 }
    public init() {}
}

/// Variable-step BDF of order 1 to `maximumOrder` (≤ 5) on an `InventorySystem` (the
/// inventories, not the unknowns, obey the multistep formula, so the unknowns may be logarithms
/// and elements are conserved).
///
/// Step n → n+1 of size h at order q: a₀·N_{n+1} + Σ_{m=1..q} a_m·N_{n+1−m} = h·f_{n+1}, with
/// a_m = h·ℓ′_m(t_{n+1}) over the Lagrange basis of t_{n+1} … t_{n+1−q} (`coefficients`); with
/// ω = h/h_{n−1}:
/// - order 1 (implicit Euler): N_{n+1} − N_n = h·f_{n+1};
/// - order 2: (1+2ω)/(1+ω)·N_{n+1} − (1+ω)·N_n + ω²/(1+ω)·N_{n−1} = h·f_{n+1}.
///
/// Each step solves the system's step equations from a polynomial extrapolation of the
/// unknowns (each moved by at most `predictorLimit`): first by the chord iteration with the
/// Jacobian kept from earlier steps (`ChordNewton`, `reuseJacobian`), to every row's
/// `newton.residualTolerance` or to the error-weighted test (`newtonErrorFraction`), else by a
/// damped Newton solve (`NewtonSolver`, band LU; see `dampedNewtonFallback`). The local error
/// is estimated from the difference between the corrected inventories and their extrapolation
/// through the q + 1 past points (Milne's device, `errorFactor`): for order q that difference
/// times (h/a₀)/(t_{n+1} − t_{n−q} + h/a₀), h/(2h + h₁) for q = 1, so that it tracks
/// C·h^(q+1)·N^(q+1) for variable steps. Weighted by absoluteTolerance·scale +
/// relativeTolerance·|N| and taken as the largest over the rows, it accepts the step at ≤ 1 and
/// scales the next step by 0.9·err^(−1/(q+1)), between 0.2 and `maximumGrowth`; with
/// `variableOrder` the neighbouring orders' estimates choose the next order. A Newton failure
/// retries the step at order 1 (`variableOrder`), then cuts it by 4. Right after the start or
/// `restart` there is no past point: the first step is judged against the constant
/// extrapolation with factor ½ (conservative), the second is of order 1.
public struct BDFIntegrator<System: InventorySystem> {
    /// The system; after `init` and after every accepted step it was last evaluated
    /// (`logInventory` or `steppedLogInventory`) at `unknowns`, so a caller may read the
    /// state there from it without evaluating it again.
    public private(set) var system: System
    public var options: BDFOptions
    /// Current time and state.
    public private(set) var time: Double
    public private(set) var unknowns: [Double]
    /// ln N at the current state.
    public private(set) var logInventory: [Double]
    public private(set) var statistics = BDFStatistics()
    /// The coefficients of the last accepted step (for quantities that must follow the same
    /// quadrature, e.g. cumulative boundary fluxes).
    public private(set) var lastStep: ImplicitStep?
    /// The step the controller proposes next.
    public private(set) var proposedStep: Double
    /// Upper bound on the next steps after a step whose Newton iteration failed (see
    /// `BDFOptions.failedStepCeiling`); ∞ otherwise.
    private var newtonCeiling = Double.infinity
    /// h/a₀ of the step at which the chord's Jacobian was factorised (`jacobianStepChange`).
    private var factorisedGamma = Double.nan
    /// Iterations of the last chord attempt (for the failure message).
    private var lastChordIterations = 0

    /// N = exp(ln N) of the rows the error control weighs (`inventoryScale` > 0; 0 elsewhere)
    /// at the current state: each inventory's exponential taken once when its point is
    /// accepted, not again in every later step's error estimate.
    private var inventory: [Double]
    private var trialLinearInventory: [Double]
    /// Past accepted points, most recent first (at most max(2, `maximumOrder`)).
    private var past: [(time: Double, unknowns: [Double], logInventory: [Double], inventory: [Double])] = []
    /// The order of the next step (with `variableOrder`) and the steps taken at it.
    public private(set) var order = 1
    private var stepsAtOrder = 0
    /// Error-control rejections in a row (with `variableOrder`, two drop the order by one).
    private var rejectionsInRow = 0
    /// Inventory tolerances of the error-weighted Newton test at the current state.
    private var inventoryTolerance: [Double]
    private var solver: NewtonSolver
    private var chord: ChordNewton
    /// The damped Newton method's last outcome (for the failure message).
    private var lastNewtonReason: ConvergenceReason?
    private var trial: [Double]
    private var trialInventory: [Double]
    private let scale: [Double]

    public init(system: System, unknowns: [Double], time: Double = 0, options: BDFOptions = BDFOptions()) throws(IntegrationFailure) {
        precondition(unknowns.count == system.unknownCount)
        precondition((1...5).contains(options.maximumOrder), "BDF is zero-stable up to order 6 only; 5 is the highest offered")
        self.system = system
        self.options = options
        self.time = time
        self.unknowns = unknowns
        scale = system.inventoryScale
        precondition(system.inventoryCount >= unknowns.count && scale.count == system.inventoryCount)
        logInventory = Array(repeating: 0, count: system.inventoryCount)
        trial = unknowns
        trialInventory = logInventory
        inventory = Array(repeating: 0, count: system.inventoryCount)
        trialLinearInventory = inventory
        // One per inventory: a system may number its inventories apart from its unknown rows
        // (a train's cascades each keep their passive rows after their own unknowns).
        inventoryTolerance = Array(repeating: 0, count: system.inventoryCount)
        solver = NewtonSolver(for: system, options: options.newton)
        chord = Self.makeChord(for: system, options: options)
        proposedStep = options.initialStep
        do { try self.system.logInventory(at: unknowns, into: &logInventory) } catch { throw .invalidState(error) }
        setLinearInventory()
    }

    /// `inventory` from `logInventory`.
    private mutating func setLinearInventory() {
        for i in 0..<logInventory.count { inventory[i] = scale[i] > 0 ? exp(logInventory[i]) : 0 }
    }

    /// Replaces the system at the current time (an event: a new flow, feed or parameter) and
    /// restarts at order 1 from the current inventories, which carry over unchanged: what the
    /// cascade holds is continuous across the event, the algebraic unknowns jump.
    public mutating func restart(with newSystem: System, initialStep: Double? = nil) {
        precondition(newSystem.unknownCount == system.unknownCount)
        system = newSystem
        past = []
        lastStep = nil
        solver = NewtonSolver(for: system, options: options.newton)
        chord.invalidate()
        proposedStep = initialStep ?? options.initialStep
        newtonCeiling = .infinity
        order = 1
        stepsAtOrder = 0
    }

    private static func makeChord(for system: System, options: BDFOptions) -> ChordNewton {
        ChordNewton(for: system, residualTolerance: options.newton.residualTolerance,
                    maximumIterations: options.chordMaximumIterations, maximumRate: options.chordMaximumRate,
                    maximumStep: options.newton.maximumStep)
    }

    /// Solves the current step's equations from `trial` (the predictor), into `trial`: the chord
    /// iteration with the kept Jacobian, then (with `chordFreshAttempt`) with a fresh one at the
    /// predictor; true on success. On failure `trial` is the predictor again.
    private mutating func chordSolve(gamma: Double) -> Bool {
        guard options.reuseJacobian else { return false }
        let start = trial
        var test: ((System, inout [Double]) -> Void)?
        if let fraction = options.newtonErrorFraction {
            let tolerance = inventoryTolerance, rtol = fraction * options.relativeTolerance
            let floor = options.newton.residualTolerance, ceiling = options.newtonResidualCeiling
            test = { system, out in
                system.residualTolerances(inventoryTolerances: tolerance, relativeTolerance: rtol, floor: floor, ceiling: ceiling, into: &out)
            }
        }
        let stale = options.jacobianStepChange.map { abs(gamma / factorisedGamma - 1) > $0 } ?? false
        if chord.isFactorised && !stale {
            let (converged, iterations) = chord.solve(&system, unknowns: &trial, rowTolerances: test)
            lastChordIterations = iterations
            statistics.newtonIterations += iterations
            if converged { return true }
            for i in 0..<trial.count { trial[i] = start[i] }
        }
        guard options.chordFreshAttempt || !options.dampedNewtonFallback else { return false }
        statistics.jacobianEvaluations += 1
        factorisedGamma = gamma
        lastChordIterations = 0
        guard chord.factorise(&system, at: trial) else { return false }
        let (converged, iterations) = chord.solve(&system, unknowns: &trial, rowTolerances: test)
        lastChordIterations = iterations
        statistics.newtonIterations += iterations
        if !converged { for i in 0..<trial.count { trial[i] = start[i] } }
        return converged
    }

    /// Lagrange extrapolation to `t` through the points (times[k], values[k]).
    @inline(__always)
    static func extrapolationWeights(to t: Double, times: [Double]) -> [Double] {
        var w = [Double](repeating: 1, count: times.count)
        for k in 0..<times.count {
            for m in 0..<times.count where m != k { w[k] *= (t - times[m]) / (times[k] - times[m]) }
        }
        return w
    }

    /// The step coefficients a₀ and a_m (history most recent first) of BDF of order `order`
    /// over a step `h` from `times[0]` = t_n, through the past points `times[1...]` = t_{n−1},
    /// …: a_m = h·ℓ'_m(t_{n+1}), ℓ_m the Lagrange basis over t_{n+1}, t_n, …, t_{n+1−order}
    /// (BDF as the derivative of the polynomial through the new and the past points: Hairer
    /// and Wanner, Solving ODEs II, §III.5). Orders 1 and 2 in the closed forms of the type's
    /// documentation.
    static func coefficients(order: Int, step h: Double, times: [Double]) -> (a0: Double, history: [Double]) {
        if order == 1 { return (1, [-1]) }
        if order == 2 {
            let omega = h / (times[0] - times[1])
            return ((1 + 2 * omega) / (1 + omega), [-(1 + omega), omega * omega / (1 + omega)])
        }
        let nodes = [times[0] + h] + times.prefix(order)
        var a0 = 0.0
        for i in 1...order { a0 += h / (nodes[0] - nodes[i]) }
        var history = [Double]()
        for m in 1...order {
            var numerator = 1.0, denominator = 1.0
            for i in 0...order where i != m {
                if i != 0 { numerator *= nodes[0] - nodes[i] }
                denominator *= nodes[m] - nodes[i]
            }
            history.append(h * numerator / denominator)
        }
        return (a0, history)
    }

    /// The factor that turns (corrected − predicted) into the local error of order `q`
    /// (Milne's device), the predictor through the q + 1 points `times[0...q]` = t_n … t_{n−q}:
    /// (h/a₀)/(t_{n+1} − t_{n−q} + h/a₀). For a solution whose (q+1)-th derivative is constant
    /// it is exact: the corrector's error is (h/a₀)·Π_{m=1..q}(t_{n+1} − t_{n+1−m})·y^{(q+1)}/(q+1)!
    /// and the predictor's the same product times (t_{n+1} − t_{n−q}).
    static func errorFactor(order q: Int, step h: Double, times: [Double]) -> Double {
        if q == 1 { return h / (2 * h + (times[0] - times[1])) }
        let (a0, _) = coefficients(order: q, step: h, times: times)
        let span = h + (times[0] - times[q])
        return (h / a0) / (span + h / a0)
    }

    /// Takes one accepted step, no further than `limit`; on failure the state is unchanged.
    public mutating func advance(notBeyond limit: Double) -> IntegrationFailure? {
        precondition(limit > time)
        let rtol = options.relativeTolerance, atol = options.absoluteTolerance
        if let fraction = options.newtonErrorFraction {
            for k in 0..<inventoryTolerance.count {
                inventoryTolerance[k] = fraction * (atol * scale[k] + rtol * inventory[k])
            }
        }
        var retriedAtFirstOrder = false
        while true {
            var h = min(proposedStep, options.maximumStep, newtonCeiling)
            var clipped = false
            if time + h >= limit || time + 1.01 * h >= limit { h = limit - time; clipped = true }
            // Order q needs q − 1 past points for its formula.
            let order = min(options.variableOrder ? self.order : options.maximumOrder, past.count + 1)
            let (a0, history) = Self.coefficients(order: order, step: h, times: [time] + past.map(\.time))
            var terms = [(coefficient: Double, logInventory: [Double])]()
            for (m, a) in history.enumerated() { terms.append((a, m == 0 ? logInventory : past[m - 1].logInventory)) }
            let step = ImplicitStep(timeStep: h, newCoefficient: a0, history: terms)
            // Predictor through the current and past points (at most order + 1 of them).
            let used = min(past.count, order)
            var times = [time]
            for k in 0..<used { times.append(past[k].time) }
            let w = Self.extrapolationWeights(to: time + h, times: times)
            for i in 0..<unknowns.count {
                var v = w[0] * unknowns[i]
                for k in 0..<used { v += w[k + 1] * past[k].unknowns[i] }
                // Clipped like a Newton step: extrapolating a trace species' steep rise in log
                // space through a growing step overshoots by many orders of magnitude.
                let limit = options.predictorLimit
                trial[i] = v.isFinite ? min(max(v, unknowns[i] - limit), unknowns[i] + limit) : unknowns[i]
            }
            system.setImplicitStep(step)
            lastNewtonReason = nil
            var loose = false
            var accepted = chordSolve(gamma: h / a0)
            if accepted { loose = options.newtonErrorFraction != nil }
            let damped = options.dampedNewtonFallback || !options.reuseJacobian
                || (order == 1 && (options.firstOrderDampedFallback || used == 0))
            if !accepted && !damped && options.reuseJacobian {
                // The chord's failure is the step's: say so if it ends the integration.
                lastNewtonReason = .stalled(iterations: lastChordIterations)
            }
            if !accepted && damped {
                var report = solver.solve(&system, unknowns: &trial)
                if !report.reason.isConverged && used > 0 {
                    // The extrapolation may leave the domain or mislead Newton: retry from the current state.
                    statistics.newtonIterations += report.iterations
                    statistics.jacobianEvaluations += report.iterations + 1
                    for i in 0..<unknowns.count { trial[i] = unknowns[i] }
                    report = solver.solve(&system, unknowns: &trial)
                }
                statistics.newtonIterations += report.iterations
                statistics.jacobianEvaluations += report.iterations + 1
                accepted = report.reason.isConverged
                lastNewtonReason = report.reason
                // The damped method's last Jacobian is closer than the kept one: without a
                // fresh chord attempt, the next steps' chord starts from the Jacobian at this
                // step's solution.
                chord.invalidate()
                if accepted && options.reuseJacobian && !options.chordFreshAttempt {
                    statistics.jacobianEvaluations += 1
                    factorisedGamma = h / a0
                    _ = chord.factorise(&system, at: trial)
                }
            }
            if accepted {
                do {
                    if loose { try system.steppedLogInventory(at: trial, into: &trialInventory) }
                    else { try system.logInventory(at: trial, into: &trialInventory) }
                } catch { accepted = false }
            }
            if !accepted {
                statistics.newtonFailures += 1
                statistics.rejectedSteps += 1
                if options.variableOrder && order > 1 && !retriedAtFirstOrder {
                    // A formula of order ≥ 2 puts some past inventories on the outflow side
                    // (a_m > 0); a species falling steeply then has no positive solution at
                    // this step, however many iterations are spent. Implicit Euler always has
                    // one: retry the same step at order 1 before shortening it.
                    retriedAtFirstOrder = true
                    self.order = 1
                    stepsAtOrder = 0
                    continue
                }
                proposedStep = h * options.newtonFailureShrink
                newtonCeiling = h * options.failedStepCeiling
                if proposedStep < options.minimumStep {
                    system.setImplicitStep(nil)
                    return .stepTooSmall(time: time, step: proposedStep, newton: lastNewtonReason)
                }
                continue
            }
            // Local error estimate against the extrapolated inventories; with `variableOrder`,
            // also those of the neighbouring orders (each against its own extrapolation).
            let pastTimes = [time] + past.map(\.time)
            let factor = used < order ? 0.5 : Self.errorFactor(order: order, step: h, times: pastTimes)   // no past point: constant extrapolation, judged conservatively
            let considerOrders = options.variableOrder && used == order && stepsAtOrder >= order
            let lower = considerOrders && order > 1 ? order - 1 : 0
            let higher = considerOrders && order < options.maximumOrder && past.count > order ? order + 1 : 0
            let lowerWeights = lower > 0 ? Self.extrapolationWeights(to: time + h, times: Array(times.prefix(lower + 1))) : []
            var higherWeights = [Double]()
            if higher > 0 {
                var t = times
                t.append(past[order].time)
                higherWeights = Self.extrapolationWeights(to: time + h, times: t)
            }
            var error = 0.0, lowerError = 0.0, higherError = 0.0
            let pastUsed = higher > 0 ? order + 1 : used
            var values = [Double](repeating: 0, count: pastUsed + 1)   // N at t_n, t_{n−1}, …
            for i in 0..<logInventory.count where scale[i] > 0 {
                let corrected = exp(trialInventory[i])
                trialLinearInventory[i] = corrected
                let tolerance = atol * scale[i] + rtol * corrected
                values[0] = inventory[i]
                for k in 0..<pastUsed { values[k + 1] = past[k].inventory[i] }
                var predicted = w[0] * values[0]
                for k in 0..<used { predicted += w[k + 1] * values[k + 1] }
                let e = factor * abs(corrected - predicted) / tolerance
                if !(e <= error) { error = e }
                if lower > 0 {
                    var p = 0.0
                    for k in 0...lower { p += lowerWeights[k] * values[k] }
                    let e = abs(corrected - p) / tolerance
                    if !(e <= lowerError) { lowerError = e }
                }
                if higher > 0 {
                    var p = 0.0
                    for k in 0...higher { p += higherWeights[k] * values[k] }
                    let e = abs(corrected - p) / tolerance
                    if !(e <= higherError) { higherError = e }
                }
            }
            let exponent = 1 / Double(order + 1)
            if !(error <= 1) {
                statistics.rejectedSteps += 1
                rejectionsInRow += 1
                proposedStep = h * max(options.minimumShrink, options.stepSafety * pow(error.isFinite ? error : 1e10, -exponent))
                if options.variableOrder && rejectionsInRow >= 2 && self.order > 1 { self.order -= 1; stepsAtOrder = 0 }
                if proposedStep < options.minimumStep {
                    system.setImplicitStep(nil)
                    return .stepTooSmall(time: time, step: proposedStep, newton: nil)
                }
                continue
            }
            rejectionsInRow = 0
            // The next order (with `variableOrder`) and the growth of the step.
            var growth = error > 0 ? options.stepSafety * pow(error, -exponent) : .infinity
            var nextOrder = order
            if lower > 0 {
                let e = Self.errorFactor(order: lower, step: h, times: pastTimes) * lowerError
                let g = e > 0 ? options.stepSafety * pow(options.orderChangeBias * e, -1 / Double(lower + 1)) : .infinity
                if g > growth { growth = g; nextOrder = lower }
            }
            if higher > 0 {
                let e = Self.errorFactor(order: higher, step: h, times: pastTimes) * higherError
                let g = e > 0 ? options.stepSafety * pow(options.orderChangeBias * e, -1 / Double(higher + 1)) : .infinity
                if g > growth { growth = g; nextOrder = higher }
            }
            growth = min(options.maximumGrowth, max(options.minimumShrink, growth))
            if options.variableOrder {
                if nextOrder != self.order || used < order { stepsAtOrder = 0 } else { stepsAtOrder += 1 }
                self.order = max(1, min(nextOrder, options.maximumOrder))
            }
            // Accept.
            past.insert((time, unknowns, logInventory, inventory), at: 0)
            if past.count > max(2, options.maximumOrder) { past.removeLast() }
            swap(&unknowns, &trial)
            swap(&logInventory, &trialInventory)
            swap(&inventory, &trialLinearInventory)
            time = clipped ? limit : time + h
            lastStep = step
            statistics.acceptedSteps += 1
            if statistics.stepsPerOrder.count < order { statistics.stepsPerOrder += Array(repeating: 0, count: order - statistics.stepsPerOrder.count) }
            statistics.stepsPerOrder[order - 1] += 1
            // A step shortened to land on `limit` does not shrink the controller's proposal.
            proposedStep = clipped ? max(proposedStep, h * growth) : h * growth
            newtonCeiling *= options.ceilingGrowth
            system.setImplicitStep(nil)
            return nil
        }
    }

    /// Sets the unknowns to `newUnknowns` without a step (e.g. after a consistent
    /// re-initialisation); the history is dropped.
    public mutating func reset(unknowns newUnknowns: [Double]) throws(IntegrationFailure) {
        var inv = logInventory
        do { try system.logInventory(at: newUnknowns, into: &inv) } catch { throw .invalidState(error) }
        unknowns = newUnknowns
        logInventory = inv
        setLinearInventory()
        past = []
        lastStep = nil
        chord.invalidate()
        newtonCeiling = .infinity
        order = 1
        stepsAtOrder = 0
    }
}


