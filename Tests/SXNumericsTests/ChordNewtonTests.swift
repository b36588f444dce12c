import Foundation
import Testing
@testable import SXNumerics

@Suite("Chord (modified) Newton")
struct ChordNewtonTests {
    /// The manufactured solution of `ManufacturedSystem` (b formed from it, so it is the root).
    static let exact = (0..<200).map { sin(Double($0) * 0.1) * 2 }

    @Test("A factorisation from a nearby point recovers the manufactured solution, and is reused on a second solve")
    func manufacturedSolution() {
        var system = ManufacturedSystem(solution: Self.exact)
        var chord = ChordNewton(for: system, residualTolerance: 1e-12, maximumIterations: 30, maximumRate: 0.5, maximumStep: 2)
        let nearby = Self.exact.enumerated().map { $1 + 0.05 * cos(Double($0)) }
        #expect(chord.factorise(&system, at: nearby))
        var u = nearby
        let first = chord.solve(&system, unknowns: &u)
        #expect(first.converged, "from the factorisation point: \(first)")
        let worst = zip(u, Self.exact).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-11, "largest error \(worst)")
        // A second start with the same (now stale) factorisation: no new Jacobian needed.
        var v = Self.exact.enumerated().map { $1 - 0.03 * sin(Double($0)) }
        let second = chord.solve(&system, unknowns: &v)
        #expect(second.converged && chord.isFactorised)
        #expect(zip(v, Self.exact).map { abs($0 - $1) }.max()! <= 1e-11)
    }

    @Test("A factorisation from far away gives up at once on a slow rate instead of creeping")
    func staleMatrixGivesUp() {
        var system = ManufacturedSystem(solution: Self.exact)
        var chord = ChordNewton(for: system, residualTolerance: 1e-12, maximumIterations: 30, maximumRate: 0.3, maximumStep: 2)
        // J(u) = 3u² + 1 on the diagonal: at u = 0 it is ~13 times smaller than near |u| = 2.
        #expect(chord.factorise(&system, at: [Double](repeating: 0, count: Self.exact.count)))
        var u = Self.exact.map { $0 * 1.1 }
        let outcome = chord.solve(&system, unknowns: &u)
        #expect(!outcome.converged)
        #expect(outcome.iterations <= 3, "iterations before giving up: \(outcome.iterations)")
    }
}
