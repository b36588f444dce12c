import Foundation
import Testing
@testable import SXNumerics

/// A linear system dN/dt = A·N whose inventories are its unknowns (N = u > 0), with the step
/// equations written absolutely: a₀·u + Σ a_m·N_m − Δt·A·u = 0.
private struct LinearInventorySystem: InventorySystem {
    /// Lower-bidiagonal A: dN_k/dt = −rates[k]·N_k + feeds[k]·N_{k−1}.
    let rates: [Double]
    let feeds: [Double]
    var step: ImplicitStep?

    var unknownCount: Int { rates.count }
    var lowerBandwidth: Int { 1 }
    var upperBandwidth: Int { 0 }
    var inventoryScale: [Double] { Array(repeating: 1, count: rates.count) }

    func flux(_ u: [Double], _ k: Int) -> Double { -rates[k] * u[k] + (k > 0 ? feeds[k] * u[k - 1] : 0) }

    mutating func setImplicitStep(_ newStep: ImplicitStep?) { step = newStep }

    mutating func logInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation) {
        for k in unknowns.indices {
            guard unknowns[k] > 0 else { throw DomainViolation(index: k, reason: "negative inventory") }
            logInventory[k] = log(unknowns[k])
        }
    }

    mutating func residual(at unknowns: [Double], into residual: inout [Double]) throws(DomainViolation) {
        for k in unknowns.indices {
            guard let step else { residual[k] = flux(unknowns, k); continue }
            var r = step.newCoefficient * unknowns[k] - step.timeStep * flux(unknowns, k)
            for m in step.history { r += m.coefficient * exp(m.logInventory[k]) }
            residual[k] = r
        }
    }

    mutating func residualAndJacobian(at unknowns: [Double], residual: inout [Double], jacobian: inout BandMatrix) throws(DomainViolation) {
        try self.residual(at: unknowns, into: &residual)
        let h = step?.timeStep ?? 1, a0 = step?.newCoefficient ?? 0
        for k in unknowns.indices {
            jacobian[k, k] = step == nil ? -rates[k] : a0 + h * rates[k]
            if k > 0 { jacobian[k, k - 1] = step == nil ? feeds[k] : -h * feeds[k] }
        }
    }
}

@Suite("BDF of variable order")
struct BDFOrderTests {
    /// Past points of uneven spacing (t_n first), so that no constant-step identity hides an error.
    static let times = [1.0, 0.7, 0.55, 0.3, 0.22, 0.1]
    static let step = 0.4

    /// BDF of order q is, by construction, the derivative at t_{n+1} of the polynomial through
    /// the q + 1 points t_{n+1} … t_{n+1−q} (Hairer and Wanner, Solving ODEs II, §III.5): its
    /// step formula a₀·p(t_{n+1}) + Σ a_m·p(t_{n+1−m}) = h·p′(t_{n+1}) holds exactly for every
    /// polynomial of degree ≤ q, and not for degree q + 1.
    @Test("Order q's step formula is exact for polynomials of degree ≤ q and only those", arguments: 1...5)
    func polynomialExactness(_ q: Int) {
        let h = Self.step, t1 = Self.times[0] + h
        let (a0, history) = BDFIntegrator<LinearInventorySystem>.coefficients(order: q, step: h, times: Self.times)
        #expect(history.count == q)
        // Consistency: the coefficients of a constant sum to zero.
        #expect(abs(a0 + history.reduce(0, +)) <= 1e-12 * a0)
        for degree in 0...(q + 1) {
            func p(_ t: Double) -> Double { pow(t, Double(degree)) }
            let derivative = degree == 0 ? 0 : Double(degree) * pow(t1, Double(degree - 1))
            var lhs = a0 * p(t1)
            for (m, a) in history.enumerated() { lhs += a * p(Self.times[m]) }
            let difference = abs(lhs - h * derivative)
            if degree <= q {
                #expect(difference <= 1e-11, "order \(q), degree \(degree): expected \(h * derivative), computed \(lhs), difference \(difference)")
            } else {
                #expect(difference > 1e-6, "order \(q) must not be exact for degree \(degree): difference \(difference)")
            }
        }
    }

