import Foundation

/// Settings of the variable-step BDF integrator. Part of its interface, like `NewtonOptions`.
public struct BDFOptions: Sendable, Equatable {
    /// Relative tolerance of the local error of each inventory.
    public var relativeTolerance = 1e-4
    /// Absolute tolerance, in the state's concentration unit (mol/L for a cascade); multiplied
    /// by each row's `InventorySystem.inventoryScale`.
    public var absoluteTolerance = 1e-8
    /// Highest BDF order used (1 or 2).
    public var maximumOrder = 2
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
            let why = reason.map { " (the last Newton iteration: \($0))" } ?? " (the error estimate stayed above the tolerance)"
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
    public init() {}
}

/// Variable-step BDF of order 1–2 on an `InventorySystem` (the inventories, not the unknowns,
/// obey the multistep formula, so the unknowns may be logarithms and elements are conserved).
///
/// Step n → n+1 of size h, with ω = h/h_{n−1}:
/// - order 1 (implicit Euler): N_{n+1} − N_n = h·f_{n+1};
/// - order 2: (1+2ω)/(1+ω)·N_{n+1} − (1+ω)·N_n + ω²/(1+ω)·N_{n−1} = h·f_{n+1}.
///
/// Each step solves the system's step equations from a polynomial extrapolation of the
/// unknowns (each moved by at most `predictorLimit`): first by the chord iteration with the
/// Jacobian kept from earlier steps (`ChordNewton`, `reuseJacobian`), else by a damped Newton
/// solve (`NewtonSolver`, band LU), whose solution's Jacobian is then kept. The local error is estimated from
/// the difference between the corrected inventories and their extrapolation through the past
/// points (Milne's device): for order q the truncation error is that difference times
/// h/(2h + h₁) (q = 1) or (h/a₀)/(h + h₁ + h₂ + h/a₀) (q = 2), h₁, h₂ the previous steps, so
/// that it tracks C·h^(q+1)·N^(q+1) for variable steps. Weighted by absoluteTolerance·scale +
/// relativeTolerance·|N| and taken as the largest over the rows, it accepts the step at ≤ 1 and
/// scales the next step by 0.9·err^(−1/(q+1)), between 0.2 and `maximumGrowth`. A Newton
/// failure cuts the step by 4. Right after the start or `restart` there is no past point: the
/// first step is judged against the constant extrapolation with factor ½ (conservative), the
/// second is of order 1.
public struct BDFIntegrator<System: InventorySystem> {
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

    /// Past accepted points, most recent first (at most 2).
    private var past: [(time: Double, unknowns: [Double], logInventory: [Double])] = []
    private var solver: NewtonSolver
    private var chord: ChordNewton
    /// The damped Newton method's last outcome (for the failure message).
    private var lastNewtonReason: ConvergenceReason?
    private var trial: [Double]
    private var trialInventory: [Double]
    private let scale: [Double]

    public init(system: System, unknowns: [Double], time: Double = 0, options: BDFOptions = BDFOptions()) throws(IntegrationFailure) {
        precondition(unknowns.count == system.unknownCount)
        precondition(options.maximumOrder == 1 || options.maximumOrder == 2)
        self.system = system
        self.options = options
        self.time = time
        self.unknowns = unknowns
        scale = system.inventoryScale
        precondition(system.inventoryCount >= unknowns.count && scale.count == system.inventoryCount)
        logInventory = Array(repeating: 0, count: system.inventoryCount)
        trial = unknowns
        trialInventory = logInventory
        solver = NewtonSolver(for: system, options: options.newton)
        chord = Self.makeChord(for: system, options: options)
        proposedStep = options.initialStep
        do { try self.system.logInventory(at: unknowns, into: &logInventory) } catch { throw .invalidState(error) }
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
    }

    private static func makeChord(for system: System, options: BDFOptions) -> ChordNewton {
        ChordNewton(for: system, residualTolerance: options.newton.residualTolerance,
                    maximumIterations: options.chordMaximumIterations, maximumRate: options.chordMaximumRate,
                    maximumStep: options.newton.maximumStep)
    }

