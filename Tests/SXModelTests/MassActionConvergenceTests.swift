import Foundation
import Testing
@testable import SXModel
import SXNumerics

/// Issue 9 item 5 for mass action: the Pr|Nd split of Flowsheets/prnd-mass-action.yaml
/// (`FeasibilityTests.prNd`) over its feed acidity and its organic × scrub flows converges from
/// a cold start or is refused by the feasibility check, and every converged case conserves
/// each element and holds equilibrium at every stage (`Check.solved`, recomputed
/// independently of the engine).
@Suite("Mass action: the Pr|Nd split over feed acidity and flows")
struct MassActionConvergenceTests {
    /// Feed acidity 0.0005 … 0.5 mol/L (pH 3.3 … 0.3). Before [H⁺] became an unknown with
    /// electroneutrality as a residual, 0.0005 and 0.001 mol/L ended "not converged" (the
    /// pseudo-transient phase at ‖R‖∞ = 7e-7, the extractant balance of extraction stage 5).
    @Test("Every feed acidity from 0.0005 to 0.5 mol/L converges", arguments: [0.0005, 0.001, 0.003, 0.01, 0.05, 0.1, 0.5])
    func feedAcidity(_ acidity: Double) throws {
        let r = try CascadeSolver.solve(FeasibilityTests.prNd(organic: 20, scrub: 2.52, feedAcidity: acidity))
        Check.solved(r)
        // The raffinate end carries the saponified organic's Na⁺: its pH is an output; the
        // electroneutrality residual held it without forming Q − C − 3Σx.
        let pH = try #require(r.pH)
        #expect(pH.allSatisfy { $0.isFinite && $0 > -1 && $0 < 14 }, "pH \(pH.min()!) … \(pH.max()!)")
    }

    /// A coarse grid over the flowsheet's organic 10–25 L/h × scrub 1–3 L/h sweep (the full
    /// 7 × 9 grid is measured in docs/engine.md §6): each case converges or is refused as
    /// over-saponified before any Newton step.
    @Test("Organic × scrub flows: converged or refused before solving",
          arguments: [10.0, 15.0, 20.0, 25.0], [1.0, 2.0, 3.0])
    func flows(organic: Double, scrub: Double) throws {
        let cascade = FeasibilityTests.prNd(organic: organic, scrub: scrub)
        let r = try CascadeSolver.solve(cascade)
        if case .infeasible = r.outcome {
            #expect(r.iterations == 0)
            #expect(!Feasibility.problems(try CascadeNetwork(cascade)).isEmpty)
        } else {
            Check.solved(r)
        }
    }

    /// The benchmark grid's mass action 50 × 15 (`StandardCascades`, 20 % reflux as in
    /// Benchmarks/README.md): the case whose iterations rose from 64 to 216 when ln [H⁺]
    /// became an unknown. Fifteen elements whose K span 1.5¹⁴ ≈ 292, the lightest and
    /// heaviest at trace far from the cut.
    @Test("Mass action 50 stages x 15 elements of the benchmark grid converges from a cold start")
    func benchmarkGrid50x15() throws {
        let cascade = StandardCascades.fractionalWithStrip(model: .massAction, elementCount: 15, totalStages: 50, reflux: 0.2)
        Check.solved(try CascadeSolver.solve(cascade))
    }

    /// ln [H⁺] may take long steps where free acid fixes it, but it is never a negligible trace
    /// unknown: its electroneutrality row counts fully in the pseudo-transient controller.
    @Test("ln [H+] is never marked negligible; trace species allowed long steps are")
    func acidityIsNotNegligible() throws {
        let cascade = StandardCascades.fractionalWithStrip(model: .massAction, elementCount: 15, totalStages: 50, reflux: 0.2)
        let network = try CascadeNetwork(cascade)
        var system = CascadeSystem(network: network)
        guard case .success(let u) = StartingPoint.make(network, system: &system, options: StartOptions()) else {
            Issue.record("no start"); return
        }
        var r = [Double](repeating: 0, count: system.unknownCount)
        try system.residual(at: u, into: &r)
        let uniform = NewtonOptions().maximumStep
        var limits = [Double](repeating: 0, count: system.unknownCount)
        #expect(system.stepLimits(uniform: uniform, into: &limits))
        var negligible = [Bool](repeating: true, count: system.unknownCount)
        system.negligibleUnknowns(limits: limits, uniform: uniform, into: &negligible)
        let b = network.blockSize
        let acidity = (0..<network.stageCount).map { $0 * b + network.acidityIndex }
        #expect(acidity.contains { limits[$0] > uniform }, "some stage's ln [H+] takes long steps (free acid fixes it)")
        #expect(acidity.allSatisfy { !negligible[$0] })
        let others = (0..<system.unknownCount).filter { $0 % b != network.acidityIndex }
        #expect(others.contains { negligible[$0] }, "some trace species is negligible at the start")
        #expect(others.allSatisfy { negligible[$0] == (limits[$0] > uniform) })
    }
}
