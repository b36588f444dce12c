/// Modified ("chord") Newton: iterates u ← u − J₀⁻¹·F(u) with one factorised Jacobian J₀ kept
/// across iterations and across calls, until the system changes too much for it.
///
/// An implicit time integrator solves a sequence of nearby systems (one per step), whose
/// Jacobians change slowly; re-evaluating and factorising J at every iteration, as the damped
/// `NewtonSolver` does, is most of the cost of a step. The chord iteration converges linearly,
/// at a rate ρ = ‖F_{k+1}‖/‖F_k‖ that stays small while J₀ is close to the current Jacobian; it
/// gives up (and leaves the decision to refresh J₀ to the caller) as soon as ρ exceeds
/// `maximumRate` or `maximumIterations` pass, so a stale matrix costs at most a few cheap
/// iterations (one residual and one `dgbtrs` back-substitution each). There is no line
/// search: a failed chord solve is retried with a fresh Jacobian and then by the damped
/// Newton method. Components of each correction are clipped to the system's `stepLimits`, like
/// the damped method's.
public struct ChordNewton {
    /// Converged when ‖F‖∞ ≤ this (the same meaning as `NewtonOptions.residualTolerance`).
    public var residualTolerance: Double
    /// Iterations per solve before giving up.
    public var maximumIterations: Int
    /// Largest accepted ratio ‖F_{k+1}‖∞/‖F_k‖∞ of successive residuals.
    public var maximumRate: Double
    /// Largest change of any unknown per iteration (before the system's own per-unknown limits).
    public var maximumStep: Double

    /// Corrections taken after convergence (see `polish`), and the level they aim for, as a
    /// fraction of the tolerance.
    public var polishIterations = 3
    public var polishFactor = 1e-3
    /// With per-row tolerances (`solve(_:unknowns:rowTolerances:)`), a converged iterate whose
    /// ‖F‖∞ is within this multiple of `residualTolerance` is polished as in the uniform test.
    public var rowPolishBelow = 100.0

    /// Whether a factorised Jacobian is held.
    public private(set) var isFactorised = false
    private var factors: BandMatrix
    private var lu: BandLUWorkspace
    private var residual: [Double]
    private var correction: [Double]
    private var limits: [Double]
    private var kept: [Double]
    /// True from `factorise` to the next `solve`: `residual` then holds F(`factoredAt`) of the
    /// system as it was factorised (a later step of an integrator changes the equations).
    private var residualAtFactorisation = false
    /// The unknowns at which the residual in `residual` was evaluated with the Jacobian.
    private var factoredAt: [Double]