    /// Solves the current step's equations from `trial` (the predictor), into `trial`: the chord
    /// iteration with the kept Jacobian, then (with `chordFreshAttempt`) with a fresh one at the
    /// predictor; true on success. On failure `trial` is the predictor again.
    private mutating func chordSolve() -> Bool {
        guard options.reuseJacobian else { return false }
        let start = trial
        if chord.isFactorised {
            let (converged, iterations) = chord.solve(&system, unknowns: &trial)
            statistics.newtonIterations += iterations
            if converged { return true }
            for i in 0..<trial.count { trial[i] = start[i] }
        }
        guard options.chordFreshAttempt else { return false }
        statistics.jacobianEvaluations += 1
        guard chord.factorise(&system, at: trial) else { return false }
        let (converged, iterations) = chord.solve(&system, unknowns: &trial)
        statistics.newtonIterations += iterations
        if !converged { for i in 0..<trial.count { trial[i] = start[i] } }
        return converged
    }

    /// Lagrange extrapolation to `t` through the points (times[k], values[k]).
    @inline(__always)
    private static func extrapolationWeights(to t: Double, times: [Double]) -> [Double] {
        var w = [Double](repeating: 1, count: times.count)
        for k in 0..<times.count {
            for m in 0..<times.count where m != k { w[k] *= (t - times[m]) / (times[k] - times[m]) }
        }
        return w
    }

    /// Takes one accepted step, no further than `limit`; on failure the state is unchanged.
    public mutating func advance(notBeyond limit: Double) -> IntegrationFailure? {
        precondition(limit > time)
        while true {
            var h = min(proposedStep, options.maximumStep, newtonCeiling)
            var clipped = false
            if time + h >= limit || time + 1.01 * h >= limit { h = limit - time; clipped = true }
            // Order: 2 needs one past point.
            let order = min(options.maximumOrder, past.count + 1)
            var step: ImplicitStep
            var a0 = 1.0
            if order == 1 {
                step = ImplicitStep(timeStep: h, newCoefficient: 1, history: [(-1, logInventory)])
            } else {
                let omega = h / (time - past[0].time)
                a0 = (1 + 2 * omega) / (1 + omega)
                step = ImplicitStep(timeStep: h, newCoefficient: a0,
                                    history: [(-(1 + omega), logInventory), (omega * omega / (1 + omega), past[0].logInventory)])
            }
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
            var accepted = chordSolve()
            if !accepted {
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
                    _ = chord.factorise(&system, at: trial)
                }
            }
            var error = 0.0
            if accepted {
                do { try system.logInventory(at: trial, into: &trialInventory) } catch { accepted = false }
            }
            if !accepted {
                statistics.newtonFailures += 1
                statistics.rejectedSteps += 1
                proposedStep = h * 0.25
                newtonCeiling = h * options.failedStepCeiling
                if proposedStep < options.minimumStep {
                    system.setImplicitStep(nil)
                    return .stepTooSmall(time: time, step: proposedStep, newton: lastNewtonReason)
                }
                continue
            }
            // Local error estimate against the extrapolated inventories.
            let factor: Double
            if used < order {
                factor = 0.5   // no past point: constant extrapolation, judged conservatively
            } else if order == 1 {
                factor = h / (2 * h + (time - past[0].time))
            } else {
                let span = h + (time - past[used - 1].time)
                factor = (h / a0) / (span + h / a0)
            }
            let rtol = options.relativeTolerance, atol = options.absoluteTolerance
            for i in 0..<logInventory.count where scale[i] > 0 {
                let corrected = exp(trialInventory[i])
                var predicted = w[0] * exp(logInventory[i])
                for k in 0..<used { predicted += w[k + 1] * exp(past[k].logInventory[i]) }
                let e = factor * abs(corrected - predicted) / (atol * scale[i] + rtol * corrected)
                if !(e <= error) { error = e }
            }
            let exponent = 1 / Double(order + 1)
            if !(error <= 1) {
                statistics.rejectedSteps += 1
                proposedStep = h * max(0.2, 0.9 * pow(error.isFinite ? error : 1e10, -exponent))
                if proposedStep < options.minimumStep {
                    system.setImplicitStep(nil)
                    return .stepTooSmall(time: time, step: proposedStep, newton: nil)
                }
                continue
            }
            // Accept.
            past.insert((time, unknowns, logInventory), at: 0)
            if past.count > 2 { past.removeLast() }
            swap(&unknowns, &trial)
            swap(&logInventory, &trialInventory)
            time = clipped ? limit : time + h
            lastStep = step
            statistics.acceptedSteps += 1
            let growth = error > 0 ? min(options.maximumGrowth, max(0.2, 0.9 * pow(error, -exponent))) : options.maximumGrowth
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
        past = []
        lastStep = nil
        chord.invalidate()
        newtonCeiling = .infinity
    }
}


