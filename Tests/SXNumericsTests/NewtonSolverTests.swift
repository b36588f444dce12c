import Foundation
import Testing
@testable import SXNumerics

/// A manufactured banded system: F_i(u) = u_i³ + u_i − 0.5·(u_{i−1} + u_{i+1}) − b_i, with b built
/// from a chosen solution u* so that F(u*) = 0 exactly (manufactured solution).
struct ManufacturedSystem: NewtonSystem {
    let unknownCount: Int
    let lowerBandwidth = 1
    let upperBandwidth = 1
    let b: [Double]
    init(solution: [Double]) {
        unknownCount = solution.count
        var b = [Double](repeating: 0, count: solution.count)
        for i in solution.indices {
            let left = i > 0 ? solution[i - 1] : 0, right = i + 1 < solution.count ? solution[i + 1] : 0
            b[i] = pow(solution[i], 3) + solution[i] - 0.5 * (left + right)
        }
        self.b = b
    }
    mutating func residual(at u: [Double], into r: inout [Double]) throws(DomainViolation) {
        for i in u.indices {
            let left = i > 0 ? u[i - 1] : 0, right = i + 1 < u.count ? u[i + 1] : 0
            r[i] = u[i] * u[i] * u[i] + u[i] - 0.5 * (left + right) - b[i]
        }
    }
    mutating func residualAndJacobian(at u: [Double], residual r: inout [Double], jacobian j: inout BandMatrix) throws(DomainViolation) {
        try residual(at: u, into: &r)
        for i in u.indices {
            j[i, i] = 3 * u[i] * u[i] + 1
            if i > 0 { j[i, i - 1] = -0.5 }
            if i + 1 < u.count { j[i, i + 1] = -0.5 }
        }
    }
}

/// A system whose Jacobian is exactly singular in its third unknown.
struct SingularSystem: NewtonSystem {
    let unknownCount = 4, lowerBandwidth = 1, upperBandwidth = 1
    mutating func residual(at u: [Double], into r: inout [Double]) throws(DomainViolation) {
        for i in u.indices { r[i] = i == 2 ? 1 : u[i] - 1 }
    }
    mutating func residualAndJacobian(at u: [Double], residual r: inout [Double], jacobian j: inout BandMatrix) throws(DomainViolation) {
        try residual(at: u, into: &r)
        for i in u.indices where i != 2 { j[i, i] = 1 }
    }
}

/// `ManufacturedSystem` that counts its evaluations and checks the solver's contract for
/// `jacobianAfterResidual`: it is called only at the point of the last residual.
struct CountingSystem: NewtonSystem {
    var inner: ManufacturedSystem
    var residuals = 0, jacobians = 0, jacobiansAfterResidual = 0
    var lastResidualPoint: [Double] = []
    var contractBroken = false
    var unknownCount: Int { inner.unknownCount }
    var lowerBandwidth: Int { inner.lowerBandwidth }
    var upperBandwidth: Int { inner.upperBandwidth }
    mutating func residual(at u: [Double], into r: inout [Double]) throws(DomainViolation) {
        residuals += 1
        lastResidualPoint = u
        try inner.residual(at: u, into: &r)
    }
    mutating func residualAndJacobian(at u: [Double], residual r: inout [Double], jacobian j: inout BandMatrix) throws(DomainViolation) {
        jacobians += 1
        lastResidualPoint = []
        try inner.residualAndJacobian(at: u, residual: &r, jacobian: &j)
    }
    mutating func jacobianAfterResidual(at u: [Double], residual r: inout [Double], jacobian j: inout BandMatrix) throws(DomainViolation) {
        jacobiansAfterResidual += 1
        if u != lastResidualPoint { contractBroken = true }
        try inner.residualAndJacobian(at: u, residual: &r, jacobian: &j)
    }
}

@Suite("Newton solver")
struct NewtonSolverTests {
    @Test("Manufactured solution recovered by band and dense factorisations alike", arguments: LinearSolverKind.allCases)
    func manufacturedSolution(kind: LinearSolverKind) {
        let exact = (0..<200).map { sin(Double($0) * 0.1) * 2 }
        var system = ManufacturedSystem(solution: exact)
        var options = NewtonOptions()
        options.linearSolver = kind
        var solver = NewtonSolver(for: system, options: options)
        var u = [Double](repeating: 0, count: exact.count)
        let report = solver.solve(&system, unknowns: &u)
        #expect(report.reason == .converged)
        let error = zip(u, exact).map { abs($0 - $1) }.max()!
        #expect(error < 1e-12, "max |u − u*| = \(error)")
    }

    @Test("Pseudo-transient continuation reaches the same manufactured solution")
    func pseudoTransient() {
        let exact = (0..<100).map { cos(Double($0) * 0.2) * 3 }
        var system = ManufacturedSystem(solution: exact)
        var solver = NewtonSolver(for: system)
        var u = [Double](repeating: 0, count: exact.count)
        let report = solver.solvePseudoTransient(&system, unknowns: &u)
        #expect(report.reason == .converged)
        #expect(zip(u, exact).map { abs($0 - $1) }.max()! < 1e-10)
    }