    public init<System: NewtonSystem>(for system: System, residualTolerance: Double, maximumIterations: Int,
                                      maximumRate: Double, maximumStep: Double) {
        self.residualTolerance = residualTolerance
        self.maximumIterations = maximumIterations
        self.maximumRate = maximumRate
        self.maximumStep = maximumStep
        let n = system.unknownCount
        factors = BandMatrix(order: n, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
        lu = BandLUWorkspace(order: n)
        residual = Array(repeating: 0, count: n)
        correction = residual
        limits = residual
        factoredAt = residual
        kept = residual
    }

    /// Corrections from `unknowns` (where `residual` holds F with ‖F‖∞ = `norm`) while each
    /// halves ‖F‖∞, at most `polishIterations`, until ‖F‖∞ ≤ `polishFactor`·tolerance; the last
    /// one is undone when it did not lower ‖F‖∞.
    private mutating func polish<System: NewtonSystem>(_ system: inout System, unknowns: inout [Double], norm start: Double) -> Int {
        var norm = start
        var count = 0
        while count < polishIterations && norm > polishFactor * residualTolerance {
            for i in 0..<residual.count { correction[i] = -residual[i]; kept[i] = unknowns[i] }
            guard (try? lu.solve(factors, &correction)) != nil else { break }
            count += 1
            for i in 0..<correction.count { unknowns[i] += correction[i] }
            var polished = Double.infinity
            if (try? system.residual(at: unknowns, into: &residual)) != nil {
                polished = 0
                for r in residual { let a = abs(r); if !(a <= polished) { polished = a } }
            }
            if !(polished < norm) {
                for i in 0..<unknowns.count { unknowns[i] = kept[i] }
                _ = try? system.residual(at: unknowns, into: &residual)   // leave the system evaluated there
                break
            }
            let halved = polished <= 0.5 * norm
            norm = polished
            if !halved { break }
        }
        return count
    }

    /// Drops the kept factorisation (the system changed: an event, a new start).
    public mutating func invalidate() {
        isFactorised = false
        residualAtFactorisation = false
    }

    /// Evaluates and factorises the Jacobian at `unknowns`; false (and no factorisation held)
    /// when the point is outside the domain or the matrix is singular.
    public mutating func factorise<System: NewtonSystem>(_ system: inout System, at unknowns: [Double]) -> Bool {
        isFactorised = false
        factors.setZero()
        do {
            try system.residualAndJacobian(at: unknowns, residual: &residual, jacobian: &factors)
            try lu.factorize(&factors)
        } catch {
            return false
        }
        for i in 0..<unknowns.count { factoredAt[i] = unknowns[i] }
        isFactorised = true
        residualAtFactorisation = true
        return true
    }

    /// Iterates from `unknowns` with the held factorisation (which must exist). Returns whether
    /// ‖F‖∞ reached the tolerance and the iterations (back-substitutions) spent; on failure
    /// `unknowns` hold the last iterate.
    ///
    /// With `rowTolerances`, the test is per row instead: converged when every |F_k| is at most
    /// the tolerance the closure writes for row k at the point just evaluated (the rate test
    /// then applies to max_k |F_k|/tol_k), and no polishing follows: the caller has said what
    /// accuracy each row needs.
    public mutating func solve<System: NewtonSystem>(_ system: inout System, unknowns: inout [Double],
                                                     rowTolerances: ((System, inout [Double]) -> Void)? = nil)
        -> (converged: Bool, iterations: Int) {
        precondition(isFactorised, "ChordNewton.solve needs a factorisation")
        var iterations = 0
        var previousNorm = Double.infinity
        var clipped = false
        // The residual is already known when the solve directly follows `factorise` at the same point.
        var known = residualAtFactorisation && unknowns == factoredAt
        residualAtFactorisation = false
        while true {
            if !known {
                do { try system.residual(at: unknowns, into: &residual) } catch { return (false, iterations) }
            }
            known = false
            var norm = 0.0
            if let rowTolerances {
                rowTolerances(system, &limits)
                var plain = 0.0
                for k in 0..<residual.count {
                    let r = abs(residual[k]), a = r / limits[k]
                    if !(a <= norm) { norm = a }
                    if !(r <= plain) { plain = r }
                }
                if !norm.isFinite { return (false, iterations) }
                if norm <= 1 {
                    // Tolerances this close to `residualTolerance` mean a step at its steady
                    // limit (the rows' sides grow with the step): close it as the uniform test
                    // does, so that the long-time limit is the steady solver's answer.
                    if plain <= rowPolishBelow * residualTolerance { iterations += polish(&system, unknowns: &unknowns, norm: plain) }
                    return (true, iterations)
                }
                // A correction clipped to the step limits makes slow progress by design (a
                // trace species rising by decades); only unclipped ones are judged by their rate.
                if clipped { previousNorm = .infinity }
            } else {
                for r in residual { let a = abs(r); if !(a <= norm) { norm = a } }
            }
            if !norm.isFinite { return (false, iterations) }
            if rowTolerances == nil && norm <= residualTolerance {
                // Linear convergence stops just below the tolerance, where quadratic Newton
                // overshoots by decades; one more correction, kept when it lowers ‖F‖∞, keeps
                // per-step balance errors (and so the drift of conservation over thousands of
                // steps) as small as the damped method's.
                iterations += polish(&system, unknowns: &unknowns, norm: norm)
                return (true, iterations)
            }
            if iterations >= maximumIterations || norm > maximumRate * previousNorm { return (false, iterations) }
            previousNorm = norm
            iterations += 1
            for i in 0..<residual.count { correction[i] = -residual[i] }
            do { try lu.solve(factors, &correction) } catch { return (false, iterations) }
            let perUnknown = system.stepLimits(uniform: maximumStep, into: &limits)
            clipped = false
            for i in 0..<correction.count {
                let limit = perUnknown ? limits[i] : maximumStep
                let d = correction[i]
                if abs(d) > limit { clipped = true }
                unknowns[i] += abs(d) > limit ? (d > 0 ? limit : -limit) : d
            }
        }
    }
}