    /// For y = t^(q+1) the local error of one step of order q from exact past values, y(t_{n+1})
    /// − y_{n+1}, is what the integrator's error estimate (Milne's device: a factor times the
    /// corrected minus the extrapolated value) gives, exactly: both are a multiple of the same
    /// (q+1)-th derivative (the closed form in `errorFactor`'s documentation).
    @Test("The error estimate of order q equals the true local error on t^(q+1)", arguments: 1...5)
    func errorEstimateIsExactOnNextDegree(_ q: Int) {
        let h = Self.step, t1 = Self.times[0] + h
        func y(_ t: Double) -> Double { pow(t, Double(q + 1)) }
        let (a0, history) = BDFIntegrator<LinearInventorySystem>.coefficients(order: q, step: h, times: Self.times)
        // The corrector with y′ known exactly: a₀·y_{n+1} = h·y′(t_{n+1}) − Σ a_m·y(t_{n+1−m}).
        var corrected = h * Double(q + 1) * pow(t1, Double(q))
        for (m, a) in history.enumerated() { corrected -= a * y(Self.times[m]) }
        corrected /= a0
        let weights = BDFIntegrator<LinearInventorySystem>.extrapolationWeights(to: t1, times: Array(Self.times.prefix(q + 1)))
        var predicted = 0.0
        for k in 0...q { predicted += weights[k] * y(Self.times[k]) }
        let estimate = BDFIntegrator<LinearInventorySystem>.errorFactor(order: q, step: h, times: Self.times) * (corrected - predicted)
        let trueError = y(t1) - corrected
        #expect(abs(trueError) > 1e-3, "the case must have a local error: \(trueError)")
        #expect(abs(abs(estimate) - abs(trueError)) <= 1e-10 * abs(trueError),
                "order \(q): expected \(trueError), estimated \(estimate)")
    }

    /// N₁′ = −N₁, N₂′ = N₁ − N₂/2 from N = (1, 1): N₁ = e^(−t), N₂ = 3e^(−t/2) − 2e^(−t)
    /// (closed form of the linear ODE). Variable order up to 5 reaches orders above 2 and the
    /// same accuracy in fewer steps than BDF2 at the same tolerance.
    @Test("Variable order reaches high orders on a smooth linear ODE and saves steps, at the closed form's accuracy")
    func variableOrderOnLinearDecay() throws {
        let end = 6.0
        let exact = [exp(-end), 3 * exp(-end / 2) - 2 * exp(-end)]
        func run(maximumOrder: Int) throws -> (steps: Int, error: Double, highest: Int) {
            var options = BDFOptions()
            options.relativeTolerance = 1e-8
            options.absoluteTolerance = 1e-14
            options.maximumOrder = maximumOrder
            options.variableOrder = maximumOrder > 2
            var integrator = try BDFIntegrator(system: LinearInventorySystem(rates: [1, 0.5], feeds: [0, 1]), unknowns: [1, 1],
                                               options: options)
            var highest = 1
            while integrator.time < end {
                if let failure = integrator.advance(notBeyond: end) { Issue.record("\(failure)"); break }
                highest = max(highest, integrator.order)
            }
            let error = zip(integrator.unknowns, exact).map { abs($0 - $1) / $1 }.max()!
            return (integrator.statistics.acceptedSteps, error, highest)
        }
        let second = try run(maximumOrder: 2)
        let fifth = try run(maximumOrder: 5)
        print("BDF2: \(second); variable order ≤ 5: \(fifth)")
        // Global errors: the local errors (rtol 1e-8) of hundreds of steps add up.
        #expect(second.error <= 1e-4 && fifth.error <= 1e-4, "relative errors against the closed form: \(second.error), \(fifth.error)")
        #expect(fifth.highest >= 4, "highest order used: \(fifth.highest)")
        #expect(Double(fifth.steps) < 0.5 * Double(second.steps), "steps: BDF2 \(second.steps), variable order \(fifth.steps)")
    }
}