    @Test("A singular Jacobian is a returned reason naming the unknown, not a trap")
    func singularIsReported() {
        var system = SingularSystem()
        var solver = NewtonSolver(for: system)
        var u = [Double](repeating: 0, count: 4)
        let report = solver.solve(&system, unknowns: &u)
        #expect(report.reason == .singularJacobian(unknown: 2))
    }

    @Test("Chord steps: the quadratic regime reuses the factorisation, and the root is the same")
    func chordSteps() {
        let exact = (0..<200).map { sin(Double($0) * 0.1) * 2 }
        func run(chordContraction: Double) -> (report: NewtonReport, u: [Double], system: CountingSystem) {
            var system = CountingSystem(inner: ManufacturedSystem(solution: exact))
            var options = NewtonOptions()
            options.chordContraction = chordContraction
            var solver = NewtonSolver(for: system, options: options)
            var u = exact.map { $0 + 0.05 }   // close: every step is a full one
            let report = solver.solve(&system, unknowns: &u)
            return (report, u, system)
        }
        let chord = run(chordContraction: 0.01), newton = run(chordContraction: 0)
        #expect(chord.report.reason == .converged && newton.report.reason == .converged)
        // Manufactured solution: u* exact (closed form), to round-off.
        #expect(zip(chord.u, exact).map { abs($0 - $1) }.max()! < 1e-12)
        #expect(zip(newton.u, exact).map { abs($0 - $1) }.max()! < 1e-12)
        let reused = chord.report.history.filter(\.reusedFactorization).count
        #expect(reused > 0, "no chord step was taken")
        #expect(newton.report.history.allSatisfy { !$0.reusedFactorization })
        // Every chord step kept lowered ‖F‖∞ at least `chordAcceptance` (0.1) times.
        let norms = chord.report.history.map(\.residualNorm) + [chord.report.residualNorm]
        for (k, record) in chord.report.history.enumerated() where record.reusedFactorization {
            #expect(norms[k + 1] <= 0.1 * norms[k])
        }
        // Fewer Jacobians than Newton steps, and the solver kept its promise to the system.
        let evaluated = chord.system.jacobians + chord.system.jacobiansAfterResidual
        #expect(evaluated == chord.report.history.count - reused)
        #expect(evaluated < newton.system.jacobians + newton.system.jacobiansAfterResidual)
        #expect(!chord.system.contractBroken && !newton.system.contractBroken)
    }

    @Test("A chord step that does not contract enough gives way to a Newton step from the same point")
    func rejectedChordSteps() {
        let exact = (0..<200).map { sin(Double($0) * 0.1) * 2 }
        var system = CountingSystem(inner: ManufacturedSystem(solution: exact))
        var options = NewtonOptions()
        options.chordContraction = 0.5     // chord steps tried early, far from quadratic
        options.chordAcceptance = 1e-12    // and never good enough
        var solver = NewtonSolver(for: system, options: options)
        var u = [Double](repeating: 0, count: exact.count)
        let report = solver.solve(&system, unknowns: &u)
        #expect(report.reason == .converged)
        #expect(zip(u, exact).map { abs($0 - $1) }.max()! < 1e-12)
        #expect(report.history.allSatisfy { !$0.reusedFactorization })
        // The rejected trial left the system evaluated elsewhere: the Jacobian at the point
        // was evaluated with its own residual, never through jacobianAfterResidual wrongly.
        #expect(!system.contractBroken)
        #expect(system.jacobians > 0)
    }

    @Test("Polishing after convergence reuses the last factorisation")
    func polishingReusesFactors() {
        let exact = (0..<100).map { cos(Double($0) * 0.2) }
        var system = CountingSystem(inner: ManufacturedSystem(solution: exact))
        var options = NewtonOptions()
        options.chordContraction = 0      // Newton steps only, so that only polishing can reuse
        var solver = NewtonSolver(for: system, options: options)
        var u = [Double](repeating: 0, count: exact.count)
        let report = solver.solve(&system, unknowns: &u)
        #expect(report.reason == .converged)
        // The iterations counted beyond the history are the polishing steps; none evaluated a Jacobian.
        #expect(report.iterations >= report.history.count)
        #expect(system.jacobians + system.jacobiansAfterResidual == report.history.count)
        #expect(!system.contractBroken)
    }

    @Test("Band LU agrees with dense LU on a random banded matrix (LAPACK wrappers)")
    func bandAgreesWithDense() throws {
        var m = BandMatrix(order: 30, lowerBandwidth: 3, upperBandwidth: 2)
        var state: UInt64 = 7
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) - 0.5 }
        for c in 0..<30 { for r in max(0, c - 2)...min(29, c + 3) { m[r, c] = next() + (r == c ? 4 : 0) } }
        let rhs = (0..<30).map { _ in next() }
        var dense = m.denseColumnMajor()
        var x1 = rhs, pivots = [Int32](repeating: 0, count: 30)
        try DenseSolver.solve(order: 30, matrix: &dense, rhs: &x1, pivots: &pivots)
        var lu = BandLUWorkspace(order: 30)
        var factored = m
        try lu.factorize(&factored)
        var x2 = rhs
        try lu.solve(factored, &x2)
        #expect(zip(x1, x2).map { abs($0 - $1) }.max()! < 1e-12)
        let back = m.multiply(x2)
        #expect(zip(back, rhs).map { abs($0 - $1) }.max()! < 1e-12)
    }
}
